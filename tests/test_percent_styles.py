"""Numbers typed the Excel way ("7.2%" stores 0.072 with a percent format): the container check reads
the styles part and reports which value cells are shown in a percent format (SheetFacts.percent_cells),
identically on the fast path and the full scan, in files written by openpyxl and re-saved by LibreOffice."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

import xltoolkit.container as container
from cells import sheet_part
from xltoolkit.container import inspect_container, is_percent_format

SHEET = "区发改局"
# cell -> (value, number format, shown in a percent format?)
CELLS = {
    "D5": (0.072, "0.0%", True),  # typed 7.2%
    "D6": (0.5, "0%", True),  # built-in format 9
    "D7": (0.0725, "0.00%", True),  # built-in format 10
    "D8": (-0.013, "[Red]0.0%;-0.0%", True),
    "D9": (7.2, '0.0"%"', False),  # shows 7.2% without scaling
    "D10": (7.2, "0.0\\%", False),  # escaped: the same
    "D11": (7.2, "General", False),
    "D12": ("7.2%", "0%", False),  # text: not scaled
    "D13": (None, "0.0%", False),  # formatted but empty
    "D14": ("=D5*2", "0.0%", False),  # openpyxl writes no cached result: no number to scale
    "E5": (1234.5, "#,##0.00", False),
    "E6": (0.25, "0.0%", True),
}
PERCENT = {ref for ref, (_, _, pct) in CELLS.items() if pct}


def return_like(path: Path) -> Path:
    """A workbook shaped like a return: instructions sheet, unit sheet with a merged title, item ids in
    column A, values in D/E with the formats in CELLS."""
    wb = openpyxl.Workbook()
    wb.active.title = "填报说明"
    wb.active["A1"] = "填报说明"
    ws = wb.create_sheet(SHEET)
    ws["A1"] = "2022Q4 区发改局 填报表"
    ws.merge_cells("A1:F1")
    ws.append([])
    ws.append(["编号", "指标", "目标", "本期实际值", "数据说明"])
    for r in range(5, 15):
        ws.cell(r, 1, f"E{r:02d}")
        ws.cell(r, 2, f"指标{r}")
    for ref, (value, fmt, _) in CELLS.items():
        ws[ref] = value
        ws[ref].number_format = fmt
    wb.save(path)
    return path


def facts(path: Path, fast: bool, monkeypatch) -> dict:
    monkeypatch.setattr(container, "_FAST_PATH_BYTES", 2 * 1024 * 1024 if fast else -1)
    return {name: (f.rows, f.cols, f.merged, f.formulas, f.errors, f.percent_cells)
            for name, f in inspect_container(path).items()}


def assert_scans_agree(path: Path, monkeypatch) -> dict:
    fast = facts(path, True, monkeypatch)
    assert fast == facts(path, False, monkeypatch)
    return fast


@pytest.mark.parametrize("code, percent", [
    ("0%", True), ("0.0%", True), ("#,##0.00%", True), ("0.0%;[Red]-0.0%", True), ("[Red]0%", True),
    ("0.0 %", True), ("%0", True), ('"增长"0.0%', True),
    ('0.0"%"', False), ("0.0\\%", False), ('"%"0', False), ("[$%-804]0.0", False), ("0.0_%", False),
    ("0.0*%", False), ("General", False), ("@", False), ("0.00", False), ("", False),
    ('0.0;-0.0;0;@"%"', False), ('0.0;-0.0;0;@%', False),  # the text section does not scale numbers
    ('0.0;-0.0%', True), ('"a;b"0%', True), ("\\;0%", True),
])
def test_percent_format_codes(code, percent):
    assert is_percent_format(code) is percent


def test_openpyxl_return_reports_exactly_the_percent_cells(tmp_path, monkeypatch):
    path = return_like(tmp_path / "r.xlsx")
    got = assert_scans_agree(path, monkeypatch)
    assert got[SHEET][5] == PERCENT
    assert got["填报说明"][5] == set()
    assert got[SHEET][0:2] == (14, 5) and got[SHEET][2] == ["A1:F1"]
    assert "D14" in got[SHEET][3]  # the formula is seen; it is not a percent number


def test_custom_format_redefining_a_builtin_id_and_numfmts_in_dxfs(tmp_path, monkeypatch):
    """A declared numFmt wins over the built-in meaning of its id; number formats inside dxfs
    (conditional formats) are not cell formats."""
    path = return_like(tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as zf:
        entries = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    styles = entries["xl/styles.xml"].decode()
    assert 'numFmtId="9"' in styles and "</numFmts>" in styles  # openpyxl writes 0% as the built-in id
    styles = styles.replace("</numFmts>", '<numFmt numFmtId="9" formatCode="0.0&quot;%&quot;"/></numFmts>')
    styles = styles.replace("</styleSheet>", '<dxfs count="1"><dxf><numFmt numFmtId="200" formatCode="0%"/>'
                                             '</dxf></dxfs></styleSheet>')
    entries["xl/styles.xml"] = styles.encode()
    out = tmp_path / "redefined.xlsx"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    got = assert_scans_agree(out, monkeypatch)
    assert got[SHEET][5] == PERCENT - {"D6"}


def test_cell_attribute_order_and_missing_style(tmp_path, monkeypatch):
    """Cells written with other attributes before r (valid XML the fast path does not parse) take the
    full scan; a cell without s uses cell format 0."""
    path = return_like(tmp_path / "r.xlsx")
    part = sheet_part(path, SHEET)

    def reorder(data: bytes) -> bytes:
        data, n = re.subn(rb'<c r="(E6|D5)"([^>]*)>', rb'<c\2 r="\1">', data)
        assert n == 2
        return data.replace(b'<c r="E5" s="', b'<c r="E5" x="', 1)  # E5 now without a style: format 0

    out = rewrite(path, tmp_path / "order.xlsx", {part: reorder})
    got = assert_scans_agree(out, monkeypatch)
    assert got[SHEET][5] == PERCENT


def rewrite(src: Path, dst: Path, edit: dict) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, edit[info.filename](data) if info.filename in edit else data)
    return dst


@pytest.fixture(scope="module")
def generated_returns(generated14):
    return generated14.returns[:2]


def test_generated_returns_have_no_percent_cells(generated_returns, monkeypatch):
    for path in generated_returns:
        got = assert_scans_agree(path, monkeypatch)
        assert all(not f[5] for f in got.values())


@pytest.mark.office
def test_libreoffice_resave_keeps_the_percent_cells(tmp_path, soffice_convert, monkeypatch):
    (tmp_path / "src").mkdir()
    src = return_like(tmp_path / "src" / "r.xlsx")
    out = soffice_convert([src], "xlsx", tmp_path / "out") / "r.xlsx"
    with zipfile.ZipFile(out) as zf:
        assert b"<numFmts" in zf.read("xl/styles.xml")  # LibreOffice rewrote the styles its own way
    got = assert_scans_agree(out, monkeypatch)
    # LibreOffice re-saves D14 with a computed cached result (0.144): now a number in a percent format.
    assert got[SHEET][5] == PERCENT | {"D14"}


@pytest.mark.office
def test_percent_typed_into_libreoffice(tmp_path, soffice, monkeypatch):
    """LibreOffice's input recognition (its CSV import with "detect special numbers", the same
    recognition as typing into a cell) turns "7.2%" into 0.072 with a percent format."""
    src = tmp_path / "typed.csv"
    src.write_text("指标,本期实际值\nE01,7.2%\nE02,7.2\nE03,12%\n", encoding="utf-8")
    profile = tmp_path / "lo"
    proc = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                           "--infilter=CSV:44,34,76,1,,1033,false,true", "--convert-to", "xlsx",
                           "--outdir", str(tmp_path / "out"), str(src)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out" / "typed.xlsx"
    got = assert_scans_agree(out, monkeypatch)
    assert got["typed"][5] == {"B2", "B4"}
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("typed").to_python()
    assert [r[1] for r in rows[1:]] == [pytest.approx(0.072), 7.2, pytest.approx(0.12)]
