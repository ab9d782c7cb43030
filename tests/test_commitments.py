"""Every commitment tracked, with real returns: target rows read back and judged against the pace
(序时进度), percent typed the Excel way (openpyxl and a LibreOffice re-save), blank returns."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from cli_output import codes, fields
from filler import answers, fill_openpyxl
from xltoolkit.cli import main
from xltoolkit.consolidation import consolidate
from xltoolkit.model import Period
from xltoolkit.plans import fingerprint
from xltoolkit.reading import read_return
from xltoolkit.validation import validate_return

PERIOD = Period.parse("2022Q4")


def _return_of(generated14, unit):
    return next(p for p in generated14.returns if p.stem.endswith(unit))


def _check(path, plan, labels):
    return validate_return(read_return(path, labels), plan, PERIOD, fingerprint(plan), labels)


@pytest.mark.parametrize("value, expected", [(1, "behind"), (2, "on_track"), (2.4, "on_track"), (4, "ahead"),
                                             (6, "achieved")])
def test_the_unicorn_target_is_judged_against_its_pace(value, expected, generated14, plan14, labels, tmp_path):
    """独角兽 6家以上 by 2025 (T1.1-1, led by 区科经局), reported for 2022Q4: e ≈ 0.4, expected ≈ 2.4."""
    src = _return_of(generated14, "区科经局")
    raw = read_return(src, labels)
    a = answers(raw, plan14, PERIOD, labels)
    row = next(r for r in raw.rows if r.item_id == "T1.1-1")
    a.cells[row.values["actual"].ref] = value
    dst = tmp_path / src.name
    fill_openpyxl(src, dst, a)
    result = _check(dst, plan14, labels)
    report = next(t for t in result.targets if t.target_id == "T1.1-1")
    assert report.actual == value and report.role == "lead"
    c = consolidate(plan14, PERIOD, [result])
    summary = next(t for t in c.targets if t.target.id == "T1.1-1")
    assert (summary.actual, summary.assessment) == (value, expected)
    assert summary.expected == pytest.approx(6 * 730 / 1826, abs=1e-6)


def _percent_return(generated14, plan14, labels, tmp_path, fmt: str):
    """区发改局's return with 7.2% typed into E01 (地区生产总值增长, a % rate) and 80% into a 完成进度."""
    src = _return_of(generated14, "区发改局")
    raw = read_return(src, labels)
    a = answers(raw, plan14, PERIOD, labels)
    e01 = next(r for r in raw.rows if r.item_id == "E01").values["actual"].ref
    task = next(r for r in raw.rows if r.form == "tasks")
    progress = task.values["progress"].ref
    a.cells[task.values["status"].ref] = labels["status.on_track"]
    a.cells[task.values["work"].ref] = "推进中"
    a.cells[e01], a.cells[progress] = 0.072, 0.8
    dst = tmp_path / src.name
    fill_openpyxl(src, dst, a)
    wb = openpyxl.load_workbook(dst)
    ws = wb[raw.unit_sheet]
    if fmt:
        ws[e01].number_format = fmt
        ws[progress].number_format = "0%"
    wb.save(dst)
    return dst, e01, progress, task.item_id


def test_percent_typed_in_a_percent_cell_is_read_as_percent_points(generated14, plan14, labels, tmp_path):
    dst, e01, progress, task_id = _percent_return(generated14, plan14, labels, tmp_path, "0.0%")
    result = _check(dst, plan14, labels)
    ind = next(i for i in result.indicators if i.indicator_id == "E01")
    task = next(t for t in result.tasks if t.task_id == task_id)
    assert ind.actual == pytest.approx(7.2) and task.progress == pytest.approx(80)
    typed = {p.cell for p in result.problems if p.code == "VALUE_PERCENT_TYPED"}
    assert typed == {e01, progress}
    assert "VALUE_ACTUAL_FRACTION" not in {p.code for p in result.problems}


def test_a_bare_fraction_without_percent_format_stays_a_warning(generated14, plan14, labels, tmp_path):
    dst, e01, progress, _ = _percent_return(generated14, plan14, labels, tmp_path, "")
    result = _check(dst, plan14, labels)
    ind = next(i for i in result.indicators if i.indicator_id == "E01")
    assert ind.actual == pytest.approx(0.072)
    assert [p.cell for p in result.problems if p.code == "VALUE_ACTUAL_FRACTION"] == [e01]


@pytest.mark.office
def test_percent_cells_survive_a_libreoffice_resave(generated14, plan14, labels, tmp_path, soffice_convert):
    dst, e01, progress, task_id = _percent_return(generated14, plan14, labels, tmp_path, "0.0%")
    out = soffice_convert([dst], "xlsx", tmp_path / "lo")
    result = _check(out / dst.name, plan14, labels)
    ind = next(i for i in result.indicators if i.indicator_id == "E01")
    task = next(t for t in result.tasks if t.task_id == task_id)
    assert ind.actual == pytest.approx(7.2) and task.progress == pytest.approx(80)
    assert {p.cell for p in result.problems if p.code == "VALUE_PERCENT_TYPED"} == {e01, progress}


def test_blank_returns_are_not_submissions(generated14, labels, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(generated14.out_dir / "returns", inbox)
    secret = generated14.out_dir / ".xltool-secret"
    args = ["merge", str(inbox), "--out", str(tmp_path / "s.xlsx")]
    if secret.exists():
        args += ["--secret", str(secret)]
    result = CliRunner().invoke(main, args)
    found = codes(result.output, labels)
    n = len(generated14.returns)
    assert found == ["VALUE_NOTHING_FILLED"] * n, found  # one message per file, not one per cell
    done = fields(result.output, labels, "cli_merge.done")
    assert (done["empty"], done["submitted"], done["accepted"]) == (str(n), "0", "0")
