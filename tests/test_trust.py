"""The trust catalogue (round two): every class of input, output, plan file and interruption that
could make xltool accept a forgery, block, exhaust memory, overwrite an input or leave debris,
each with its exact outcome through the real command line.

Same style as tests/test_bad_inputs.py: one row per class with the exact codes, severity, cell and
exit codes; for every row no traceback, inputs byte-identical, no partial output. Files are real
(generated returns filled with openpyxl, real FIFOs, real subprocesses with real resource limits,
a real `kill -9`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from conftest import BASE_PLAN, ROOT
from filler import Answers, answers, fill_openpyxl
from xltoolkit.cli import main
from xltoolkit.generate import generate
from xltoolkit.identity import SECRET_NAME, read_secret
from xltoolkit.labels import get_labels
from xltoolkit.model import Period
from xltoolkit.plans import load_plan
from xltoolkit.reading import read_return

PLAN = "wuchang-14fyp"
PERIOD = "2022Q4"
UNIT, COURT, JUSTICE = "区发改局", "区法院", "区司法局"  # the forgery: 区法院's file claims to be 区司法局's
UNIT_CELL = "C3"  # the pre-filled 填报单位 cell (forms.LAYOUT)
GB = 1024 ** 3


@dataclass
class Env:
    plan: object
    labels: object
    gen: Path  # generate's output folder (holds the office secret)
    secret: Path
    valid: dict  # unit name -> a validly filled return
    work: Path
    ids: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    plan, labels = load_plan(PLAN), get_labels()
    work = tmp_path_factory.mktemp("trust")
    result = generate(plan, Period.parse(PERIOD), work / "gen", labels=labels, now=dt.datetime(2022, 12, 1))
    valid = {}
    for name in (UNIT, COURT, JUSTICE):
        src = next(p for p in result.returns if p.stem.endswith("_" + name))
        a = answers(read_return(src, labels), plan, Period.parse(PERIOD), labels, seed=3)
        valid[name] = work / f"valid_{name}.xlsx"
        fill_openpyxl(src, valid[name], a)
    ids = {u.name: u.id for u in plan.units}
    return Env(plan, labels, work / "gen", work / "gen" / SECRET_NAME, valid, work, ids)


@pytest.fixture(autouse=True)
def _no_ambient_secret(monkeypatch, tmp_path):
    """No office secret from the environment or the working folder unless a row gives one."""
    monkeypatch.delenv("XLTOOL_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)


def F(name=UNIT):
    return f"wuchang-14fyp_2022Q4_{name}.xlsx"


def edited(src: Path, dst: Path, mutate: Callable) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.load_workbook(src)
    mutate(wb)
    wb.save(dst)
    return dst


def set_meta(**values) -> Callable:
    """Edit the identity as a forger would: the hidden sheet made visible and edited, and the
    document properties."""
    def mutate(wb):
        ws = wb["_xltool"]
        ws.sheet_state = "visible"
        for row in ws.iter_rows():
            if row[0].value in values:
                row[1].value = values[row[0].value]
        for prop in list(wb.custom_doc_props.props):
            key = prop.name.split(".", 1)[-1]
            if key in values:
                if values[key] is None:
                    wb.custom_doc_props.props.remove(prop)
                else:
                    prop.value = values[key]
        if any(v is None for v in values.values()):
            for row in ws.iter_rows():
                if row[0].value in values and values[row[0].value] is None:
                    row[0].value = row[1].value = None
    return mutate


def claim(env: Env, name: str, *, tab: bool = False, cell: bool = False) -> Callable:
    """区法院's return made to claim unit `name`: metadata (and the tab and 填报单位 cell if asked)."""
    meta = set_meta(unit_name=name, unit_id=env.ids[name])

    def mutate(wb):
        meta(wb)
        if tab:
            wb[COURT].title = name
        if cell:
            (wb[name] if tab else wb[COURT])[UNIT_CELL] = name
    return mutate


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def invoke(args: list[str]):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output and "Exception ignored" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def proc(args: list, *, timeout: float = 60, env: Optional[dict] = None, limits: Optional[Callable] = None,
         user: Optional[int] = None, cwd: Optional[Path] = None):
    """The real executable in a fresh process: (returncode, stdout+stderr, seconds, peak RSS bytes)."""
    cmd = [sys.executable, "-m", "xltoolkit.cli", *map(str, args)]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("XLTOOL_SECRET", None) if "XLTOOL_SECRET" not in (env or {}) else None
    started = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=full_env, preexec_fn=limits,
                         cwd=str(cwd or os.getcwd()))
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        raise AssertionError(f"hung: {cmd}") from None
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # high-water mark of all children so far
    text = out.decode("utf-8", "replace")
    assert "Traceback" not in text and "Exception ignored" not in text, text
    return p.returncode, text, seconds, usage.ru_maxrss * 1024


# Returns that claim what they are not, or hold what they must not ---------------------------------


@dataclass
class Case:
    name: str
    build: Callable  # (env, inbox) -> None
    codes: tuple[str, ...]  # every problem code merge reports (JSON issues), exactly
    severity: Optional[str]
    cell: Optional[str]
    validate_exit: int
    merge_exit: int
    secret: bool = True  # pass --secret (the office secret of the generate run)
    output_has: tuple[str, ...] = ()  # also printed (run-level notes)

    def __str__(self):
        return self.name


def _copy(env, name, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(env.valid[name], dst)


def _fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def _feedback_copy(env: Env, inbox: Path, corrected: bool) -> None:
    """A 退回修改 copy (made by a real merge) put among the returns, untouched or corrected."""
    src = env.work / f"fb-src-{corrected}"
    bad = edited(env.valid[UNIT], src / F(), lambda wb: wb[UNIT].__setitem__("H18", "进行中"))
    fb = env.work / f"fb-{corrected}"
    invoke(["merge", src, "--plan", PLAN, "--period", PERIOD, "--out", env.work / f"fb-{corrected}.xlsx",
            "--feedback", fb, "--secret", env.secret])
    copy = next(fb.glob("*.xlsx"))
    if corrected:
        edited(copy, inbox / copy.name, lambda wb: wb[UNIT].__setitem__("H18", "正常推进"))
    else:
        _copy_file(copy, inbox / copy.name)
    assert bad.exists()


def _copy_file(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dst)


INPUT_CASES = [
    Case("another unit claimed in the metadata only (tab and 填报单位 say 区法院)",
         lambda e, d: edited(e.valid[COURT], d / F(COURT), claim(e, JUSTICE)),
         ("META_IDENTITY_MISMATCH",), "error", UNIT_CELL, 1, 1),
    Case("another unit claimed in the metadata and the tab (填报单位 still 区法院)",
         lambda e, d: edited(e.valid[COURT], d / F(COURT), claim(e, JUSTICE, tab=True)),
         ("META_IDENTITY_MISMATCH",), "error", UNIT_CELL, 1, 1),
    Case("another unit claimed in the metadata and the 填报单位 cell (tab still 区法院)",
         lambda e, d: edited(e.valid[COURT], d / F(COURT), claim(e, JUSTICE, cell=True)),
         ("META_IDENTITY_MISMATCH",), "error", UNIT_CELL, 1, 1),
    Case("another unit claimed everywhere: the identity token does not verify",
         lambda e, d: edited(e.valid[COURT], d / F(COURT), claim(e, JUSTICE, tab=True, cell=True)),
         ("META_TOKEN_INVALID",), "error", None, 1, 1),
    Case("identity token edited", lambda e, d: edited(e.valid[UNIT], d / F(), set_meta(token="0" * 64)),
         ("META_TOKEN_INVALID",), "error", None, 1, 1),
    Case("identity token removed (secret known)", lambda e, d: edited(e.valid[UNIT], d / F(), set_meta(token=None)),
         ("META_TOKEN_MISSING",), "warning", None, 0, 0),
    Case("no office secret to be found: said once per run, not per file",
         lambda e, d: (_copy(e, UNIT, d / F()), _copy(e, COURT, d / F(COURT))), (), None, None, 0, 0,
         secret=False, output_has=("META_TOKEN_UNCHECKED",)),
    Case("a second unit's tab in the workbook",
         lambda e, d: edited(e.valid[UNIT], d / F(), lambda wb: wb.create_sheet(COURT).__setitem__("A1", "x")),
         ("META_EXTRA_UNIT_SHEETS",), "error", None, 1, 1),
    Case("an untouched feedback copy among the returns (skipped)", lambda e, d: _feedback_copy(e, d, False),
         ("META_FEEDBACK_COPY",), "warning", None, 0, 0),
    Case("a corrected feedback copy (read as the unit's return)", lambda e, d: _feedback_copy(e, d, True),
         (), None, None, 0, 0),
    Case("a FIFO named .xlsx in the folder", lambda e, d: (_copy(e, UNIT, d / F()), _fifo(d / "x.xlsx")),
         ("FILE_NOT_REGULAR",), "error", None, 1, 1),
]


def _issues(js: Path) -> list[dict]:
    return json.loads(js.read_text("utf-8"))["issues"]


@pytest.mark.parametrize("case", INPUT_CASES, ids=str)
def test_trust_input(case: Case, env: Env, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    case.build(env, inbox)
    before = digest(inbox)
    secret = ["--secret", env.secret] if case.secret else []
    v = invoke(["validate", inbox, "--plan", PLAN, "--period", PERIOD, *secret])
    assert v.exit_code == case.validate_exit, v.output
    out, js, fb = tmp_path / "out" / "summary.xlsx", tmp_path / "out" / "result.json", tmp_path / "out" / "fb"
    m = invoke(["merge", inbox, "--plan", PLAN, "--period", PERIOD, "--out", out, "--json", js,
                "--feedback", fb, *secret])
    assert m.exit_code == case.merge_exit, m.output
    assert digest(inbox) == before
    issues = _issues(js)
    assert {i["code"] for i in issues} == set(case.codes), issues
    if case.codes:
        assert any(i["code"] == case.codes[0] and i["severity"] == case.severity and i["cell"] == case.cell
                   for i in issues), issues
        assert case.codes[0] in v.output
    for code in case.output_has:
        assert m.output.count(code) == 1 and v.output.count(code) == 1, m.output
    if not case.secret:
        assert "META_TOKEN_UNCHECKED" in m.output
    openpyxl.load_workbook(out, read_only=True).close()
    assert not list(tmp_path.rglob(".~xltool-*"))


def test_forgery_names_all_three_and_does_not_displace_the_real_return(env, tmp_path):
    inbox = tmp_path / "inbox"
    forged = edited(env.valid[COURT], inbox / "forged" / F(COURT), claim(env, JUSTICE))
    _copy(env, JUSTICE, inbox / F(JUSTICE))
    os.utime(forged, (time.time() + 60, time.time() + 60))  # the forgery is the newest
    js = tmp_path / "r.json"
    m = invoke(["merge", inbox, "--plan", PLAN, "--period", PERIOD, "--out", tmp_path / "s.xlsx", "--json", js,
                "--on-duplicate", "newest", "--secret", env.secret])
    assert m.exit_code == 1
    data = json.loads(js.read_text("utf-8"))
    justice = next(s for s in data["submissions"] if s["unit"] == JUSTICE)
    assert justice["status"] == "ok" and justice["file"] == F(JUSTICE)
    mismatch = next(i for i in data["issues"] if i["code"] == "META_IDENTITY_MISMATCH")
    assert all(name in mismatch["message"] for name in (JUSTICE, COURT, UNIT_CELL))
    assert not any(i["code"] == "STRUCT_LOCKED_EDITED" for i in data["issues"])
    tasks = {t["id"]: t for t in data["tasks"]}
    assert all(r["unit"] != COURT for t in tasks.values() for r in t["reports"])  # nothing of the forgery used


def test_fifo_and_unreadable_file_named_directly_the_others_are_checked(env, tmp_path):
    """Real FIFO and a real unreadable file (the command runs as user nobody; root reads anything)."""
    import tempfile

    box = Path(tempfile.mkdtemp(prefix="xltool-trust-"))
    try:
        os.chmod(box, 0o777)
        good = box / F()
        shutil.copy(env.valid[UNIT], good)
        locked = box / F(COURT)
        shutil.copy(env.valid[COURT], locked)
        fifo = box / "pipe.xlsx"
        os.mkfifo(fifo)
        for p in (good, locked):
            os.chmod(p, 0o644)
        os.chmod(locked, 0o000)
        out = box / "out"
        out.mkdir(mode=0o777)
        os.chmod(out, 0o777)
        for command in ("validate", "merge"):
            extra = ["--out", out / "s.xlsx", "--json", out / "r.json", "--db", out / "h.db"] if command == "merge" else []
            code, text, seconds, _ = proc([command, good, locked, fifo, "--plan", PLAN, "--period", PERIOD, *extra],
                                          user=65534, timeout=60, cwd=box)
            assert code == 1, text
            assert "FILE_UNREADABLE" in text and locked.name in text
            assert "FILE_NOT_REGULAR" in text and fifo.name in text and "命名管道" in text
            assert "not readable" not in text and seconds < 30
        data = json.loads((out / "r.json").read_text("utf-8"))
        assert next(s for s in data["submissions"] if s["unit"] == UNIT)["status"] == "ok"
    finally:
        os.chmod(box / F(COURT), 0o644)
        shutil.rmtree(box, ignore_errors=True)


# Outputs that are inputs, or not files ------------------------------------------------------------


@dataclass
class OutCase:
    name: str
    args: Callable  # (inbox, tmp_path) -> extra merge arguments (inputs: [inbox] unless "inputs" given)
    code: str
    names: Callable = lambda inbox, tmp: ()  # paths the message must name
    inputs: Optional[Callable] = None

    def __str__(self):
        return self.name


def _symlink_to_return(inbox: Path, tmp: Path) -> Path:
    link = tmp / "link.xlsx"
    link.symlink_to(inbox / F())
    return link


def _fifo_out(tmp: Path) -> Path:
    os.mkfifo(tmp / "pipe.xlsx")
    return tmp / "pipe.xlsx"


OUT_CASES = [
    OutCase("--out names a return", lambda i, t: ["--out", i / F()], "OUTPUT_OVER_INPUT",
            lambda i, t: (i / F(),)),
    OutCase("--json names a return", lambda i, t: ["--out", t / "s.xlsx", "--json", i / F()], "OUTPUT_OVER_INPUT",
            lambda i, t: (i / F(),)),
    OutCase("--out is a symbolic link to a return", lambda i, t: ["--out", _symlink_to_return(i, t)],
            "OUTPUT_OVER_INPUT", lambda i, t: (i / F(),)),
    OutCase("--out names a return given as a file", lambda i, t: ["--out", i / F()], "OUTPUT_OVER_INPUT",
            lambda i, t: (i / F(),), inputs=lambda i, t: [i / F()]),
    OutCase("--feedback is the input folder", lambda i, t: ["--out", t / "s.xlsx", "--feedback", i],
            "OUTPUT_INSIDE_INPUT", lambda i, t: (i,)),
    OutCase("--feedback inside the input folder", lambda i, t: ["--out", t / "s.xlsx", "--feedback", i / "fb"],
            "OUTPUT_INSIDE_INPUT", lambda i, t: (i / "fb", i)),
    OutCase("--feedback is the folder of a return named directly",
            lambda i, t: ["--out", t / "s.xlsx", "--feedback", i], "OUTPUT_INSIDE_INPUT", lambda i, t: (i,),
            inputs=lambda i, t: [i / F()]),
    OutCase("--out and --json name one file", lambda i, t: ["--out", t / "s.xlsx", "--json", t / "s.xlsx"],
            "OUTPUT_TWICE"),
    OutCase("--out is a FIFO", lambda i, t: ["--out", _fifo_out(t)], "OUTPUT_NOT_REGULAR"),
]


@pytest.mark.parametrize("case", OUT_CASES, ids=str)
def test_trust_output(case: OutCase, env: Env, tmp_path):
    inbox = tmp_path / "inbox"
    _copy(env, UNIT, inbox / F())
    _copy(env, COURT, inbox / F(COURT))
    before_in, before_all = digest(inbox), sorted(p.name for p in tmp_path.rglob("*"))
    inputs = case.inputs(inbox, tmp_path) if case.inputs else [inbox]
    args = case.args(inbox, tmp_path)
    before_all = sorted(p.name for p in tmp_path.rglob("*"))
    started = time.perf_counter()
    m = invoke(["merge", *inputs, "--plan", PLAN, "--period", PERIOD, *args, "--secret", env.secret])
    assert m.exit_code == 2, m.output
    assert case.code in m.output or get_labels()[f"errors.{case.code}"].split("{")[0] in m.output, m.output
    for p in case.names(inbox, tmp_path):
        assert str(p) in m.output, (p, m.output)
    assert time.perf_counter() - started < 5
    assert digest(inbox) == before_in  # no return replaced
    assert sorted(p.name for p in tmp_path.rglob("*")) == before_all  # nothing written anywhere
    # the next merge still finds exactly the two returns
    js = tmp_path / "again.json"
    again = invoke(["merge", inbox, "--plan", PLAN, "--period", PERIOD, "--out", tmp_path / "again.xlsx",
                    "--json", js, "--secret", env.secret])
    assert again.exit_code == 0 and not _issues(js), again.output


def test_trust_output_codes_are_in_the_message(env, tmp_path):
    inbox = tmp_path / "inbox"
    _copy(env, UNIT, inbox / F())
    m = invoke(["merge", inbox, "--plan", PLAN, "--period", PERIOD, "--out", inbox / F()])
    assert "输出文件不能覆盖输入文件" in m.output and m.exit_code == 2


# Plan files far beyond bounds -----------------------------------------------------------------------


def _laughs(width: int, depth: int) -> str:
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, depth)]
    return "\n".join(lines) + "\n"


def _tiny_nodes(size: int) -> str:
    line = "- [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]\n"
    return "units:\n" + line * (size // len(line))


def _with_unit_name(name: str) -> str:
    data = json.loads(json.dumps(BASE_PLAN))
    data["units"][0]["name"] = name
    return json.dumps(data, ensure_ascii=False)


@dataclass
class PlanCase:
    name: str
    text: Callable[[], str]
    suffix: str
    code: str
    where: str = ""  # located problems: the path in the plan data
    seconds: float = 3.0  # wall time of the whole process, startup included

    def __str__(self):
        return self.name


PLAN_CASES = [
    PlanCase("1.5 KB of nested aliases (billion laughs)", lambda: _laughs(9, 9), ".yaml", "PLAN_TOO_MANY_NODES"),
    PlanCase("7 KB of nested aliases", lambda: _laughs(30, 25)[:7000].rsplit("\n", 1)[0] + "\n", ".yaml",
             "PLAN_TOO_MANY_NODES"),
    PlanCase("18 MB of tiny nodes", lambda: _tiny_nodes(18 * 1024 * 1024), ".yaml", "PLAN_TOO_MANY_NODES",
             seconds=4.0),
    PlanCase("an alias that contains itself", lambda: "units: &a [*a]\n", ".yaml", "PLAN_TOO_DEEP"),
    PlanCase("nesting 200 deep (YAML blocks)", lambda: "".join("  " * i + "- \n" for i in range(200)) + "  " * 200
             + "x\n", ".yaml", "PLAN_TOO_DEEP"),
    PlanCase("nesting 100,000 deep (JSON)", lambda: "[" * 100_000 + "]" * 100_000, ".json", "PLAN_TOO_DEEP"),
    PlanCase("a unit name with BEL (U+0007)", lambda: _with_unit_name("区\u0007甲局"), ".json", "TEXT_INVISIBLE_CHAR",
             "units[0].name"),
    PlanCase("a unit name with NUL (U+0000)", lambda: _with_unit_name("区\u0000甲局"), ".json", "TEXT_INVISIBLE_CHAR",
             "units[0].name"),
    PlanCase("a unit name with ESC (terminal escape)", lambda: _with_unit_name("区\u001b[31m甲局"), ".json",
             "TEXT_INVISIBLE_CHAR", "units[0].name"),
    PlanCase("a unit name with a right-to-left override", lambda: _with_unit_name("区\u202e局甲"), ".json",
             "TEXT_INVISIBLE_CHAR", "units[0].name"),
    PlanCase("a unit name with a zero-width space", lambda: _with_unit_name("区\u200b甲局"), ".json",
             "TEXT_INVISIBLE_CHAR", "units[0].name"),
    PlanCase("a unit name of 300 characters", lambda: _with_unit_name("区" * 300), ".json", "TEXT_TOO_LONG",
             "units[0].name"),
]


FRAGMENTS = {"PLAN_TOO_MANY_NODES": "计划文件内容过多", "PLAN_TOO_DEEP": "嵌套过深", "TEXT_TOO_LONG": "过长：最多 100 个字符",
             "TEXT_INVISIBLE_CHAR": "控制字符、零宽字符或方向控制字符"}  # from the label file's messages


@pytest.mark.parametrize("case", PLAN_CASES, ids=str)
def test_trust_plan_file(case: PlanCase, env: Env, tmp_path):
    _copy(env, UNIT, tmp_path / "inbox" / F())
    plan = tmp_path / f"plan{case.suffix}"
    plan.write_text(case.text(), encoding="utf-8")
    before = digest(tmp_path)

    def one_gigabyte():  # the bound itself: the process dies if it tries to use more
        resource.setrlimit(resource.RLIMIT_AS, (3 * GB, 3 * GB))

    code, text, seconds, rss = proc(["plan", "show", plan], limits=one_gigabyte, timeout=60)
    assert code == 2, text
    assert plan.name in text and FRAGMENTS[case.code] in text, text
    if case.where:
        assert case.where in text, text
    assert "内部错误" not in text and seconds < case.seconds, (seconds, text)
    assert rss < GB, rss
    v = invoke(["validate", tmp_path / "inbox", "--plan", plan, "--period", PERIOD])
    assert v.exit_code == 2 and plan.name in v.output
    assert digest(tmp_path) == before


def test_names_within_bounds_flow_into_valid_workbooks(tmp_path):
    """The longest allowed name (100 characters) gives a hyperlink tip, sheet name, file name and
    custom property Excel accepts; LibreOffice-free check: openpyxl opens every file."""
    old = BASE_PLAN["units"][0]["name"]
    text = json.dumps(BASE_PLAN, ensure_ascii=False).replace(f'"{old}"', '"' + "区" * 99 + '局"')
    plan_path = tmp_path / "p.json"
    plan_path.write_text(text, "utf-8")
    r = invoke(["generate", "--plan", plan_path, "--period", "2023", "--out", tmp_path / "out"])
    assert r.exit_code == 0, r.output
    files = list((tmp_path / "out").rglob("*.xlsx"))
    assert files and all(len(p.name.encode()) <= 255 for p in files)
    for p in files:
        openpyxl.load_workbook(p).close()


# generate: all or nothing, nothing blocks, the secret ------------------------------------------------


def test_generate_fifo_or_folder_at_an_output_path_is_refused_unopened(tmp_path):
    for kind in ("fifo", "folder"):
        out = tmp_path / kind
        (out / "returns").mkdir(parents=True)
        target = out / "returns" / F()
        os.mkfifo(target) if kind == "fifo" else target.mkdir()
        code, text, seconds, _ = proc(["generate", "--plan", PLAN, "--period", PERIOD, "--out", out], timeout=60)
        assert code == 2, text
        assert str(target) in text and ("命名管道" in text or "文件夹" in text), text
        assert sorted(p.name for p in out.rglob("*")) == sorted(["returns", F()])  # nothing written


def test_generate_full_disk_in_workers_publishes_nothing_and_prints_no_traceback(tmp_path):
    out = tmp_path / "out"
    out.mkdir()

    def small_files():  # a real write limit in every process: files over 120 KB cannot be written
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (120 * 1024, 120 * 1024))

    code, text, _, _ = proc(["generate", "--plan", PLAN, "--period", PERIOD, "--out", out, "--jobs", "2"],
                            limits=small_files, timeout=120)
    assert code == 2, text
    assert "EFBIG" in text or "File too large" in text, text
    assert list(out.rglob("*")) == []  # as it was: no return, no secret, no temporary


def test_generate_secret_is_private_reused_and_never_inside_a_return(tmp_path):
    out = tmp_path / "out"
    r1 = invoke(["generate", "--plan", PLAN, "--period", PERIOD, "--out", out])
    secret_file = out / SECRET_NAME
    assert r1.exit_code == 0 and str(secret_file) in r1.output
    assert secret_file.stat().st_mode & 0o777 == 0o600
    text = secret_file.read_text().strip()
    assert text not in r1.output
    first = (out / "returns" / F()).read_bytes()
    for p in (out / "returns").glob("*.xlsx"):
        with zipfile.ZipFile(p) as zf:
            assert not any(text.encode() in zf.read(n) for n in zf.namelist())
    r2 = invoke(["generate", "--plan", PLAN, "--period", PERIOD, "--out", out, "--force"])
    assert r2.exit_code == 0 and secret_file.read_text().strip() == text and str(secret_file) not in r2.output
    from xltoolkit.reading import read_custom_properties

    (tmp_path / "first.xlsx").write_bytes(first)
    token = read_custom_properties(tmp_path / "first.xlsx")["token"]
    assert len(token) == 64 and read_custom_properties(out / "returns" / F())["token"] == token  # same secret
    # found beside the returns' folder: no warning, tokens verified
    v = invoke(["validate", out / "returns" / F(), "--plan", PLAN, "--period", PERIOD])
    assert "META_TOKEN_UNCHECKED" not in v.output and "META_TOKEN" not in v.output


# Debris of killed runs --------------------------------------------------------------------------------


def test_merge_killed_mid_write_leaves_temporaries_the_next_run_removes(env, tmp_path):
    inbox = tmp_path / "inbox"
    _copy(env, UNIT, inbox / F())
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("not ours")
    (out / ".~xltool-notours.txt").write_text("not our pattern")
    cmd = [sys.executable, "-m", "xltoolkit.cli", "merge", str(inbox), "--plan", PLAN, "--period", PERIOD,
           "--out", str(out / "s.xlsx"), "--json", str(out / "r.json")]
    p = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(ROOT), "XLTOOL_TEST_PAUSE_BEFORE_COMMIT": "60"},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and len(list(out.glob(".~xltool-????????.*"))) < 2:
        time.sleep(0.05)
    time.sleep(0.3)  # written and closed (the hook sleeps in commit, after every file is staged)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=10)
    debris = sorted(out.glob(".~xltool-????????.*"))
    assert len(debris) == 2 and not (out / "s.xlsx").exists()
    old = time.time() - 3600
    for d in debris:
        os.utime(d, (old, old))  # left by a run an hour ago
    young = out / ".~xltool-abcdefgh.xlsx"  # a concurrent run's temporary: too young to touch
    young.write_bytes(b"in progress")
    m = invoke(["merge", inbox, "--plan", PLAN, "--period", PERIOD, "--out", out / "s.xlsx", "--json",
                out / "r.json"])
    assert m.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([".~xltool-abcdefgh.xlsx", ".~xltool-notours.txt",
                                                             "keep.txt", "r.json", "s.xlsx"])


# Big plans -----------------------------------------------------------------------------------------------


def test_plan_show_of_10000_units_and_10000_tasks(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synth import synth_plan

    plan = tmp_path / "big.json"
    plan.write_text(json.dumps(synth_plan(10_000, tasks=10_000), ensure_ascii=False), "utf-8")
    code, text, seconds, rss = proc(["plan", "show", plan], timeout=60)
    assert code == 0 and text.count("\n") > 10_000, text[-500:]
    assert seconds < 4.5 and rss < GB, (seconds, rss)  # about 2.5 s on 2 busy cores


def test_matrix_as_a_list_above_the_grid_limit(tmp_path, monkeypatch):
    import xltoolkit.writing.matrix_list as ml

    monkeypatch.setattr(ml, "GRID_MAX_CELLS", 10)
    out = tmp_path / "out"
    r = invoke(["generate", "--plan", PLAN, "--period", PERIOD, "--out", out])
    assert r.exit_code == 0 and "MATRIX_AS_LIST" in r.output
    plan = load_plan(PLAN)
    master = next(out.glob("*_总表.xlsx"))
    ws = openpyxl.load_workbook(master, read_only=True)[get_labels()["sheets.matrix"]]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r and r[0]]
    expected = sum(len(i.lead_units) + len(i.responsible_units) for i in [*plan.indicators, *plan.tasks])
    assert len(rows) == expected and {r[4] for r in rows} == {"牵头", "责任"}


def test_catalogue_size():
    assert len(INPUT_CASES) + len(OUT_CASES) + len(PLAN_CASES) >= 30
