"""`xltool merge` and `xltool validate` from the command line: inputs found, skipped, exit codes."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

import cli_output
from filler import answers, fill_openpyxl
from xltoolkit.cli import main
from xltoolkit.labels import get_labels
from xltoolkit.model import Period
from xltoolkit.reading import read_return

PERIOD = Period.parse("2022Q4")


@pytest.fixture(scope="module")
def filled(plan14, labels, generated14, tmp_path_factory):
    """Two filled returns (区发改局, 区教育局) and the master they came with (the shared generation)."""
    plan, gen = plan14, generated14
    root = tmp_path_factory.mktemp("cli")
    inbox = root / "inbox"
    inbox.mkdir()
    for seed, unit in enumerate(("区发改局", "区教育局")):
        src = next(p for p in gen.returns if p.stem.endswith(unit))
        fill_openpyxl(src, inbox / src.name, answers(read_return(src, labels), plan, PERIOD, labels, seed=seed))
    return {"root": root, "inbox": inbox, "master": gen.master}


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_validate_clean_files_exit_0(filled, labels):
    result = run("validate", *sorted(filled["inbox"].iterdir()))
    assert result.exit_code == 0, result.output
    assert cli_output.problems(result.output, labels) == []
    assert cli_output.count(result.output, labels, "cli_merge.validate_ok") == 2
    assert cli_output.fields(result.output, labels, "cli_merge.validate_summary") == {
        "files": "2", "errors": "0", "warnings": "0"}


def test_validate_bad_file_exit_1_with_cell(filled, tmp_path):
    src = next(filled["inbox"].glob("*区教育局.xlsx"))
    bad = tmp_path / src.name
    shutil.copy(src, bad)
    import openpyxl

    raw = read_return(bad, get_labels())
    cell = next(r for r in raw.rows if r.form == "tasks").values["progress"].ref
    wb = openpyxl.load_workbook(bad)
    wb[raw.unit_sheet][cell] = "一半"
    wb.save(bad)
    result = run("validate", bad)
    assert result.exit_code == 1
    assert f"区教育局!{cell}" in result.output
    assert cli_output.problems(result.output, get_labels()) == [("error", "VALUE_PROGRESS_NOT_NUMBER")]


def test_merge_skips_lock_files_and_the_master_with_warnings(filled, labels, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(filled["inbox"], inbox)
    (inbox / "~$2022Q4_区发改局.xlsx").write_bytes(b"\x00lock")
    shutil.copy(filled["master"], inbox / filled["master"].name)
    out = tmp_path / "summary.xlsx"
    result = run("merge", inbox, "--out", out, "--json", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    codes = sorted(i["code"] for i in data["issues"])
    assert codes == ["FILE_LOCK_SKIPPED", "META_NOT_A_RETURN"]
    assert all(i["severity"] == "warning" for i in data["issues"])
    statuses = {s["unit"]: s["status"] for s in data["submissions"]}
    assert statuses["区发改局"] == "ok" and statuses["区教育局"] == "ok"
    assert cli_output.fields(result.output, labels, "cli_merge.done")["files"] == "4" and out.exists()


def test_merge_twice_replaces_its_own_summary_and_skips_it_as_input(filled, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(filled["inbox"], inbox)
    out = inbox / "summary.xlsx"  # written into the folder it reads
    assert run("merge", inbox, "--out", out).exit_code == 0
    result = run("merge", inbox, "--out", out, "--json", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [i["code"] for i in data["issues"]] == ["META_NOT_A_RETURN"]


def test_merge_duplicate_units_conflict_then_newest(filled, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(filled["inbox"], inbox)
    src = next(inbox.glob("*区发改局.xlsx"))
    (inbox / "again").mkdir()
    copy = inbox / "again" / src.name
    shutil.copy(src, copy)
    result = run("merge", inbox, "--out", tmp_path / "s.xlsx", "--json", tmp_path / "r.json")
    assert result.exit_code == 1
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {s["unit"]: s["status"] for s in data["submissions"]}["区发改局"] == "duplicate"
    dup = [i for i in data["issues"] if i["code"] == "META_DUPLICATE_UNIT"]
    assert sorted(i["file"] for i in dup) == sorted([src.name, f"again/{src.name}"])

    result = run("merge", inbox, "--out", tmp_path / "s.xlsx", "--json", tmp_path / "r.json",
                 "--on-duplicate", "newest")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {s["unit"]: s["status"] for s in data["submissions"]}["区发改局"] == "ok"
    assert [i["code"] for i in data["issues"]] == ["META_DUPLICATE_SUPERSEDED"]


@pytest.mark.parametrize("args", [["merge", "/nonexistent/folder"], ["validate", "/nonexistent/file.xlsx"]])
def test_missing_inputs_exit_2(args, labels):
    result = run(*args)
    assert result.exit_code == 2
    assert cli_output.failure(labels, "INPUT_NOT_FOUND", path=args[1]) in result.output, result.output


def test_merge_empty_folder_exit_2(tmp_path, labels):
    result = run("merge", tmp_path)
    assert result.exit_code == 2
    assert cli_output.failure(labels, "INPUT_NONE", paths=str(tmp_path)) in result.output, result.output


def test_merge_without_metadata_needs_a_period(tmp_path, labels):
    (tmp_path / "x.xlsx").write_bytes(b"not a workbook")
    result = run("merge", tmp_path)
    assert result.exit_code == 2 and "--period" in result.output
    result = run("merge", tmp_path, "--period", "2022Q4", "--out", tmp_path / "s.xlsx")
    assert result.exit_code == 1 and cli_output.codes(result.output, labels) == ["FILE_NOT_XLSX"]


def test_merge_unwritable_output_exit_2(filled, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("merge", filled["inbox"], "--out", blocker / "s.xlsx")
    assert result.exit_code == 2 and str(blocker) in result.output
