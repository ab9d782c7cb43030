"""Symbolic cell references for tests, resolved at run time from a generated (blank) return.

Tests name a cell by what it is — ``Ref("T2.1", "status")`` (an item's cell), ``HeaderRef("phone")``
(a header-block value), ``SectionHeader("tasks", "status")`` (a section's column header),
``Span(Ref(...), Ref(...))`` (a range) — never by its A1 address, so they survive a change of the
form's layout (a new section, a new column, moved header rows). `Cells` resolves them against the
blank return read with `read_return`, and cross-checks each against the forms' column indexes and
`LAYOUT`, so a reader that found the wrong column would fail here rather than agree with itself.

The workbook parts (the unit sheet's ``xl/worksheets/sheetN.xml``) are found from the workbook's
relationships, not assumed.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from xltoolkit.forms import FORMS_BY_KEY, LAYOUT
from xltoolkit.reading import RawReturn, a1


@dataclass(frozen=True)
class Ref:
    """The cell of item `item` (its id) in column `key` of its form (``id`` by default)."""

    item: str
    key: str = "id"


@dataclass(frozen=True)
class HeaderRef:
    """The value cell of a header-block field (``reporter``, ``phone`` …)."""

    key: str


@dataclass(frozen=True)
class SectionHeader:
    """The header-row cell of column `key` in section `form` (``indicators``, ``tasks``)."""

    form: str
    key: str = "id"


@dataclass(frozen=True)
class Span:
    """A rectangular range from one symbolic cell to another ("H18:I18")."""

    first: "Symbol"
    last: "Symbol"


Symbol = Union[Ref, HeaderRef, SectionHeader, Span]


def _row_col(ref: str) -> tuple[int, int]:
    """"C12" -> (11, 2), 0-based."""
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert m, ref
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


class Cells:
    """Resolves symbolic references against one blank return (its `RawReturn`)."""

    def __init__(self, raw: RawReturn):
        assert raw.unit_sheet, raw.path
        self.raw = raw
        self.rows = {r.item_id: r for r in raw.rows}
        self.sections = {s.form: s for s in raw.sections}

    def __call__(self, symbol: Optional[Symbol]) -> Optional[str]:
        """The A1 reference of `symbol` (None stays None)."""
        if symbol is None:
            return None
        if isinstance(symbol, Span):
            return f"{self(symbol.first)}:{self(symbol.last)}"
        r, c = self.row_col(symbol)
        return a1(r, c)

    def row_col(self, symbol: Symbol) -> tuple[int, int]:
        """0-based (row, column) of a single-cell symbol."""
        if isinstance(symbol, Ref):
            row = self.rows[symbol.item]
            col = FORMS_BY_KEY[row.form].index(symbol.key)
            assert row.values[symbol.key].ref == a1(row.row, col), (symbol, row.values[symbol.key].ref)
            return row.row, col
        if isinstance(symbol, HeaderRef):
            r, c = LAYOUT.header_row(symbol.key), LAYOUT.value_col
            assert self.raw.header[symbol.key].ref == a1(r, c), symbol
            return r, c
        if isinstance(symbol, SectionHeader):
            section = self.sections[symbol.form]
            col = FORMS_BY_KEY[symbol.form].index(symbol.key)
            assert section.columns[symbol.key] == col, symbol
            return section.header_row, col
        raise TypeError(symbol)

    def row(self, symbol: Symbol) -> int:
        """1-based sheet row of `symbol` (as openpyxl's insert_rows / delete_rows take it)."""
        return self.row_col(symbol)[0] + 1

    def col(self, symbol: Symbol) -> int:
        """1-based sheet column of `symbol`."""
        return self.row_col(symbol)[1] + 1

    def items(self, form: str) -> list[str]:
        """Ids of the items of section `form`, in sheet order."""
        return [r.item_id for r in sorted(self.raw.rows, key=lambda r: r.row) if r.form == form]

    @property
    def last_row(self) -> int:
        """1-based row of the sheet's last item row."""
        return max(r.row for r in self.raw.rows) + 1

    def resolve_cells(self, cells: dict) -> dict[str, object]:
        """{symbol or A1: value} -> {A1: value}."""
        return {(k if isinstance(k, str) else self(k)): v for k, v in cells.items()}


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationships of `part`: id -> (type's last word, target part name)."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    out = {}
    for m in re.finditer(rb"<Relationship\b[^>]*>", zf.read(rels_name)):
        attrs = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(0)))
        target = attrs[b"Target"].decode()
        full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[attrs[b"Id"].decode()] = (attrs[b"Type"].decode().rsplit("/", 1)[-1], full)
    return out


def workbook_part(path: Path) -> str:
    """The main workbook part (``xl/workbook.xml``), from the package's root relationships."""
    with zipfile.ZipFile(path) as zf:
        return next(t for kind, t in _rels(zf, "").values() if kind == "officeDocument")


def sheet_part(path: Path, sheet: str) -> str:
    """The part holding worksheet `sheet` (``xl/worksheets/sheet2.xml``), from the workbook's relationships."""
    from xml.sax.saxutils import escape

    book = workbook_part(path)
    with zipfile.ZipFile(path) as zf:
        rels = _rels(zf, book)
        xml = zf.read(book).decode("utf-8")
    for m in re.finditer(r"<sheet\b[^>]*/>", xml):
        tag = m.group(0)
        name = re.search(r'\bname="([^"]*)"', tag).group(1)
        if name == escape(sheet, {'"': "&quot;"}):
            rid = re.search(r'\br:id="([^"]*)"|\b\w+:id="([^"]*)"', tag)
            return rels[rid.group(1) or rid.group(2)][1]
    raise KeyError(sheet)


def custom_properties_part(path: Path) -> str:
    """The custom document properties part (``docProps/custom.xml``), from the root relationships."""
    with zipfile.ZipFile(path) as zf:
        return next(t for kind, t in _rels(zf, "").values() if kind == "custom-properties")
