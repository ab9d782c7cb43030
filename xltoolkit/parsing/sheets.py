"""Division tables kept as spreadsheets: .xlsx (python-calamine, after container.py's checks) and .csv.

The first sheet is read unless a sheet is named (`--sheet`); merged ranges are expanded (tables.py).
Numbers that are whole print without '.0'; dates print as 2023年12月31日.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Optional

from ..problems import LabelText
from .tables import grid_from_values, table_lines
from .text import Line


class SheetError(ValueError):
    """A sheet that cannot be read: a parse error code and its detail (a LabelText, or the reader's
    message as it is)."""

    def __init__(self, code: str, detail: "str | LabelText" = ""):
        super().__init__(f"{code} {detail}")
        self.code = code
        self.detail = detail


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def xlsx_lines(path: Path, sheet: Optional[str] = None) -> list[Line]:
    """Lines of one sheet of a workbook that has passed container.inspect_container."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
        if not names:
            raise SheetError("SHEET_NOT_FOUND", LabelText("details.no_sheets"))
        if sheet is not None and sheet not in names:
            raise SheetError("SHEET_NOT_FOUND", LabelText("details.sheet_not_found", sheet=sheet,
                                                          sheets="、".join(names)))
        ws = book.get_sheet_by_name(sheet if sheet is not None else names[0])
        rows = [[_text(v) for v in row] for row in ws.to_python(skip_empty_area=False)]
        merged = []
        for (r1, c1), (r2, c2) in ws.merged_cell_ranges or []:
            merged.append((r1, c1, r2, c2))
    except SheetError:
        raise
    except Exception as exc:  # calamine raises its own error kinds for broken files
        raise SheetError("XLSX_UNREADABLE", f"{type(exc).__name__}: {exc}") from None
    offset = 0
    try:
        offset = ws.start[0] if ws.start else 0
    except Exception:  # pragma: no cover - older calamine
        offset = 0
    if offset:  # calamine's grid starts at the first used row; merged ranges count from row 0
        merged = [(r1 - offset, c1, r2 - offset, c2) for r1, c1, r2, c2 in merged]
    return table_lines(grid_from_values(rows, merged), lambda r: r + 1 + offset)


def csv_lines(text: str) -> list[Line]:
    """Lines of a .csv division table (comma, tab or semicolon separated)."""
    sample = text[:8192]
    delimiter = max(",\t;", key=sample.count) if any(d in sample for d in ",\t;") else ","
    csv.field_size_limit(1 << 24)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise SheetError("CSV_UNREADABLE", str(exc)) from None
    return table_lines(grid_from_values(rows), lambda r: r + 1)
