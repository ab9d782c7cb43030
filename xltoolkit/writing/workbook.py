"""Workbook plumbing shared by every writer: safe options, page setup, protection, metadata, naming."""

from __future__ import annotations

from typing import Optional

from ..labels import Labels
from ..metadata import PROPERTY_PREFIX, VOCABULARY_KEY, ReturnMeta
from .styles import Styles

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


def setup_print(ws, labels: Labels, *, header_rows: Optional[tuple[int, int]] = None, landscape: bool = True) -> None:
    """A4, landscape, fit to one page wide, header rows repeated, footer 第 &P 页 共 &N 页."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    ws.set_footer("&C" + labels["return_sheet.footer"])


def write_title(ws, styles: Styles, text: str, last_col: int, *, row: int = 0, height: float = 36,
                subtitle: Optional[str] = None) -> None:
    """A sheet title (and optional subtitle) merged across columns A..last_col."""
    ws.merge_range(row, 0, row, max(last_col, 1), text, styles.title)
    ws.set_row(row, height)
    if subtitle is not None:
        ws.merge_range(row + 1, 0, row + 1, max(last_col, 1), subtitle, styles.subtitle)


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
