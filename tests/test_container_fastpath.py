"""The container check's fast path (small plain sheets, no per-element callbacks) finds exactly what
the full expat scan finds, and steps aside for sheets it cannot judge."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

import xltoolkit.container as container
from xltoolkit.generate import generate
from xltoolkit.model import Period
from xltoolkit.plans import load_plan


def facts(path, fast: bool, monkeypatch):
    monkeypatch.setattr(container, "_FAST_PATH_BYTES", 2 * 1024 * 1024 if fast else -1)
    return {k: (v.merged, v.formulas, v.errors) for k, v in container.inspect_container(path).items()}


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    out = tmp_path_factory.mktemp("fast")
    return generate(load_plan(), Period.parse("2022Q4"), out, now=dt.datetime(2022, 12, 1)).returns[:3]


def test_fast_and_full_scans_agree_on_generated_returns(returns, monkeypatch):
    for path in returns:
        fast = facts(path, True, monkeypatch)
        assert fast == facts(path, False, monkeypatch)
        assert any(merged for merged, _, _ in fast.values())  # titles are merged cells


def test_sheets_with_formulas_take_the_full_scan(returns, monkeypatch, tmp_path):
    wb = openpyxl.load_workbook(returns[0])
    ws = wb.worksheets[1]
    ws["C4"] = "=1+1"
    ws.merge_cells("H20:I20")
    path = tmp_path / "f.xlsx"
    wb.save(path)
    fast = facts(path, True, monkeypatch)
    assert fast == facts(path, False, monkeypatch)
    unit = fast[ws.title]
    assert "C4" in unit[1] and "H20:I20" in unit[0]


def test_row_limit_holds_on_the_fast_path(returns, monkeypatch, tmp_path):
    wb = openpyxl.load_workbook(returns[0])
    wb.worksheets[1].cell(container.MAX_ROWS + 5, 1).value = "x"
    path = tmp_path / "far.xlsx"
    wb.save(path)
    monkeypatch.setattr(container, "_FAST_PATH_BYTES", 2 * 1024 * 1024)
    with pytest.raises(container.ReturnFileError) as info:
        container.inspect_container(path)
    assert info.value.code == "FILE_TOO_LARGE"
