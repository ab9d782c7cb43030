"""Generated workbooks in a real office program (LibreOffice, headless): print to PDF, recalculate
every formula against the cached values, and survive a load + save round trip."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from xltoolkit.reading import read_return

pytestmark = pytest.mark.office


def pdf_pages(path: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60).stdout
        m = re.search(r"^Pages:\s+(\d+)", out, re.M)
        if m:
            return int(m.group(1))
    return len(re.findall(rb"/Type\s*/Page(?!s)", path.read_bytes()))


def pdf_text(path: Path) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=60).stdout


@pytest.fixture(scope="module")
def sample_return(generated14, plan14):
    """A return with indicators and tasks (区发改局's)."""
    return next(p for p in generated14.returns if "区发改局" in p.name)


def test_master_and_return_print_to_pdf(generated14, sample_return, soffice_convert, tmp_path):
    out = soffice_convert([generated14.master, sample_return], "pdf", tmp_path / "pdf")
    master_pdf = out / (generated14.master.stem + ".pdf")
    return_pdf = out / (sample_return.stem + ".pdf")
    assert master_pdf.is_file() and return_pdf.is_file()
    master_pages, return_pages = pdf_pages(master_pdf), pdf_pages(return_pdf)
    assert return_pages > 1
    # The master holds the return's unit sheet and about fifty more: many more pages.
    assert master_pages > 10 * return_pages
    text = pdf_text(return_pdf)
    if text is not None:
        flat = re.sub(r"\s+", "", text)
        # The footer with real page numbers, on the first and the last page.
        assert f"第1页共{return_pages}页" in flat and f"第{return_pages}页共{return_pages}页" in flat
        assert "区发改局" in flat


def test_master_formulas_match_libreoffice(generated14, uno_recalc):
    report = uno_recalc(generated14.master)
    assert report["formulas"] > 100
    assert report["changed"] == {}


def test_recalc_check_catches_a_wrong_cached_value(tmp_path, uno_recalc):
    import xlsxwriter

    path = tmp_path / "wrong.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_number("A1", 2)
    ws.write_formula("B1", "=A1*3", None, 6)  # right
    ws.write_formula("C1", "=A1+1", None, 5)  # wrong on purpose: 3
    wb.close()
    report = uno_recalc(path)
    assert report["formulas"] == 2
    assert report["changed"] == {"S": [["C1", "5", "3"]]}


def test_return_survives_a_libreoffice_resave(sample_return, labels, soffice_convert, tmp_path):
    before = read_return(sample_return, labels)
    out = soffice_convert([sample_return], "xlsx", tmp_path / "resaved")
    resaved = out / sample_return.name
    assert resaved.is_file() and resaved.read_bytes() != sample_return.read_bytes()
    after = read_return(resaved, labels)
    assert after.meta_source == "sheet"
    assert after.meta == before.meta
    assert after.unit_sheet == before.unit_sheet
    assert [(r.form, r.item_id) for r in after.rows] == [(r.form, r.item_id) for r in before.rows]
    assert after.rows and not after.stray_rows
    assert after.header["unit"].value == before.meta.unit_name
    wb = openpyxl.load_workbook(resaved)
    assert wb[labels["sheets.meta"]].sheet_state in ("hidden", "veryHidden")
    assert wb[after.unit_sheet].protection.sheet
