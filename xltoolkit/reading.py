"""Read a return file into raw values with their cell locations. No business rules here.

Values are read with python-calamine (fast; cached formula values; `skip_empty_area=False` so row and
column indexes match the sheet). What calamine cannot see (custom document properties) is read
from the zip with defusedxml. File-level faults (not an xlsx, encrypted, legacy formats, macro files,
oversized or zip-bomb entries) raise `ReturnFileError` with a stable code.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from .forms import FORMS, HEADER_FIELDS, LAYOUT, MASTER_INDICATOR_FORM, UNASSIGNED_FORM, Form
from .labels import Labels
from .metadata import PROPERTY_PREFIX, VOCABULARY_KEY, ReturnMeta, parse_vocabulary
from .problems import LabelText
from .sheetnames import SheetNamer, fixed_sheet_names

# Limits and the file-level checks live in container.py (re-exported here for callers and tests).
from .container import (MAX_COLS, MAX_COMPRESSION_RATIO, MAX_FILE_BYTES, MAX_ROWS,  # noqa: F401
                        MAX_UNCOMPRESSED_BYTES, OLE_MAGIC, ZIP_MAGIC, ReturnFileError, SheetFacts, col_letters,
                        inspect_container)


@dataclass
class Cell:
    value: Any  # the cached value as calamine reads it ('' for an error value or an uncached formula)
    ref: str  # A1 reference in its sheet
    formula: Optional[str] = None  # the formula text when the cell holds a formula
    error: Optional[str] = None  # the error value (#DIV/0!, #N/A …) when the cell holds one
    percent: bool = False  # the cell holds a number shown with a percent format (typed as "7.2%")


@dataclass
class RawRow:
    """A data row under a section header: the id found in column A and every column's value."""

    item_id: str
    form: str  # form key: "indicators" or "tasks"
    row: int  # 0-based sheet row
    values: dict[str, Cell]


@dataclass
class Section:
    form: str
    header_row: int
    columns: dict[str, int]  # column key -> 0-based column index found in the header row
    missing: list[str]  # column keys whose header was not found
    unexpected: list[str]  # header texts that belong to no column


@dataclass
class RawReturn:
    path: str
    meta: Optional[ReturnMeta] = None
    meta_source: Optional[str] = None  # "sheet", "properties" or None
    sheet_names: list[str] = field(default_factory=list)
    unit_sheet: Optional[str] = None
    header: dict[str, Cell] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    rows: list[RawRow] = field(default_factory=list)
    stray_rows: list[Cell] = field(default_factory=list)  # rows under a section with values but no id
    merged: list[str] = field(default_factory=list)  # merged ranges on the unit sheet ("H18:I18")
    vocabulary: Optional[dict] = None  # the form words the workbook was written with (see forms.vocabulary)
    saved_at: Optional[str] = None  # docProps/core.xml dcterms:modified: when the office program saved it

    @property
    def name(self) -> str:
        return Path(self.path).name


def a1(row: int, col: int) -> str:
    """0-based (row, col) -> "C12" (the one column-letter helper is container.col_letters)."""
    return f"{col_letters(col + 1)}{row + 1}"


def check_container(path: Path) -> dict[str, SheetFacts]:
    """Raise ReturnFileError unless `path` is a sane, macro-free OOXML workbook within the limits
    (see container.py); return what streaming each worksheet found, by sheet name."""
    return inspect_container(path)


MAX_PROPERTIES_BYTES = 256 * 1024  # docProps/custom.xml of a return is about 1.5 KB


def read_custom_properties(path: Path) -> dict[str, str]:
    """xltool's custom document properties (docProps/custom.xml), read with a size cap (zip headers
    can lie, so the bytes are counted) and defusedxml. Empty when absent, oversized or malformed."""
    from defusedxml import ElementTree as ET

    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/custom.xml")
            if info.file_size > MAX_PROPERTIES_BYTES:
                return {}
            with zf.open(info) as fh:
                data = fh.read(MAX_PROPERTIES_BYTES + 1)
        if len(data) > MAX_PROPERTIES_BYTES:
            return {}
        root = ET.fromstring(data)
    except Exception:  # noqa: BLE001 - absent, malformed or hostile: the sheet copy may still be there
        return {}
    props = {}
    for prop in root:
        name = prop.get("name", "")
        if name.startswith(PROPERTY_PREFIX) and len(prop):
            props[name[len(PROPERTY_PREFIX):]] = (prop[0].text or "").strip()
    return props


def read_saved_time(path: Path) -> Optional[str]:
    """When the office program last saved the workbook (docProps/core.xml ``dcterms:modified``, ISO
    text), read with a size cap and defusedxml; None when absent or unreadable."""
    from defusedxml import ElementTree as ET

    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/core.xml")
            if info.file_size > MAX_PROPERTIES_BYTES:
                return None
            with zf.open(info) as fh:
                data = fh.read(MAX_PROPERTIES_BYTES + 1)
        if len(data) > MAX_PROPERTIES_BYTES:
            return None
        root = ET.fromstring(data)
    except Exception:  # noqa: BLE001 - no saved time: the other rules decide
        return None
    for el in root:
        if el.tag.endswith("}modified") and (el.text or "").strip():
            return el.text.strip()[:40]
    return None


META_SHEET = "_xltool"  # the metadata sheet's name in every locale (labels sheets.meta names it too)


def read_return(path: str | Path, labels: Labels, *, meta_only: bool = False) -> RawReturn:
    """Read one return file. Raises ReturnFileError for file-level faults.

    `meta_only`: stop after the identity (metadata); the same checks up to that point."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    facts = check_container(path)
    raw = RawReturn(path=str(path))
    try:
        wb = CalamineWorkbook.from_path(str(path))
        raw.sheet_names = list(wb.sheet_names)
        _read_meta(raw, wb, labels)
        raw.saved_at = read_saved_time(path)
        if meta_only:
            return raw
        words = Words.of(raw.vocabulary, labels)
        raw.unit_sheet = _pick_unit_sheet(raw, wb, labels, words)
        if raw.unit_sheet is not None:
            grid = wb.get_sheet_by_name(raw.unit_sheet).to_python(skip_empty_area=False)
            if len(grid) > MAX_ROWS:
                raise ReturnFileError("FILE_TOO_LARGE", LabelText("details.sheet_rows", part=raw.unit_sheet,
                                                                  limit=MAX_ROWS))
            sheet_facts = facts.get(raw.unit_sheet)
            _read_unit_grid(raw, grid, words, facts=sheet_facts)
            raw.merged = list(sheet_facts.merged) if sheet_facts else []
    except ReturnFileError:
        raise
    except Exception as exc:  # calamine's own errors: a damaged workbook part
        raise ReturnFileError("FILE_CORRUPT", f"{type(exc).__name__}: {exc}") from None
    return raw


def _read_meta(raw: RawReturn, wb, labels: Labels) -> None:
    """The identity (hidden sheet first, else the document properties) and the form vocabulary."""
    for meta_sheet in dict.fromkeys([META_SHEET, labels["sheets.meta"]]):
        if meta_sheet in raw.sheet_names:
            grid = wb.get_sheet_by_name(meta_sheet).to_python(skip_empty_area=False, nrows=100)
            pairs = {str(r[0]).strip(): r[1] for r in grid if len(r) >= 2 and r[0] != ""}
            raw.meta = ReturnMeta.from_mapping(pairs)
            raw.meta_source = "sheet" if raw.meta else None
            raw.vocabulary = parse_vocabulary(pairs.get(VOCABULARY_KEY))
            break
    if raw.meta is None:
        raw.meta = ReturnMeta.from_mapping(read_custom_properties(Path(raw.path)))
        raw.meta_source = "properties" if raw.meta else None


@dataclass(frozen=True)
class Words:
    """How to recognize a form's header cells: for each form, header text -> column key. The
    workbook's own vocabulary (written by generate, in whatever locale) comes first, then the
    current labels, so a return written in one locale reads in another."""

    headers: dict[str, dict[str, str]]  # form key -> {header text: column key}
    id_texts: frozenset[str]  # texts of the id column's header, any form

    @classmethod
    def of(cls, vocabulary: Optional[dict], labels: Labels, forms: tuple[Form, ...] = FORMS) -> "Words":
        headers: dict[str, dict[str, str]] = {}
        for form in forms:
            found: dict[str, str] = {}
            own = (vocabulary or {}).get("forms", {}).get(form.key, {})
            for col in form.columns:
                for text in (own.get(col.key), col.header(labels)):
                    if text:
                        found.setdefault(str(text).strip(), col.key)
            headers[form.key] = found
        id_texts = frozenset(t for form in forms for t, k in headers[form.key].items()
                             if k == form.columns[form.id_index].key)
        return cls(headers, id_texts)


def _pick_unit_sheet(raw: RawReturn, wb, labels: Labels, words: Words) -> Optional[str]:
    """The unit's sheet: named in the metadata, else the one visible sheet with a form header."""
    if raw.meta is not None:
        expected = SheetNamer(fixed_sheet_names(labels)).name(raw.meta.unit_name)
        if expected in raw.sheet_names:
            return expected
    fixed = {*fixed_sheet_names(labels), META_SHEET}
    id_col = FORMS[0].id_index
    for name in raw.sheet_names:
        if name in fixed:
            continue
        grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=200)
        if any(len(row) > id_col and str(row[id_col]).strip() in words.id_texts for row in grid):
            return name
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _read_unit_grid(raw: RawReturn, grid: list[list[Any]], words: Words, all_forms: tuple[Form, ...] = FORMS,
                    facts: Optional[SheetFacts] = None) -> None:
    """The header block, then each section: a header row (its id cell holds the id column's header)
    and the item rows under it until a blank row. A row with values in it but no id is kept as a
    stray row (reported: someone inserted a row or typed beside the table)."""
    formulas, errors = (facts.formulas, facts.errors) if facts else ({}, {})
    percents = facts.percent_cells if facts else set()

    def cell(value: Any, ref: str) -> Cell:
        if ref in formulas or ref in errors or ref in percents:
            return Cell(value, ref, formulas.get(ref), errors.get(ref), ref in percents)
        return Cell(value, ref)

    for f in HEADER_FIELDS:
        r, c = LAYOUT.header_row(f.key), LAYOUT.value_col
        value = grid[r][c] if r < len(grid) and c < len(grid[r]) else ""
        raw.header[f.key] = cell(value, a1(r, c))
    forms = {f.key: f for f in all_forms}
    id_col = all_forms[0].id_index
    section: Optional[Section] = None
    for r, row in enumerate(grid):
        first = _text(row[id_col]) if len(row) > id_col else ""
        if first in words.id_texts:
            section = _match_header(forms, words, r, row)
            raw.sections.append(section)
            continue
        if section is None:
            continue
        if all(_text(v) == "" for v in row):
            section = None  # a blank row ends a section
            continue
        form = forms[section.form]
        values = {key: cell(row[c] if c < len(row) else "", a1(r, c)) for key, c in section.columns.items()}
        if first:
            raw.rows.append(RawRow(item_id=first, form=form.key, row=r, values=values))
        else:
            raw.stray_rows.append(Cell(r, a1(r, form.id_index)))


def _match_header(forms: dict[str, Form], words: Words, r: int, row: list[Any]) -> Section:
    """Which form a header row belongs to (the one whose headers it holds most of) and where each
    of its columns is, by key."""
    found = [_text(v) for v in row]
    best = max(forms, key=lambda k: sum(1 for t in found if t in words.headers[k]))
    form, texts = forms[best], words.headers[best]
    columns: dict[str, int] = {}
    for c, text in enumerate(found):
        key = texts.get(text)
        if key is not None and key not in columns:
            columns[key] = c
    missing = [col.key for col in form.columns if col.key not in columns and not col.last]
    unexpected = [t for t in found if t and t not in texts]
    return Section(form=best, header_row=r, columns=columns, missing=missing, unexpected=unexpected)


def count_filled_inputs(path: str | Path, labels: Labels) -> int:
    """How many input cells hold a value in a return or master workbook (unit sheets, the master's
    indicator sheets and its 待分配 sheet), so that generate never replaces someone's work."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    check_container(path)
    wb = CalamineWorkbook.from_path(str(path))
    fixed = set(fixed_sheet_names(labels))
    no_inputs = {labels[f"sheets.{k}"] for k in ("instructions", "summary", "matrix", "calc", "meta")}
    all_forms = (*FORMS, MASTER_INDICATOR_FORM, UNASSIGNED_FORM)
    words = Words.of(None, labels, all_forms)
    inputs = {f.key: {c.key for c in f.inputs} for f in all_forms}
    filled = 0
    for name in wb.sheet_names:
        if name in no_inputs:
            continue
        probe = RawReturn(path=str(path))
        _read_unit_grid(probe, wb.get_sheet_by_name(name).to_python(skip_empty_area=False), words, all_forms)
        if not probe.sections:
            continue
        if name not in fixed:  # a unit sheet has a header block
            filled += sum(1 for f in HEADER_FIELDS if f.input and _text(probe.header[f.key].value))
        filled += sum(1 for row in probe.rows for key, cell in row.values.items()
                      if key in inputs[row.form] and _text(cell.value))
    return filled
