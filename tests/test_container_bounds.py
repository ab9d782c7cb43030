"""Bounded work on bloated files: styles and shared-strings parts over their caps (size or entries) are
refused as FILE_TOO_LARGE by the container check, fast, before openpyxl or calamine sees them, although
the files are small on disk and within the zip-ratio and total-size limits."""

from __future__ import annotations

import re
import struct
import time
import zipfile
from pathlib import Path

import pytest

import xltoolkit.container as container
from cells import sheet_part
from xltoolkit.labels import get_labels
from xltoolkit.problems import LabelText, rendered
from xltoolkit.container import (MAX_COMPRESSION_RATIO, MAX_FILE_BYTES, MAX_ROWS, MAX_SHARED_STRINGS,
                                 MAX_SHARED_STRINGS_BYTES, MAX_STYLE_ENTRIES, MAX_STYLES_BYTES, ReturnFileError,
                                 inspect_container)

FAST = 1.0  # seconds: a refusal must take well under this (measured: ~0.01–0.2 s)
PAD = "x" * 400  # repeated text: compresses well, but not beyond MAX_COMPRESSION_RATIO with the counters


@pytest.fixture(scope="module")
def small_return(tmp_path_factory) -> Path:
    """A small return-like workbook with a shared-strings part and a styles part (XlsxWriter, as
    generate writes returns)."""
    import xlsxwriter

    path = tmp_path_factory.mktemp("bounds") / "r.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("区发改局")
    pct = wb.add_format({"num_format": "0.0%"})
    ws.write_row(0, 0, ["编号", "指标", "本期实际值"])
    for r in range(1, 29):
        ws.write_row(r, 0, [f"E{r:02d}", f"指标{r}"])
        ws.write_number(r, 2, r / 100, pct)
    wb.close()
    return path


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def write_zip(dst: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return dst


def with_styles(src: Path, dst: Path, inject: str, where: str = "</styleSheet>") -> Path:
    parts = entries(src)
    styles = parts["xl/styles.xml"].decode()
    assert where in styles
    parts["xl/styles.xml"] = styles.replace(where, inject + where, 1).encode()
    return write_zip(dst, parts)


def refusal(path: Path) -> ReturnFileError:
    with pytest.raises(ReturnFileError) as info:
        inspect_container(path)
    return info.value


def refused(path: Path) -> tuple[str, str, float]:
    """The code, the detail as the zh-CN message shows it, and the seconds the refusal took."""
    start = time.perf_counter()
    exc = refusal(path)
    return exc.code, rendered(exc.detail, get_labels()), time.perf_counter() - start


def assert_small_and_within_old_limits(path: Path) -> None:
    """What makes these files dangerous: nothing the older checks look at is out of bounds."""
    assert path.stat().st_size < 2 * 1024 * 1024 < MAX_FILE_BYTES
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            assert info.file_size <= max(1024 * 1024, MAX_COMPRESSION_RATIO * info.compress_size), info.filename


def test_the_small_return_passes(small_return):
    facts = inspect_container(small_return)
    assert len(facts["区发改局"].percent_cells) == 28
    assert "xl/sharedStrings.xml" in entries(small_return)


def test_too_many_cell_formats(small_return, tmp_path):
    n = MAX_STYLE_ENTRIES["xf"] + 10_000
    xfs = "".join(f'<xf numFmtId="{164 + i % 50}" fontId="{i % 997}" fillId="{i % 13}" borderId="{i % 11}" xfId="0"/>'
                  for i in range(n))
    path = with_styles(small_return, tmp_path / "xfs.xlsx", f'<cellXfs count="{n}">{xfs}</cellXfs>', "<cellStyles")
    assert_small_and_within_old_limits(path)
    code, detail, seconds = refused(path)
    assert code == "FILE_TOO_LARGE" and "<xf>" in detail and "xl/styles.xml" in detail
    assert seconds < FAST
    assert detail == f"xl/styles.xml: 超过 {MAX_STYLE_ENTRIES['xf']} 个 <xf>"
    assert refusal(path).detail == LabelText("details.part_tags", part="xl/styles.xml", tag="xf",
                                             limit=MAX_STYLE_ENTRIES["xf"])  # data, numbers as numbers


def test_style_explosion_of_named_styles(small_return, tmp_path):
    n = MAX_STYLE_ENTRIES["cellStyle"] + 5_000
    styles = "".join(f'<cellStyle name="样式 {i} 副本" xfId="0"/>' for i in range(n))
    path = with_styles(small_return, tmp_path / "cellstyles.xlsx", f'<cellStyles count="{n}">{styles}</cellStyles>',
                       "<cellStyles")
    assert_small_and_within_old_limits(path)
    code, detail, seconds = refused(path)
    assert code == "FILE_TOO_LARGE" and "<cellStyle>" in detail and seconds < FAST


def test_too_many_elements_of_any_name(small_return, tmp_path):
    n = container.MAX_STYLE_ELEMENTS + 1000
    junk = "".join(f'<ext uri="{i}"/>' for i in range(n))
    path = with_styles(small_return, tmp_path / "ext.xlsx", f"<extLst>{junk}</extLst>")
    assert_small_and_within_old_limits(path)
    code, detail, seconds = refused(path)
    assert code == "FILE_TOO_LARGE" and "元素" in detail and seconds < FAST


def bloated_styles_bytes(small_return: Path, dst: Path) -> Path:
    """A styles part just over MAX_STYLES_BYTES, with every element count under its cap."""
    n = MAX_STYLES_BYTES // len(f'<ext uri="0" pad="{PAD}"/>') + 1000
    assert n < container.MAX_STYLE_ELEMENTS
    junk = "".join(f'<ext uri="{i}" pad="{PAD}"/>' for i in range(n))
    return with_styles(small_return, dst, f"<extLst>{junk}</extLst>")


def test_styles_part_over_its_size(small_return, tmp_path):
    path = bloated_styles_bytes(small_return, tmp_path / "big-styles.xlsx")
    assert_small_and_within_old_limits(path)
    code, detail, seconds = refused(path)  # by the size the zip declares, before decompressing
    assert code == "FILE_TOO_LARGE" and str(MAX_STYLES_BYTES) in detail and seconds < FAST


def test_styles_part_over_its_size_with_lying_headers(small_return, tmp_path):
    """The headers claim 1 KB: the size counted while streaming refuses it all the same."""
    path = lie_about_size(bloated_styles_bytes(small_return, tmp_path / "lying.xlsx"), "xl/styles.xml")
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/styles.xml").file_size == 1024
    code, detail, seconds = refused(path)
    assert code == "FILE_TOO_LARGE" and f"超过 {MAX_STYLES_BYTES}" in detail and seconds < FAST


def test_styles_part_found_through_the_relationships(small_return, tmp_path):
    """A styles part under another name (the workbook's relationships name it) is bounded too."""
    parts = entries(small_return)
    styles = parts.pop("xl/styles.xml").decode()
    n = MAX_STYLE_ENTRIES["font"] + 100
    fonts = "".join(f'<font><sz val="{8 + i % 20}"/><name val="字体{i}"/></font>' for i in range(n))
    parts["xl/custom/st.xml"] = re.sub(r"<fonts[^>]*>", f'<fonts count="{n}">{fonts}', styles, count=1).encode()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b'Target="styles.xml"',
                                                                                      b'Target="custom/st.xml"')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b'"/xl/styles.xml"', b'"/xl/custom/st.xml"')
    path = write_zip(tmp_path / "renamed.xlsx", parts)
    code, detail, seconds = refused(path)
    assert code == "FILE_TOO_LARGE" and "xl/custom/st.xml" in detail and "<font>" in detail and seconds < FAST


def test_styles_elsewhere_still_give_the_percent_cells(small_return, tmp_path):
    parts = entries(small_return)
    parts["xl/custom/st.xml"] = parts.pop("xl/styles.xml")
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b'Target="styles.xml"',
                                                                                      b'Target="custom/st.xml"')
    path = write_zip(tmp_path / "moved.xlsx", parts)
    assert len(inspect_container(path)["区发改局"].percent_cells) == 28


def with_shared_strings(small_return: Path, dst: Path, items: str, count: int) -> Path:
    parts = entries(small_return)
    sst = parts["xl/sharedStrings.xml"].decode()
    sst = re.sub(r'count="\d+" uniqueCount="\d+"|uniqueCount="\d+"', f'uniqueCount="{count}"', sst, count=1)
    parts["xl/sharedStrings.xml"] = sst.replace("</sst>", items + "</sst>").encode()
    return write_zip(dst, parts)


def test_too_many_shared_strings(small_return, tmp_path):
    n = MAX_SHARED_STRINGS + 20_000
    items = "".join(f"<si><t>第{i}项 进展{i * 7 % 1000}</t></si>" for i in range(n))
    path = with_shared_strings(small_return, tmp_path / "sst.xlsx", items, n)
    assert_small_and_within_old_limits(path)
    code, detail, seconds = refused(path)
    assert code == "FILE_TOO_LARGE" and "<si>" in detail and "xl/sharedStrings.xml" in detail
    assert seconds < FAST


def test_shared_strings_over_their_size(small_return, tmp_path):
    n = MAX_SHARED_STRINGS_BYTES // len(f"<si><t>0 {PAD}</t></si>") + 1000
    assert n < MAX_SHARED_STRINGS
    items = "".join(f"<si><t>{i} {PAD}</t></si>" for i in range(n))
    path = with_shared_strings(small_return, tmp_path / "big-sst.xlsx", items, n)
    assert_small_and_within_old_limits(path)
    code, detail, seconds = refused(path)
    assert code == "FILE_TOO_LARGE" and str(MAX_SHARED_STRINGS_BYTES) in detail and seconds < FAST
    lying = lie_about_size(path, "xl/sharedStrings.xml")
    code, detail, seconds = refused(lying)
    assert code == "FILE_TOO_LARGE" and f"超过 {MAX_SHARED_STRINGS_BYTES}" in detail and seconds < FAST


def test_dtd_in_the_styles_part_is_refused(small_return, tmp_path):
    parts = entries(small_return)
    parts["xl/styles.xml"] = parts["xl/styles.xml"].replace(
        b"<styleSheet", b'<!DOCTYPE s [<!ENTITY x "y">]><styleSheet', 1)
    code, _, _ = refused(write_zip(tmp_path / "dtd.xlsx", parts))
    assert code == "FILE_XML_UNSAFE"


def test_broken_styles_part_is_corrupt(small_return, tmp_path):
    parts = entries(small_return)
    parts["xl/styles.xml"] = parts["xl/styles.xml"].replace(b"</styleSheet>", b"</styleShee")
    code, detail, _ = refused(write_zip(tmp_path / "broken.xlsx", parts))
    assert code == "FILE_CORRUPT" and "xl/styles.xml" in detail


def test_fast_path_cannot_be_bypassed_by_attribute_order(small_return, tmp_path, monkeypatch):
    """A far row written <c s=".." r="A20000"> (r not first) is still refused on the fast path."""
    parts = entries(small_return)
    far = f'<row r="{MAX_ROWS + 10}"><c s="0" t="n" r="A{MAX_ROWS + 10}"><v>1</v></c></row>'.encode()
    part = sheet_part(small_return, "区发改局")
    parts[part] = parts[part].replace(b"</sheetData>", far + b"</sheetData>")
    path = write_zip(tmp_path / "far.xlsx", parts)
    for fast in (True, False):
        monkeypatch.setattr(container, "_FAST_PATH_BYTES", 2 * 1024 * 1024 if fast else -1)
        code, detail, _ = refused(path)
        assert code == "FILE_TOO_LARGE" and str(MAX_ROWS) in detail
        assert refusal(path).detail == LabelText("details.sheet_row_beyond", part=part, row=MAX_ROWS + 10,
                                                 limit=MAX_ROWS)


def lie_about_size(path: Path, name: str) -> Path:
    """Rewrite the zip headers of `name` to claim 1 KB uncompressed (the real data is unchanged)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    data = bytearray(path.read_bytes())
    local = info.header_offset
    struct.pack_into("<I", data, local + 22, 1024)
    central = data.find(b"PK\x01\x02")
    while data[central + 46: central + 46 + len(name)] != name.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 1024)
    out = path.with_name("lying-" + path.name)
    out.write_bytes(bytes(data))
    return out
