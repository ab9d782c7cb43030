"""The catalogue of bad inputs: every class of broken, hostile or wrong file a department (or an
attacker) can send, each with its exact expected outcome through the real command line.

Every row is built in the test from a real generated return (filled with valid answers, then broken
one way) or, for other formats, converted once with LibreOffice (those rows are marked `office`).
Each row states the problem codes the merge must report (exactly that set), the main one's severity
and cell, and the exit codes of `xltool validate` and `xltool merge`. For every row: no traceback,
the summary opens in openpyxl, and the input files are byte-identical afterwards.

Cells are named by what they are (``Ref("T2.1", "status")``, ``SectionHeader("tasks", "status")``,
see cells.py) and resolved from the blank return at run time, expected cells included; the unit
sheet's part name comes from the workbook's relationships. A change of the form's layout moves the
cells without breaking the catalogue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from cells import Cells, HeaderRef, Ref, SectionHeader, Span, custom_properties_part, sheet_part, workbook_part
from cli_output import codes as printed_codes, failure as failure_message
from conftest import BASE_PLAN, UNO_TOOL
from filler import Answers, fill_openpyxl
from xltoolkit.cli import main
from xltoolkit.container import MAX_COMPRESSION_RATIO, MAX_FILE_BYTES, MAX_ROWS, inspect_container
from xltoolkit.forms import TASK_FORM
from xltoolkit.problems import rendered
from xltoolkit.reading import read_return

PLAN = "wuchang-14fyp"
PERIOD = "2022Q4"
UNIT = "区发改局"  # indicators B02 E01 E02 E06, tasks T2.1 T2.2 T2.3 T7.1 T7.2 (in that order)
FIRST_INDICATOR, NUMERIC_INDICATOR = "B02", "E01"
TASK1, TASK2, TASK3 = "T2.1", "T2.2", "T2.3"


@dataclass
class Env:
    plan: object
    labels: object
    src: Path  # the generated, empty return
    valid: Path  # the same return filled with valid answers (openpyxl)
    answers: Answers
    master: Path
    work: Path
    cells: Cells  # symbolic cells -> A1, from the blank return
    sheet_part: str  # the unit sheet's part in `valid` (xl/worksheets/sheetN.xml)
    workbook_part: str  # xl/workbook.xml in `valid`
    custom_part: str  # docProps/custom.xml in `valid`
    cache: dict = field(default_factory=dict)

    @property
    def on_track(self) -> str:
        """The words of the status "on_track" (a valid answer, present in the sheet's XML)."""
        return self.labels["status.on_track"]


@pytest.fixture(scope="module")
def env(plan14, labels, generated14, filled14, tmp_path_factory):
    work = tmp_path_factory.mktemp("bad-inputs")
    assert filled14.unit == UNIT
    cells = Cells(filled14.raw)
    assert cells.items("indicators")[:2] == [FIRST_INDICATOR, NUMERIC_INDICATOR]
    assert cells.items("tasks")[:3] == [TASK1, TASK2, TASK3]
    valid = filled14.valid
    return Env(plan14, labels, filled14.src, valid, filled14.answers, generated14.master, work, cells,
               sheet_part(valid, filled14.raw.unit_sheet), workbook_part(valid), custom_properties_part(valid))


def at(item: str, key: str = "id") -> Ref:
    return Ref(item, key)


# Building bad files ------------------------------------------------------------------------------


def filled(env: Env, dst: Path, cells: Optional[dict] = None, mutate: Optional[Callable] = None) -> Path:
    """The valid return with `cells` (symbolic cell -> value, None clears) changed, then `mutate(workbook)`."""
    a = Answers(sheet=env.answers.sheet, cells=dict(env.answers.cells))
    a.cells.update(env.cells.resolve_cells(cells or {}))
    a.cells = {k: v for k, v in a.cells.items() if v is not None}
    dst.parent.mkdir(parents=True, exist_ok=True)
    fill_openpyxl(env.src, dst, a)
    if mutate is not None:
        wb = openpyxl.load_workbook(dst)
        mutate(wb)
        wb.save(dst)
    return dst


def rezip(src: Path, dst: Path, edit: Optional[dict] = None, add: Optional[dict] = None) -> Path:
    """Copy a zip entry by entry; `edit` maps entry -> function(bytes) -> bytes, or None to drop it."""
    edit, add = edit or {}, add or {}
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edit:
                if edit[info.filename] is None:
                    continue
                data = edit[info.filename](data)
            zout.writestr(info.filename, data)
        for name, data in add.items():
            zout.writestr(name, data)
    return dst


def set_cell(ref: str, cell_xml: str) -> Callable[[bytes], bytes]:
    """Replace the <c r="REF"> element of a sheet's XML with `cell_xml` ("{ref}" in it is REF)."""
    cell_xml = cell_xml.format(ref=ref)

    def fn(data: bytes) -> bytes:
        text = data.decode("utf-8")
        new, n = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', lambda _: cell_xml, text, count=1, flags=re.S)
        assert n == 1, ref
        return new.encode("utf-8")

    return fn


def prolog(decl: str, replace: tuple[str, str] = ("", "")) -> Callable[[bytes], bytes]:
    def fn(data: bytes) -> bytes:
        text = data.decode("utf-8")
        if replace[0]:
            text = text.replace(replace[0], replace[1], 1)
        return ('<?xml version="1.0" encoding="UTF-8"?>' + decl + re.sub(r"^<\?xml[^>]*\?>", "", text)).encode()

    return fn


def edit_meta(key: str, value: str) -> Callable:
    def mutate(wb):
        for row in wb["_xltool"].iter_rows():
            if row[0].value in key.split():
                row[1].value = value
        for prop in wb.custom_doc_props.props:
            if prop.name.split(".")[-1] in key.split():
                prop.value = value

    return mutate


def drop_meta(wb):
    wb.remove(wb["_xltool"])
    wb.custom_doc_props.props.clear()


def converted(env: Env, fmt: str, request) -> Path:
    """The valid return converted once by LibreOffice (xls, ods) or encrypted through UNO."""
    assert request.node.get_closest_marker("office"), "a case that starts LibreOffice must be marked office"
    if fmt not in env.cache:
        soffice = request.getfixturevalue("soffice")
        out = env.work / f"office-{fmt}"
        out.mkdir(exist_ok=True)
        if fmt == "encrypted":
            if subprocess.run(["/usr/bin/python3", "-c", "import uno"], capture_output=True).returncode != 0:
                pytest.skip("python3-uno not available")
            path = out / "encrypted.xlsx"
            subprocess.run(["/usr/bin/python3", str(UNO_TOOL), "encrypt", str(env.valid), str(path), "secret"],
                           check=True, capture_output=True, timeout=240)
        else:
            profile = env.work / f"lo-profile-{fmt}"
            subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", fmt,
                            "--outdir", str(out), str(env.valid)], check=True, capture_output=True, timeout=240)
            path = out / f"{env.valid.stem}.{fmt}"
        assert path.exists(), fmt
        env.cache[fmt] = path.read_bytes()
    return env.cache[fmt]


def copy_bytes(data: bytes, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data)
    return dst


def lying_sizes(env: Env, dst: Path) -> Path:
    """A 50 MB entry whose zip headers claim 1 KB (with the CRC of that first KB): refused by the
    real, counted size — a reader that trusted the headers would be fooled."""
    big = b"\x00" * (50 * 1024 * 1024)
    name = "xl/media/image1.bin"
    rezip(env.valid, dst, add={name: big})
    with zipfile.ZipFile(dst) as zf:
        info = zf.getinfo(name)
    data = bytearray(dst.read_bytes())
    crc = zlib.crc32(big[:1024])
    local = info.header_offset
    struct.pack_into("<I", data, local + 14, crc)
    struct.pack_into("<I", data, local + 22, 1024)
    central = data.find(b"PK\x01\x02" + data[local + 4: local + 6])  # central entries follow all data
    while data[central + 46: central + 46 + len(name)] != name.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 16, crc)
    struct.pack_into("<I", data, central + 24, 1024)
    dst.write_bytes(bytes(data))
    return dst


def million_rows(env: Env, dst: Path) -> Path:
    """The unit sheet followed by a million filled rows (about 40 MB of XML, 1 MB zipped)."""
    first = env.cells.last_row + 1
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="n"><v>{r}</v></c></row>' for r in range(first, first + 1_000_000))
    return rezip(env.valid, dst, edit={env.sheet_part: lambda b: b.replace(b"</sheetData>",
                                                                           rows.encode() + b"</sheetData>")})


def oversized(env: Env, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(dst, "wb") as fh:  # sparse: cheap to make
        fh.write(env.valid.read_bytes())
        fh.truncate(MAX_FILE_BYTES + 1)
    return dst


def two_returns(env: Env, folder: Path) -> list[Path]:
    first = filled(env, folder / f"2022Q4_{UNIT}.xlsx")
    second = folder / "再次报送" / f"2022Q4_{UNIT}.xlsx"
    second.parent.mkdir()
    shutil.copy(first, second)
    return [first, second]


# The catalogue ------------------------------------------------------------------------------------

LAUGHS = ('<!DOCTYPE worksheet [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')
XXE = '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


@dataclass
class Case:
    name: str
    build: Callable  # (env, folder, request) -> None: writes the bad input(s) into folder
    codes: tuple[str, ...]  # every problem code merge reports, exactly
    severity: Optional[str]  # of codes[0]
    cell: Optional[object]  # of codes[0]: a symbolic cell (cells.py), resolved from the blank return
    validate_exit: int
    merge_exit: int
    plan: Optional[Callable] = None  # (folder) -> plan file, for plan-file classes
    office: bool = False  # starts LibreOffice (marked `office`)

    def __str__(self):
        return self.name


def F(name="wuchang-14fyp_2022Q4_区发改局.xlsx"):
    return name


CASES = [
    # The file itself
    Case("zero-byte file", lambda e, d, r: (d / F()).write_bytes(b""), ("FILE_EMPTY",), "error", None, 1, 1),
    Case("empty workbook (no sheets of ours)",
         lambda e, d, r: openpyxl.Workbook().save(d / F()), ("META_UNIDENTIFIED",), "error", None, 1, 1),
    Case("random bytes named .xlsx", lambda e, d, r: (d / F()).write_bytes(bytes(range(256)) * 40),
         ("FILE_NOT_XLSX",), "error", None, 1, 1),
    Case("truncated zip (first half)",
         lambda e, d, r: copy_bytes(e.valid.read_bytes()[: e.valid.stat().st_size // 2], d / F()),
         ("FILE_CORRUPT",), "error", None, 1, 1),
    Case("truncated zip (last 200 bytes lost)",
         lambda e, d, r: copy_bytes(e.valid.read_bytes()[:-200], d / F()), ("FILE_CORRUPT",), "error", None, 1, 1),
    Case("zip that is not OOXML", lambda e, d, r: rezip(e.valid, d / F(), edit={e.workbook_part: None}),
         ("FILE_NOT_XLSX",), "error", None, 1, 1),
    Case("bytes flipped inside a zipped part (CRC)",
         lambda e, d, r: copy_bytes(_flip_compressed(e.valid.read_bytes(), e.sheet_part), d / F()),
         ("FILE_CORRUPT",), "error", None, 1, 1),
    Case("malformed sheet XML", lambda e, d, r: rezip(e.valid, d / F(), edit={e.sheet_part: lambda b: b[:-40]}),
         ("FILE_CORRUPT",), "error", None, 1, 1),
    Case(".xls renamed to .xlsx", lambda e, d, r: copy_bytes(converted(e, "xls", r), d / F()),
         ("FILE_LEGACY_FORMAT",), "error", None, 1, 1, office=True),
    Case("WPS .et (OLE2, as .xls) renamed to .xlsx", lambda e, d, r: copy_bytes(converted(e, "xls", r), d / "x.et"),
         ("FILE_LEGACY_FORMAT",), "error", None, 1, 1, office=True),
    Case(".ods renamed to .xlsx", lambda e, d, r: copy_bytes(converted(e, "ods", r), d / F()),
         ("FILE_NOT_XLSX",), "error", None, 1, 1, office=True),
    Case(".csv renamed to .xlsx", lambda e, d, r: (d / F()).write_text("编号,进展状态\nT2.1,正常推进\n", "utf-8"),
         ("FILE_NOT_XLSX",), "error", None, 1, 1),
    Case(".xlsm renamed to .xlsx (macros)",
         lambda e, d, r: rezip(e.valid, d / F(), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"}),
         ("FILE_MACRO",), "error", None, 1, 1),
    Case("encrypted workbook (password to open)", lambda e, d, r: copy_bytes(converted(e, "encrypted", r), d / F()),
         ("FILE_ENCRYPTED",), "error", None, 1, 1, office=True),
    Case("zip bomb (30 MB of zeros in 30 KB)",
         lambda e, d, r: rezip(e.valid, d / F(), add={"xl/media/image1.bin": b"\x00" * (30 * 1024 * 1024)}),
         ("FILE_TOO_LARGE",), "error", None, 1, 1),
    Case("zip whose headers lie about sizes", lambda e, d, r: lying_sizes(e, d / F()),
         ("FILE_TOO_LARGE",), "error", None, 1, 1),
    Case("file over the size limit", lambda e, d, r: oversized(e, d / F()), ("FILE_TOO_LARGE",), "error", None, 1, 1),
    Case("sheet with a million rows", lambda e, d, r: million_rows(e, d / F()),
         ("FILE_TOO_LARGE",), "error", None, 1, 1),
    Case("a value in the last row of the sheet (sparse huge grid)",
         lambda e, d, r: rezip(e.valid, d / F(), edit={e.sheet_part: lambda b: b.replace(
             b"</sheetData>", b'<row r="1048576"><c r="A1048576" t="n"><v>1</v></c></row></sheetData>')}),
         ("FILE_TOO_LARGE",), "error", None, 1, 1),
    Case("XML external entity (XXE) in the sheet",
         lambda e, d, r: rezip(e.valid, d / F(), edit={e.sheet_part: prolog(XXE, (e.on_track, "&x;"))}),
         ("FILE_XML_UNSAFE",), "error", None, 1, 1),
    Case("billion laughs in the sheet",
         lambda e, d, r: rezip(e.valid, d / F(), edit={e.sheet_part: prolog(LAUGHS, (e.on_track, "&d;"))}),
         ("FILE_XML_UNSAFE",), "error", None, 1, 1),
    Case("DTD in the custom properties part",
         lambda e, d, r: rezip(e.valid, d / F(), edit={e.custom_part: prolog(XXE)}),
         ("FILE_XML_UNSAFE",), "error", None, 1, 1),
    Case("Office lock file", lambda e, d, r: shutil.copy(e.valid, d / f"~${F()}"),
         ("FILE_LOCK_SKIPPED",), "warning", None, 0, 0),
    # Identity
    Case("metadata removed (identified by sheet name)", lambda e, d, r: filled(e, d / F(), mutate=drop_meta),
         ("META_MISSING",), "warning", None, 0, 0),
    Case("metadata removed and unit tab renamed",
         lambda e, d, r: filled(e, d / F(), mutate=lambda wb: (drop_meta(wb), setattr(wb[UNIT], "title", "某单位"))),
         ("META_UNIDENTIFIED",), "error", None, 1, 1),
    Case("metadata from another plan", lambda e, d, r: filled(e, d / F(), mutate=edit_meta("plan_id", "other-plan")),
         ("META_OTHER_PLAN",), "error", None, 1, 1),
    Case("metadata from another period", lambda e, d, r: filled(e, d / F(), mutate=edit_meta("period", "2022Q3")),
         ("META_OTHER_PERIOD",), "error", None, 1, 1),
    Case("return for a unit the plan does not have",
         lambda e, d, r: filled(e, d / F(), mutate=edit_meta("unit_name unit_id", "区不存在局")),
         ("META_UNKNOWN_UNIT",), "error", None, 1, 1),
    Case("metadata of another unit of the plan (the tab and 填报单位 still say the real unit)",
         lambda e, d, r: filled(e, d / F(), mutate=edit_meta("unit_name unit_id", "区文旅局")),
         ("META_IDENTITY_MISMATCH",), "error", HeaderRef("unit"), 1, 1),
    Case("metadata from an older plan version",
         lambda e, d, r: filled(e, d / F(), mutate=edit_meta("plan_fingerprint", "0000000000000000")),
         ("META_OLD_VERSION",), "warning", None, 0, 0),
    Case("master workbook sent as a return", lambda e, d, r: shutil.copy(e.master, d / e.master.name),
         ("META_NOT_A_RETURN",), "warning", None, 0, 0),
    Case("two returns for one unit", lambda e, d, r: two_returns(e, d), ("META_DUPLICATE_UNIT",), "error", None, 0, 1),
    # Structure
    Case("unit tab renamed (found by its content)",
         lambda e, d, r: filled(e, d / F(), mutate=lambda wb: setattr(wb[UNIT], "title", "发改局填报")), (), None, None, 0, 0),
    Case("unit tab deleted", lambda e, d, r: filled(e, d / F(), mutate=lambda wb: wb.remove(wb[UNIT])),
         ("STRUCT_NO_SHEET",), "error", None, 1, 1),
    Case("row deleted", lambda e, d, r: filled(e, d / F(), mutate=lambda wb: wb[UNIT].delete_rows(e.cells.row(at(TASK2)))),
         ("STRUCT_ROW_MISSING",), "error", None, 1, 1),
    Case("row duplicated (id typed twice)",
         lambda e, d, r: filled(e, d / F(), cells={at(TASK2): TASK1}),
         ("STRUCT_ROW_DUPLICATE", "STRUCT_ROW_MISSING"), "error", at(TASK2), 1, 1),
    Case("row inserted without id", lambda e, d, r: filled(e, d / F(), mutate=_insert_row(e, before=TASK2)),
         ("STRUCT_ROW_NO_ID",), "warning", at(TASK2), 0, 0),
    Case("rows reordered (sorted)", lambda e, d, r: filled(e, d / F(), mutate=_reverse_tasks(e)), (), None, None, 0, 0),
    Case("id edited", lambda e, d, r: filled(e, d / F(), cells={at(TASK3): "T9.9"}),
         ("STRUCT_ROW_UNKNOWN", "STRUCT_ROW_MISSING"), "error", at(TASK3), 1, 1),
    Case("locked text edited", lambda e, d, r: filled(e, d / F(), cells={at(TASK1, "text"): "改"}),
         ("STRUCT_LOCKED_EDITED",), "warning", at(TASK1, "text"), 0, 0),
    Case("column header renamed",
         lambda e, d, r: filled(e, d / F(), cells={SectionHeader("tasks", "status"): "状态"}),
         ("STRUCT_HEADER_CHANGED",), "error", SectionHeader("tasks", "id"), 1, 1),
    Case("merged cells across input columns",
         lambda e, d, r: filled(e, d / F(), mutate=lambda wb: wb[UNIT].merge_cells(
             e.cells(Span(at(TASK1, "status"), at(TASK1, "progress"))))),
         ("STRUCT_MERGED_CELLS",), "error", at(TASK1, "status"), 1, 1),
    # Values
    Case("text cell of 100k characters", lambda e, d, r: filled(e, d / F(), cells={at(TASK1, "work"): "长" * 100_000}),
         ("VALUE_TEXT_TOO_LONG",), "error", at(TASK1, "work"), 1, 1),
    Case("date in a number cell",
         lambda e, d, r: filled(e, d / F(), cells={at(TASK1, "progress"): dt.datetime(2022, 12, 1)}),
         ("VALUE_PROGRESS_NOT_NUMBER",), "error", at(TASK1, "progress"), 1, 1),
    Case("number stored as text (accepted, warned)",
         lambda e, d, r: filled(e, d / F(), cells={at(NUMERIC_INDICATOR, "actual"): "7.5"}),
         ("VALUE_ACTUAL_NORMALIZED",), "warning", at(NUMERIC_INDICATOR, "actual"), 0, 0),
    Case("boolean in a number cell", lambda e, d, r: filled(e, d / F(), cells={at(TASK1, "progress"): True}),
         ("VALUE_PROGRESS_NOT_NUMBER",), "error", at(TASK1, "progress"), 1, 1),
    Case("boolean in the status cell", lambda e, d, r: filled(e, d / F(), cells={at(TASK1, "status"): False}),
         ("VALUE_STATUS_INVALID",), "error", at(TASK1, "status"), 1, 1),
    Case("error value #DIV/0! (formula)",
         lambda e, d, r: rezip(e.valid, d / F(), edit={e.sheet_part: set_cell(
             e.cells(at(TASK1, "progress")), '<c r="{ref}" t="e"><f>1/0</f><v>#DIV/0!</v></c>')}),
         ("VALUE_ERROR",), "error", at(TASK1, "progress"), 1, 1),
    Case("error value #N/A (pasted)",
         lambda e, d, r: rezip(e.valid, d / F(), edit={e.sheet_part: set_cell(
             e.cells(at(NUMERIC_INDICATOR, "actual")), '<c r="{ref}" t="e"><v>#N/A</v></c>')}),
         ("VALUE_ERROR",), "error", at(NUMERIC_INDICATOR, "actual"), 1, 1),
    Case("formula with a cached value (taken, warned)",
         lambda e, d, r: rezip(e.valid, d / F(), edit={e.sheet_part: set_cell(
             e.cells(at(TASK1, "progress")), '<c r="{ref}"><f>40+5</f><v>45</v></c>')}),
         ("VALUE_FORMULA",), "warning", at(TASK1, "progress"), 0, 0),
    Case("formula without a cached value", lambda e, d, r: filled(e, d / F(), mutate=_formula_no_cache(e)),
         ("VALUE_FORMULA_NO_RESULT",), "error", at(TASK1, "progress"), 1, 1),
    Case("formula injection text (= + - @) stays text",
         lambda e, d, r: filled(e, d / F(), cells={at(TASK1, "work"): "=cmd|'/c calc'!A1", at(TASK1, "next_steps"): "+1+1",
                                                   at(TASK2, "work"): "-2-2", at(TASK2, "next_steps"): "@SUM(A1)"}),
         (), None, None, 0, 0),
    # Plan files
    Case("plan file with a YAML error", lambda e, d, r: filled(e, d / F()), (), None, None, 2, 2,
         plan=lambda d: _plan_text(d, "id: broken\nunits: [区甲局\n")),
    Case("plan file naming an unknown unit", lambda e, d, r: filled(e, d / F()), (), None, None, 2, 2,
         plan=lambda d: _plan_data(d, unknown_unit=True)),
    Case("plan file with duplicate ids", lambda e, d, r: filled(e, d / F()), (), None, None, 2, 2,
         plan=lambda d: _plan_data(d, duplicate_id=True)),
]


def _flip_compressed(data: bytes, entry: str) -> bytes:
    """Flip bytes in the middle of one entry's compressed data (headers intact)."""
    buf = bytearray(data)
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as zf:
        info = zf.getinfo(entry)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + info.compress_size // 2, start + info.compress_size // 2 + 8):
        buf[i] ^= 0xFF
    return bytes(buf)


def _insert_row(env: Env, before: str) -> Callable:
    """A row inserted above item `before`, with a status typed in it but no id."""
    row, status_col = env.cells.row(at(before)), env.cells.col(at(before, "status"))

    def mutate(wb):
        ws = wb[UNIT]
        ws.insert_rows(row)
        ws.cell(row, status_col).value = env.on_track

    return mutate


def _reverse_tasks(env: Env) -> Callable:
    """The task rows in reverse order (every column of the form moved with its row)."""
    tasks = env.cells.items("tasks")
    rows = [env.cells.row(at(t)) for t in tasks]
    width = len(TASK_FORM.columns)

    def mutate(wb):
        ws = wb[UNIT]
        values = [[ws.cell(r, c).value for c in range(1, width + 1)] for r in rows]
        for r, row_values in zip(rows, reversed(values)):
            for c, v in enumerate(row_values, start=1):
                ws.cell(r, c).value = v

    return mutate


def _formula_no_cache(env: Env) -> Callable:
    ref = env.cells(at(TASK1, "progress"))

    def mutate(wb):
        wb[UNIT][ref] = "=40+5"  # openpyxl stores the formula and no cached value

    return mutate


def _plan_text(folder: Path, text: str) -> Path:
    path = folder.parent / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _plan_data(folder: Path, unknown_unit=False, duplicate_id=False) -> Path:
    import copy

    data = copy.deepcopy(BASE_PLAN)
    if unknown_unit:
        data["chapters"][0]["tasks"][0]["lead_units"] = ["区不存在局"]
    if duplicate_id:
        data["chapters"][0]["tasks"][1]["id"] = "T1.1"
    return _plan_text(folder, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def invoke(args: list[str]):
    result = CliRunner().invoke(main, args)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_catalogue_has_at_least_30_classes():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=[pytest.mark.office] if c.office else [])
                                  for c in CASES])
def test_bad_input(case: Case, env: Env, tmp_path, request):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    case.build(env, inbox, request)
    plan_ref = str(case.plan(inbox)) if case.plan else PLAN
    before = digest(inbox)
    started = time.perf_counter()
    v = invoke(["validate", str(inbox), "--plan", plan_ref, "--period", PERIOD])
    assert v.exit_code == case.validate_exit, v.output
    out, js, fb = tmp_path / "out" / "summary.xlsx", tmp_path / "out" / "result.json", tmp_path / "out" / "fb"
    m = invoke(["merge", str(inbox), "--plan", plan_ref, "--period", PERIOD, "--out", str(out), "--json", str(js),
                "--feedback", str(fb)])
    assert m.exit_code == case.merge_exit, m.output
    assert time.perf_counter() - started < 30
    assert digest(inbox) == before  # inputs byte-identical
    if case.plan is not None:  # the plan is refused: named, nothing written
        assert Path(plan_ref).name in v.output and Path(plan_ref).name in m.output
        assert not out.exists()
        return
    issues = json.loads(js.read_text("utf-8"))["issues"]
    assert {i["code"] for i in issues} == set(case.codes), issues
    if case.codes:
        main_code = case.codes[0]
        cell = env.cells(case.cell)
        assert any(i["code"] == main_code and i["severity"] == case.severity and i["cell"] == cell
                   for i in issues), (cell, issues)
        assert main_code in printed_codes(v.output, env.labels) or main_code == "META_DUPLICATE_UNIT"
    for issue in issues:  # a refusal's detail is data in the JSON, rendered into the message only
        detail = issue["params"].get("detail")
        if issue["code"] == "FILE_TOO_LARGE":
            assert detail["label"].startswith("details.") and isinstance(detail["params"]["limit"], int), issue
            assert re.search(rf"(?<!\d){detail['params']['limit']}(?!\d)", issue["message"]), issue
            assert "{" not in issue["message"], issue
    wb = openpyxl.load_workbook(out, read_only=True)  # the summary always opens
    assert wb.sheetnames
    wb.close()
    for p in (fb.glob("*.xlsx") if fb.exists() else []):
        openpyxl.load_workbook(p, read_only=True).close()
    assert not list(tmp_path.rglob(".~xltool-*"))


@pytest.mark.parametrize("build, detail, shown", [
    (lambda e, d: oversized(e, d / F()), {"label": "details.file_bytes",
                                          "params": {"size": MAX_FILE_BYTES + 1, "limit": MAX_FILE_BYTES}},
     f"文件过大或内容异常（{MAX_FILE_BYTES + 1} > {MAX_FILE_BYTES} 字节），不予读取。"),
    (lambda e, d: rezip(e.valid, d / F(), add={"xl/media/image1.bin": b"\x00" * (30 * 1024 * 1024)}),
     {"label": "details.part_ratio", "params": {"part": "xl/media/image1.bin", "limit": MAX_COMPRESSION_RATIO}},
     f"文件过大或内容异常（xl/media/image1.bin: 压缩比超过 {MAX_COMPRESSION_RATIO}），不予读取。"),
    (lambda e, d: million_rows(e, d / F()),
     {"label": "details.sheet_row_beyond", "params": {"part": None, "row": MAX_ROWS + 1, "limit": MAX_ROWS}},
     f": 第 {MAX_ROWS + 1} 行超过 {MAX_ROWS} 行），不予读取。"),
], ids=["over the size limit", "zip bomb", "a million rows"])
def test_a_refused_return_keeps_its_detail_as_data(env, tmp_path, build, detail, shown):
    """A too-large, bomb or too-many-rows return: the same coded problem with a Chinese message naming
    the limit; in the JSON `params.detail` is the label and its values (numbers as numbers), and the
    problem restored from the history database renders the same message."""
    from xltoolkit import history as store
    from xltoolkit.plans import plan_from_data
    from xltoolkit.recorded import restore

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    build(env, inbox)
    js, db = tmp_path / "r.json", tmp_path / "h.db"
    m = invoke(["merge", str(inbox), "--plan", PLAN, "--period", PERIOD, "--out", str(tmp_path / "s.xlsx"),
                "--json", str(js), "--db", str(db)])
    assert m.exit_code == 1, m.output
    [issue] = json.loads(js.read_text("utf-8"))["issues"]
    assert issue["code"] == "FILE_TOO_LARGE" and shown in issue["message"]
    got = issue["params"]["detail"]
    if detail["params"].get("part", "") is None:  # the sheet's part name, whichever it is
        detail["params"]["part"] = got["params"].get("part")
        assert got["params"]["part"].startswith("xl/worksheets/")
    assert got == detail
    with store.reading(db) as conn:
        record = store.period_record(conn, PLAN, PERIOD)
    assert json.loads(record["problems"][0]["params"]) == {"detail": detail}
    [problem] = restore(plan_from_data(json.loads(record["merge"]["plan_json"])), record).consolidation.problems
    assert problem.message(env.labels) == issue["message"] and problem.as_dict()["params"] == issue["params"]


def test_million_row_sheet_is_refused_fast_with_bounded_memory(env, tmp_path):
    import tracemalloc

    path = million_rows(env, tmp_path / "big.xlsx")
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(Exception) as info:
        read_return(path, env.labels)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert getattr(info.value, "code", None) == "FILE_TOO_LARGE"
    assert str(MAX_ROWS) in rendered(info.value.detail, env.labels)
    assert elapsed < 2 and peak < 20 * 1024 * 1024


def test_dtd_is_refused_before_any_parser_and_nothing_is_fetched(env, tmp_path):
    """The XXE target would be read if an entity were expanded; the refusal happens first."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", "utf-8")
    path = rezip(env.valid, tmp_path / "x.xlsx", edit={env.sheet_part: prolog(
        f'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "{secret.as_uri()}">]>', (env.on_track, "&x;"))})
    with pytest.raises(Exception) as info:
        inspect_container(path)
    assert info.value.code == "FILE_XML_UNSAFE"


def test_formula_injection_stays_text_in_every_output(env, tmp_path):
    hostile = {at(TASK1, "work"): "=cmd|'/c calc'!A1", at(TASK1, "next_steps"): "+SUM(1,2)",
               at(TASK2, "work"): "-2+3", at(TASK2, "next_steps"): "@SUM(A1)",
               at(NUMERIC_INDICATOR, "note"): "=HYPERLINK(\"http://x\",\"点\")"}
    inbox = tmp_path / "inbox"
    filled(env, inbox / F(), cells={**hostile, at(TASK3, "status"): "进行中"})  # one error: a feedback copy is written
    out, js, fb = tmp_path / "s.xlsx", tmp_path / "r.json", tmp_path / "fb"
    m = invoke(["merge", str(inbox), "--plan", PLAN, "--period", PERIOD, "--out", str(out), "--json", str(js),
                "--feedback", str(fb)])
    assert m.exit_code == 1
    texts = set(hostile.values())
    for path in [out, *fb.glob("*.xlsx")]:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/"):
                    xml = zf.read(name).decode("utf-8")
                    for formula in re.findall(r"<f>(.*?)</f>", xml):
                        assert not any(t.lstrip("=+-@") in formula.replace("&quot;", '"') for t in texts), formula
        wb = openpyxl.load_workbook(path)
        found = {c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
        shown = {t for t in texts if any(t in v for v in found)}
        assert shown == texts, (path, texts - shown)
    data = json.loads(js.read_text("utf-8"))
    reported = {r["text"] for t in data["tasks"] for r in t["reports"]} | {r["next_steps"] for t in data["tasks"] for r in t["reports"]}
    assert {v for k, v in hostile.items() if k.item != NUMERIC_INDICATOR} <= reported


def test_xltool_command_line_never_shows_a_traceback(env, tmp_path):
    """The real executable, on a folder holding several hostile files at once."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(b"")
    (inbox / "b.xlsx").write_bytes(bytes(range(256)))
    rezip(env.valid, inbox / "c.xlsx", edit={env.sheet_part: prolog(LAUGHS, (env.on_track, "&d;"))})
    filled(env, inbox / "d.xlsx", cells={at(TASK1, "progress"): "abc"})
    proc = subprocess.run([sys.executable, "-m", "xltoolkit.cli", "merge", str(inbox), "--plan", PLAN, "--period",
                           PERIOD, "--out", str(tmp_path / "s.xlsx")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    assert {"FILE_EMPTY", "FILE_NOT_XLSX", "FILE_XML_UNSAFE", "VALUE_PROGRESS_NOT_NUMBER"} <= set(
        printed_codes(proc.stderr, env.labels)), proc.stderr


def test_parse_unknown_encoding_if_parse_exists(tmp_path):
    """`xltool parse` (plan documents): a document in an unknown encoding is refused cleanly."""
    if "parse" not in main.commands:
        pytest.skip("xltool parse is not part of this build yet")
    doc = tmp_path / "doc.txt"
    doc.write_bytes(bytes(range(128, 256)) * 50 + b"\x00\xff\xfe" * 100)
    result = CliRunner().invoke(main, ["parse", str(doc)])
    assert "Traceback" not in result.output
    assert result.exit_code == 2 and doc.name in result.output


# Nothing lost: outputs ----------------------------------------------------------------------------


@pytest.fixture
def inbox_with_previous(env, tmp_path):
    inbox = tmp_path / "inbox"
    filled(env, inbox / F())
    out = tmp_path / "out" / "summary.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"the previous summary")
    return inbox, out


def merge_args(inbox: Path, out: Path) -> list[str]:
    return ["merge", str(inbox), "--plan", PLAN, "--period", PERIOD, "--out", str(out)]


def test_merge_interrupted_while_writing_leaves_previous_summary(inbox_with_previous, monkeypatch):
    import xltoolkit.writing.summary as summary

    inbox, out = inbox_with_previous

    def crash(path, *args, **kwargs):
        Path(path).write_bytes(b"half a workbook")
        raise RuntimeError("power cut")

    monkeypatch.setattr(summary, "write_summary", crash)
    result = invoke(merge_args(inbox, out))
    assert result.exit_code == 2
    assert out.read_bytes() == b"the previous summary"
    assert sorted(p.name for p in out.parent.iterdir()) == ["summary.xlsx"]  # no temporary file left


@pytest.mark.parametrize("failure", ["replace", "xlsxwriter"])
def test_full_disk_gives_a_clear_message_and_exit_2(inbox_with_previous, labels, monkeypatch, failure):
    import errno
    import os

    import xltoolkit.files as files
    import xltoolkit.writing.summary as summary

    inbox, out = inbox_with_previous
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if failure == "replace":
        def no_space(*args):
            raise full
        monkeypatch.setattr(files.os, "replace", no_space)
    else:
        from xlsxwriter.exceptions import FileCreateError

        def no_space(*args, **kwargs):
            raise FileCreateError(full)
        monkeypatch.setattr(summary, "write_summary", no_space)
    result = invoke(merge_args(inbox, out))
    assert result.exit_code == 2
    assert str(out) in result.output and os.strerror(errno.ENOSPC) in result.output
    assert str(labels["cli.internal"]).split("{")[0] not in result.output  # an expected failure, not a bug
    assert "internal" not in result.output.lower()
    assert out.read_bytes() == b"the previous summary"
    assert sorted(p.name for p in out.parent.iterdir()) == ["summary.xlsx"]


def test_unwritable_outputs_exit_2(env, tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    filled(env, inbox / F())
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    a_folder = tmp_path / "a-folder.xlsx"
    a_folder.mkdir()
    for out in (a_file / "summary.xlsx", a_folder):  # parent is a file; target is a folder
        result = invoke(merge_args(inbox, out))
        assert result.exit_code == 2 and str(out.parent) in result.output
    import xltoolkit.files as files

    real_access = files.os.access  # a read-only folder (chmod does not stop root, so pretend)
    monkeypatch.setattr(files.os, "access", lambda path, mode: not Path(path).name.startswith("ro")
                        and real_access(path, mode))
    result = invoke(merge_args(inbox, tmp_path / "ro" / "summary.xlsx"))
    assert result.exit_code == 2
    assert failure_message(env.labels, "OUTPUT_DIR_READONLY", path=tmp_path / "ro") in result.output, result.output
    result = invoke(["generate", "--plan", PLAN, "--period", PERIOD, "--out", str(tmp_path / "ro2")])
    assert result.exit_code == 2
    assert failure_message(env.labels, "OUTPUT_DIR_READONLY", path=tmp_path / "ro2") in result.output, result.output


def test_generate_keeps_a_filled_return_and_says_so(env, tmp_path):
    out = tmp_path / "gen"
    first = invoke(["generate", "--plan", PLAN, "--period", PERIOD, "--out", str(out)])
    assert first.exit_code == 0
    target = out / "returns" / F()
    filled(env, target)
    before = target.read_bytes()
    again = invoke(["generate", "--plan", PLAN, "--period", PERIOD, "--out", str(out)])
    assert again.exit_code == 0 and F() in again.output and target.read_bytes() == before
    forced = invoke(["generate", "--plan", PLAN, "--period", PERIOD, "--out", str(out), "--force"])
    assert forced.exit_code == 0 and target.read_bytes() != before


@pytest.mark.parametrize("name", ["区/甲\\局", "CON", "con.txt", "LPT1", "..", " . ", "a:b*c?d", "区" * 300,
                                  "x" * 300, "tab\there", "COM1 "])
def test_file_names_from_unit_names_are_safe(name):
    from xltoolkit.files import MAX_NAME_BYTES, safe_filename

    stem = safe_filename(name)
    assert stem and not set('/\\:*?"<>|\t') & set(stem)
    assert stem.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
    assert len(stem.encode("utf-8")) <= MAX_NAME_BYTES and not stem.endswith((".", " "))


def test_file_names_are_unique_even_after_cutting():
    from xltoolkit.files import safe_filename, unique_names

    names = ["区" * 200 + "甲", "区" * 200 + "乙", "A/B", "A\\B", "a_b"]
    stems = unique_names([safe_filename(n) for n in names])
    assert len({s.casefold() for s in stems}) == len(stems)
