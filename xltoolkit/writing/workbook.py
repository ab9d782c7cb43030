"""Workbook plumbing shared by every writer: safe options, page setup, protection, metadata, naming."""

from __future__ import annotations

import math
from typing import Optional, Sequence

from ..labels import Labels
from ..metadata import PROPERTY_PREFIX, VOCABULARY_KEY, ReturnMeta
from .styles import TITLE_SIZE, Styles

# Text from plans and returns must stay text: never let XlsxWriter turn "=…" into a formula or
# "http://…" into a link (XlsxWriter's write() does both by default).
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def new_workbook(path: str, *, constant_memory: bool = False, in_memory: bool = True):
    """An XlsxWriter workbook with text-safe options, and its shared formats.

    `in_memory` (the default) assembles the file in memory instead of one temporary file per part:
    for workbooks of a few MB it is much faster; very large ones pass False (or constant_memory)."""
    import xlsxwriter

    options = dict(WORKBOOK_OPTIONS)
    if constant_memory:
        options["constant_memory"] = True
    elif in_memory:
        options["in_memory"] = True
    workbook = xlsxwriter.Workbook(path, options)
    return workbook, Styles(workbook)


def quote_sheet(name: str) -> str:
    """A sheet name as used in a formula or an internal link: 'name' with quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


# Printing. A4 (210 × 297 mm) with narrow side margins. LibreOffice lays a column of width w (Excel
# character units) out as 7·w + 5 pt at 100 % (Excel as 0.75 of that), so LibreOffice is the binding
# case. Every sheet prints at an explicit scale: the largest (up to 100 %) at which its columns fit
# one page wide, when that is at least MIN_PRINT_SCALE, so that 10 pt cell text prints at 8 pt or
# more; a wider sheet (the responsibility matrix) prints at MIN_PRINT_SCALE over several pages wide,
# its leading columns repeated. ("Fit to one page wide" is not used: LibreOffice then picks a scale
# that saves a page, a few percent below the fitting one, e.g. 79 % for a unit sheet fitting at 81 %.)
PAPER_A4 = 9
A4_SHORT, A4_LONG = 595.3, 841.9  # points
SIDE_MARGIN, TOP_MARGIN, BOTTOM_MARGIN = 0.25, 0.5, 0.6  # inches
MIN_PRINT_SCALE = 81  # percent: 10 pt cell text prints at 8.1 pt
PT_PER_WIDTH, PT_PER_COLUMN = 7.0, 5.0  # LibreOffice: column width w -> 7·w + 5 pt
DEFAULT_ROW_HEIGHT = 15


def page_body_height(scale: float, landscape: bool = True) -> float:
    """Height in sheet points that one printed page holds at `scale` percent (5 % kept spare)."""
    paper = A4_SHORT if landscape else A4_LONG
    return 0.95 * (paper - 72 * (TOP_MARGIN + BOTTOM_MARGIN)) * 100 / scale


def keep_with_next(heights: dict[int, float], last_row: int, page: float, groups: dict[int, int],
                   repeat_row: Optional[int] = None) -> list[int]:
    """Page breaks (rows that start a page) so that rows r..groups[r] (a section's title, table
    header and first item) are never split over two pages, from an estimate of where LibreOffice
    breaks pages: rows 0..last_row of the given heights (others DEFAULT_ROW_HEIGHT), the
    `repeat_row` printed again at the top of every page after its own."""
    breaks, used, repeat = [], 0.0, 0.0
    for r in range(last_row + 1):
        h = heights.get(r, DEFAULT_ROW_HEIGHT)
        need = sum(heights.get(x, DEFAULT_ROW_HEIGHT) for x in range(r, groups[r] + 1)) if r in groups else h
        if used > repeat and used + need > page:  # a new page: LibreOffice's own break, or ours
            if r in groups:
                breaks.append(r)
            used = repeat
        used += h
        if r == repeat_row:
            repeat = h
    return breaks


def printed_width(widths: Sequence[float]) -> float:
    """Width in points of columns of these widths at 100 % in LibreOffice (wider than Excel's)."""
    return sum(PT_PER_WIDTH * w + PT_PER_COLUMN for w in widths)


def printable_width(landscape: bool = True) -> float:
    return (A4_LONG if landscape else A4_SHORT) - 2 * 72 * SIDE_MARGIN


def print_scale(widths: Optional[Sequence[float]], landscape: bool = True) -> int:
    """The scale (percent) a sheet with these column widths prints at: the largest that fits it one
    page wide, at most 100; MIN_PRINT_SCALE when even that does not fit (several pages wide)."""
    if not widths:
        return 100
    fit = math.floor(100 * printable_width(landscape) / max(printed_width(widths), 1))
    return max(MIN_PRINT_SCALE, min(100, fit))


def fits_one_page_wide(widths: Optional[Sequence[float]], landscape: bool = True) -> bool:
    return not widths or printed_width(widths) * print_scale(widths, landscape) / 100 <= printable_width(landscape)


def setup_print(ws, labels: Labels, *, header_rows: Optional[tuple[int, int]] = None, landscape: bool = True,
                widths: Optional[Sequence[float]] = None, repeat_columns: Optional[tuple[int, int]] = None) -> None:
    """A4, landscape, at `print_scale(widths)`, header rows repeated, footer 第 &P 页 共 &N 页;
    `repeat_columns` on each page when the sheet runs over several pages wide."""
    ws.set_paper(PAPER_A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_print_scale(print_scale(widths, landscape))
    if repeat_columns is not None and not fits_one_page_wide(widths, landscape):
        ws.repeat_columns(*repeat_columns)
    ws.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN, top=TOP_MARGIN, bottom=BOTTOM_MARGIN)
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    ws.set_footer("&C" + labels["return_sheet.footer"])


def write_title(ws, styles: Styles, text: str, last_col: int, *, row: int = 0, height: float = 36,
                subtitle: Optional[str] = None, width: Optional[float] = None) -> list[float]:
    """A sheet title (and optional subtitle) merged across columns A..last_col. With `width` (the
    merged columns' total width) both rows are made tall enough for their wrapped text. Returns the
    rows' heights."""
    from .tables import row_height

    ws.merge_range(row, 0, row, max(last_col, 1), text, styles.title)
    if width is not None:
        height = max(height, (row_height([(text, width)], font_size=TITLE_SIZE) or 0) + 6)
    ws.set_row(row, height)
    if subtitle is None:
        return [height]
    ws.merge_range(row + 1, 0, row + 1, max(last_col, 1), subtitle, styles.subtitle)
    sub_height = row_height([(subtitle, width)]) if width is not None else None
    if sub_height:
        ws.set_row(row + 1, sub_height)
    return [height, sub_height or DEFAULT_ROW_HEIGHT]


def protect(ws, password: Optional[str]) -> None:
    """Lock everything but input cells; still allow sorting, filtering and resizing."""
    ws.protect(password or "", {
        "select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
        "format_rows": True, "sort": True, "autofilter": True,
    })


def write_metadata(workbook, meta: ReturnMeta, labels: Labels, styles: Styles,
                   vocabulary: Optional[dict] = None) -> None:
    """The hidden `_xltool` sheet plus custom document properties (both survive a re-save). The
    sheet also holds the forms' `vocabulary` (header and answer words by key) as JSON, so the reader
    maps them to keys whatever locale wrote the workbook."""
    import json

    ws = workbook.add_worksheet(labels["sheets.meta"])
    ws.write_string(0, 0, labels["meta.note"])
    rows = meta.as_rows()
    for r, (key, value) in enumerate(rows, start=1):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
        workbook.set_custom_property(PROPERTY_PREFIX + key, value)
    if vocabulary is not None:
        ws.write_string(len(rows) + 1, 0, VOCABULARY_KEY)
        ws.write_string(len(rows) + 1, 1, json.dumps(vocabulary, ensure_ascii=False, sort_keys=True))
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 40)
    ws.protect()
    ws.very_hidden()  # LibreOffice turns this into plain hidden, which is fine


def save(workbook) -> None:
    """Close (write) the workbook, turning XlsxWriter's file errors into OSError for the caller."""
    from xlsxwriter.exceptions import FileCreateError

    try:
        workbook.close()
    except FileCreateError as exc:
        raise OSError(str(exc)) from None
