"""The container check's fast path (small plain sheets, no per-element callbacks) finds exactly what
the full expat scan finds, and steps aside for sheets it cannot judge."""

from __future__ import annotations


import openpyxl
import pytest

import xltoolkit.container as container
from cells import Cells, HeaderRef, Ref, Span
from xltoolkit.reading import read_return


def facts(path, fast: bool, monkeypatch):
    monkeypatch.setattr(container, "_FAST_PATH_BYTES", 2 * 1024 * 1024 if fast else -1)
    return {k: (v.merged, v.formulas, v.errors) for k, v in container.inspect_container(path).items()}


@pytest.fixture(scope="module")
def returns(generated14):
    return generated14.returns[:3]  # shared: read, or copy before changing


def test_fast_and_full_scans_agree_on_generated_returns(returns, monkeypatch):
    for path in returns:
        fast = facts(path, True, monkeypatch)
        assert fast == facts(path, False, monkeypatch)
        assert any(merged for merged, _, _ in fast.values())  # titles are merged cells


def test_sheets_with_formulas_take_the_full_scan(returns, labels, monkeypatch, tmp_path):
    raw = read_return(returns[0], labels)
    cells = Cells(raw)
    task = next(r.item_id for r in raw.rows if r.form == "tasks")
    formula_at = cells(HeaderRef("reporter"))
    merged = cells(Span(Ref(task, "status"), Ref(task, "progress")))
    wb = openpyxl.load_workbook(returns[0])
    ws = wb[raw.unit_sheet]
    ws[formula_at] = "=1+1"
    ws.merge_cells(merged)
    path = tmp_path / "f.xlsx"
    wb.save(path)
    fast = facts(path, True, monkeypatch)
    assert fast == facts(path, False, monkeypatch)
    unit = fast[ws.title]
    assert formula_at in unit[1] and merged in unit[0]


def test_row_limit_holds_on_the_fast_path(returns, labels, monkeypatch, tmp_path):
    wb = openpyxl.load_workbook(returns[0])
    wb[read_return(returns[0], labels).unit_sheet].cell(container.MAX_ROWS + 5, 1).value = "x"
    path = tmp_path / "far.xlsx"
    wb.save(path)
    monkeypatch.setattr(container, "_FAST_PATH_BYTES", 2 * 1024 * 1024)
    with pytest.raises(container.ReturnFileError) as info:
        container.inspect_container(path)
    assert info.value.code == "FILE_TOO_LARGE"
