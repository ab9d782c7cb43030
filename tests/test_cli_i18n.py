"""The command line speaks the label file's locale: click's own messages, every --help text, usage
errors, plan errors and workbooks; --locale / XLTOOL_LOCALE pick the label file, also from
XLTOOL_LABELS_DIR (tested with a pseudo-locale whose every text starts with "XX·")."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from xltoolkit import clickzh
from xltoolkit.cli import main
from xltoolkit.labels import active_locale, get_labels
from xltoolkit.resources import templates_dir

COMMANDS = [[], ["plan"], ["plan", "show"], ["plan", "export"], ["plan", "import"], ["generate"], ["merge"], ["status"],
            ["validate"], ["parse"], ["history"]]

# ASCII words that may appear in Chinese output: command and option names, values typed as such,
# file types, folder names of examples, product names, the environment variable.
ALLOWED_WORDS = {
    "xltool", "plan", "show", "generate", "merge", "validate", "parse", "help", "auto", "error", "newest",
    "xlsx", "txt", "docx", "yaml", "json", "JSON", "YAML", "UTF", "CPU", "generated", "returns", "templates",
    "labels", "zh-CN", "XLTOOL_LOCALE", "WPS", "LibreOffice", "Excel", "version", "nosuch", "out", "jobs",
    "period", "plan_ref", "oldest", "export", "import", "fengong", "wuchang-14fyp", "status", "xltool-secret", "history", "report",
}


def run(*args, env=None):
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    assert "Traceback" not in result.output, result.output
    return result


def english_words(text: str) -> set[str]:
    """ASCII words of 3+ letters left in `text`, besides option names, paths and allowed words."""
    text = re.sub(r"(?<![\w])--?[a-z][a-z-]*", " ", text)  # option names
    text = re.sub(r"\S*[/\\]\S*", " ", text)  # paths
    text = re.sub(r"\.[a-z]{2,4}\b", " ", text)  # file extensions (.csv, .html)
    words = set(re.findall(r"[A-Za-z][A-Za-z_-]{2,}", text))
    return {w for w in words if w not in ALLOWED_WORDS and w.strip("-") not in ALLOWED_WORDS}


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "xltool")
def test_help_of_every_command_is_chinese(command):
    clickzh.MISSED.clear()
    result = run(*command, "--help")
    assert result.exit_code == 0
    labels = get_labels()
    out = result.output
    assert out.startswith(labels["click"]["Usage:"])
    assert labels.fmt("help.heading", heading=labels["click"]["Options"]) in out
    assert labels["click"]["Show this message and exit."] in out
    assert not english_words(out), english_words(out)
    assert not clickzh.MISSED, clickzh.MISSED


def test_help_texts_come_from_the_help_section():
    labels = get_labels()
    out = run("merge", "--help").output
    for name in ("paths", "plan_ref", "period", "out_path", "json_path", "feedback_dir", "on_duplicate", "jobs"):
        first_words = labels[f"help.merge.params.{name}"][:8]
        assert first_words in out, name
    assert labels["click"]["default: {default}"].format(default="auto") in out
    top = run("--help").output
    for name in ("generate", "merge", "validate", "parse", "plan"):
        assert labels[f"help.{name}.short"] in top
    assert labels["click"]["Commands"] in top and labels["click"]["Show the version and exit."] in top


def test_every_command_and_parameter_has_help_in_the_label_file():
    labels = get_labels()

    def walk(cmd, key):
        section = labels[f"help.{key}"]
        assert section.get("help"), key
        if key != "xltool":
            assert section.get("short"), key
        for param in cmd.params:
            if param.name in ("help", "version"):
                continue
            assert param.name in (section.get("params") or {}), (key, param.name)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, name if key == "xltool" else f"{key}_{name}")

    walk(main, "xltool")


def test_version_is_chinese():
    result = run("--version")
    assert result.exit_code == 0 and "version" not in result.output and "xltool" in result.output


def test_help_does_not_import_the_heavy_libraries():
    code = ("import sys\nfrom xltoolkit.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pydantic', 'openpyxl', 'xlsxwriter', 'python_calamine') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


# --------------------------------------------------------------------------- usage errors


USAGE_ERRORS = [
    (["merge", "x", "--jsn", "a.json"], "No such option {name!r}."),  # with "did you mean"
    (["generate", "--forc"], "No such option {name!r}."),
    (["merge"], "Missing argument"),
    (["merge", "x", "--on-duplicate", "oldest"], "{value!r} is not {choice}."),
    (["generate", "--out"], "Option {name!r} requires an argument."),
    (["plan", "show", "a", "b"], "Got unexpected extra argument ({args})"),
    (["nosuch"], "No such command {name!r}."),
    (["generate", "--jobs", "x"], None),
    (["generate", "--period", "2022Q5"], None),
]


@pytest.mark.parametrize("args, msgid", USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_errors_are_chinese(args, msgid):
    clickzh.MISSED.clear()
    result = run(*args)
    assert result.exit_code == 2
    labels = get_labels()
    click_text = labels["click"]
    if args != ["generate", "--out"]:  # click gives no usage line for a missing option value
        assert click_text["Usage:"] in result.output
        assert click_text["Try '{command} {option}' for help."].split("{")[0] in result.output
    assert click_text["Error: {message}"].split("{")[0] in result.output
    if msgid:
        template = click_text[msgid]
        template = template[0] if isinstance(template, list) else template
        assert re.split(r"\{[^}]*\}", template)[0] in result.output
    assert not english_words(result.output), english_words(result.output)
    assert not clickzh.MISSED, clickzh.MISSED


def test_did_you_mean_suggests_the_option(tmp_path):
    result = run("generate", "--forc")
    assert "--force" in result.output


def test_bad_path_option_is_chinese(tmp_path):
    result = run("merge", tmp_path, "--out", tmp_path)  # --out must be a file, not a folder
    assert result.exit_code == 2
    assert get_labels()["click"]["directory"] in result.output or get_labels()["click"]["file"] in result.output
    assert not english_words(result.output), english_words(result.output)


# --------------------------------------------------------------------------- locales


def _pseudo(value, key=""):
    if isinstance(value, dict):
        return {k: v if str(k).startswith("_") else _pseudo(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_pseudo(v) for v in value]
    return f"XX·{value}" if isinstance(value, str) else value


@pytest.fixture
def pseudo(tmp_path, monkeypatch):
    """A locale 'xx' in a folder of XLTOOL_LABELS_DIR: every zh-CN text prefixed with 'XX·'."""
    data = yaml.safe_load((templates_dir() / "labels.zh-CN.yaml").read_text(encoding="utf-8"))
    data = _pseudo(data)
    data["locale"] = "xx"
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "labels.xx.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("XLTOOL_LABELS_DIR", str(folder))
    return folder


def test_pseudo_locale_help_usage_errors_plan_errors(pseudo, make_plan, write_plan):
    out = run("--locale", "xx", "--help").output
    assert out.startswith("XX·用法")
    assert "XX·显示本帮助信息并退出。" in out and "XX·生成总表和各单位的填报表。" in out
    out = run("--locale", "xx", "merge", "--help").output
    assert "XX·校验" in out and "XX·计划" in out  # help text and metavar
    result = run("--locale", "xx", "merge", "x", "--jsn", "a")
    assert result.exit_code == 2 and "XX·错误：" in result.output and "XX·没有" in result.output
    data = make_plan()
    data["units"][0]["kind"] = "dept"
    result = run("--locale", "xx", "plan", "show", write_plan(data, "bad.yaml"))
    assert result.exit_code == 2
    assert "XX·错误 PLAN_INVALID：" in result.output and "XX·“dept”不是可选的值" in result.output
    assert active_locale() == "zh-CN" and get_labels().locale == "zh-CN"  # restored after the run


def test_pseudo_locale_workbooks(pseudo, make_plan, write_plan, tmp_path):
    import openpyxl

    plan = write_plan(make_plan(), "small.yaml")
    result = run("generate", "--plan", plan, "--period", "2023", "--out", tmp_path / "out",
                 env={"XLTOOL_LOCALE": "xx", "XLTOOL_DB": str(tmp_path / "none.db")})  # no earlier period
    assert result.exit_code == 0, result.output
    assert result.output.startswith("XX·已生成")
    master = next((tmp_path / "out").glob("*.xlsx"))
    assert master.name == "XX·test-plan_2023_总表.xlsx"  # file names are worded by the locale too
    returns = sorted(p.name for p in (tmp_path / "out").rglob("*.xlsx") if p != master)
    assert returns and all(name.startswith("XX·test-plan_2023_") for name in returns)
    names = openpyxl.load_workbook(master, read_only=True).sheetnames
    assert "XX·填报说明" in names and "XX·责任矩阵" in names


def test_pseudo_locale_details_of_refusals(pseudo, tmp_path):
    """What exactly was refused comes from the label file too (details.*), for returns and for parse."""
    from xltoolkit.container import MAX_FILE_BYTES
    from xltoolkit.parsing.limits import MAX_HTML_BYTES

    big = tmp_path / "big.xlsx"
    with open(big, "wb") as fh:  # sparse: cheap to make
        fh.write(b"PK\x03\x04")
        fh.truncate(MAX_FILE_BYTES + 1)
    result = run("--locale", "xx", "validate", big)
    assert result.exit_code == 1
    assert f"XX·文件过大或内容异常（XX·{MAX_FILE_BYTES + 1} > {MAX_FILE_BYTES} 字节）" in result.output, result.output
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>" * (MAX_HTML_BYTES // 3 + 1))
    result = run("--locale", "xx", "parse", page)
    assert result.exit_code == 2 and "TOO_LARGE" in result.output
    assert f"（XX·{page.stat().st_size} > {MAX_HTML_BYTES} 字节）" in result.output, result.output


def test_unknown_locale_is_a_coded_error_listing_the_locales(pseudo):
    result = run("--locale", "fr", "--help")
    assert result.exit_code == 2
    labels = get_labels()
    message = labels.fmt("errors.LOCALE_UNKNOWN", locale="fr", available="xx、zh-CN")
    assert labels.fmt("cli.error_coded", code="LOCALE_UNKNOWN", message=message) in result.output
    result = run("plan", "show", env={"XLTOOL_LOCALE": "../etc"})
    assert result.exit_code == 2 and "../etc" in result.output


def test_locale_option_is_documented():
    out = run("--help").output
    assert "--locale" in out and "XLTOOL_LOCALE" in out


def test_xltool_help_is_fast():
    """`xltool --help` in a fresh process: the label file read once with libyaml, no heavy imports."""
    import time

    exe = Path(sys.executable).with_name("xltool")
    if not exe.exists():
        pytest.skip("console script not installed")
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([str(exe), "--help"], capture_output=True, check=True, env={**os.environ})
        runs.append(time.perf_counter() - started)
    assert min(runs) < 0.5, runs
