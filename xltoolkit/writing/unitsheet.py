"""One unit's sheet: header block, its indicators and its tasks, with input cells to fill in.

The same sheet is the only data tab of the unit's return workbook and one tab of the master workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..forms import (HEADER_FIELDS, INDICATOR_FORM, LAYOUT, SHEET_WIDTH, SHEET_WIDTH_LAST, TARGET_FORM, TASK_FORM,
                     ColumnType)
from ..labels import Labels
from ..model import Plan, Unit
from .. import wording
from .styles import Styles
from .tables import row_height, validate, write_table
from .workbook import keep_with_next, page_body_height, print_scale, protect, setup_print, write_title


@dataclass
class UnitSheetRows:
    """Where a unit sheet put things (0-based rows), for formulas that refer to it."""

    sheet: str
    indicator_rows: dict[str, int] = field(default_factory=dict)
    task_rows: dict[str, int] = field(default_factory=dict)
    target_rows: dict[str, int] = field(default_factory=dict)


def column_widths(with_last: bool = False) -> list[float]:
    widths = [0.0] * (SHEET_WIDTH_LAST if with_last else SHEET_WIDTH)
    for form in (INDICATOR_FORM, TASK_FORM, TARGET_FORM):
        for i, col in enumerate(form.shown(with_last).columns):
            widths[i] = max(widths[i], col.width)
    return widths


WIDTHS = column_widths()
WIDTHS_LAST = column_widths(True)
HEADER_FIELD_HEIGHT = 30  # a header block row: two lines
SECTION_HEIGHT = 20  # a section title (12 pt)


def write_unit_sheet(workbook, styles: Styles, labels: Labels, plan: Plan, unit: Unit, period_label: str,
                     sheet_name: str, password: Optional[str] = None, last: Optional[dict] = None,
                     prefill: Optional[dict] = None, last_period: str = "") -> UnitSheetRows:
    """Write a unit's sheet and return where its items are.

    `last`: the 上期 cells by item id (from the history database); given, the forms' 上期 columns
    are written. `prefill`: last period's answers by item id and input column key, typed into the
    input cells (the subtitle says so; `last_period` names that period)."""
    ws = workbook.add_worksheet(sheet_name)
    rows = UnitSheetRows(sheet=sheet_name)
    indicators, tasks = plan.items_for(unit.name)
    with_last = last is not None
    widths = WIDTHS_LAST if with_last else WIDTHS
    task_form, target_form = TASK_FORM.shown(with_last), TARGET_FORM.shown(with_last)
    last_col = len(widths) - 1
    last, prefill = last or {}, prefill or {}

    def cells(row: dict) -> dict:
        item = row.get("id", "")
        return {**row, **last.get(item, {}), **{f"input:{k}": v for k, v in prefill.get(item, {}).items()}}

    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    heights: dict[int, float] = {}  # row -> height, to place page breaks
    title_heights = write_title(ws, styles, labels.fmt("return_sheet.title", plan=plan.title, period=period_label),
                                last_col, row=LAYOUT.title_row,
                                subtitle=labels.fmt("return_sheet.subtitle", period=period_label)
                                + (labels.fmt("return_sheet.prefill_note", last=last_period) if prefill else ""),
                                width=sum(widths))
    heights.update(enumerate(title_heights, start=LAYOUT.title_row))
    heights.update(_write_header_block(ws, styles, labels, unit, widths))

    row = LAYOUT.first_section_row
    _section(ws, styles, row, labels.fmt("return_sheet.indicators_section", count=len(indicators)), heights)
    row += 1
    row = write_table(ws, styles, labels, INDICATOR_FORM, row,
                      [cells(wording.indicator_row(i, unit.name, labels, plan)) for i in indicators], rows.indicator_rows,
                      widths, heights)
    row += 1
    # Printed, a section's title, table header and first row stay on one page.
    keep: dict[int, int] = {}
    task_section = row
    _section(ws, styles, row, labels.fmt("return_sheet.tasks_section", count=len(tasks)), heights)
    row += 1
    task_header = row
    row = write_table(ws, styles, labels, task_form, row,
                      [cells(wording.task_row(plan, t, unit.name, labels)) for t in tasks], rows.task_rows, widths,
                      heights)
    keep[task_section] = min(task_header + 1, row - 1)
    if tasks:
        ws.autofilter(task_header, 0, task_header + len(tasks), len(task_form.columns) - 1)
    targets = plan.targets_for(unit.name)
    if targets:
        row += 1
        keep[row] = row + 2
        _section(ws, styles, row, labels.fmt("return_sheet.targets_section", count=len(targets)),
                 heights)
        row += 1
        target_header = row
        row = write_table(ws, styles, labels, target_form, row,
                          [cells(wording.target_row(t, x, labels)) for t, x in targets], rows.target_rows, widths,
                          heights)
        ws.write_comment(target_header, target_form.index("actual"), labels["return_sheet.target_actual_note"],
                         {"x_scale": 2, "y_scale": 1.2})

    ws.freeze_panes(LAYOUT.first_section_row, 1)
    # Printed, the tasks table is the long one (hundreds of characters per task): its header row
    # repeats on every page after the one it starts on (pages before it, with the header block and
    # the indicators, do not get it). The title is on page 1; the footer numbers the pages.
    setup_print(ws, labels, header_rows=(task_header, task_header) if tasks else None, widths=widths)
    breaks = keep_with_next(heights, row - 1, page_body_height(print_scale(widths)), keep,
                            task_header if tasks else None)
    if breaks:
        ws.set_h_pagebreaks(breaks)
    protect(ws, password)
    return rows


def _section(ws, styles: Styles, row: int, text: str, heights: dict[int, float]) -> None:
    ws.write_string(row, 0, text, styles.section)
    heights[row] = SECTION_HEIGHT
    ws.set_row(row, SECTION_HEIGHT)


def _write_header_block(ws, styles: Styles, labels: Labels, unit: Unit,
                        widths: list[float] = WIDTHS) -> dict[int, float]:
    """The header fields (unit, reporter, ...); returns their rows' heights."""
    heights = {}
    label_width, value_width = widths[LAYOUT.label_col], widths[LAYOUT.value_col]
    for f in HEADER_FIELDS:
        r = LAYOUT.header_row(f.key)
        ws.write_string(r, LAYOUT.label_col, labels[f.label], styles.label)
        # Tall enough for the label and the unit's name wrapped in these narrow columns, and for a
        # typed answer of two lines.
        shown = unit.name if not f.input else ""
        heights[r] = max(row_height([(labels[f.label], label_width), (shown, value_width)]) or 0, HEADER_FIELD_HEIGHT)
        ws.set_row(r, heights[r])
        if not f.input:
            ws.write_string(r, LAYOUT.value_col, unit.name, styles.text)
            continue
        fmt = styles.input_date if f.type is ColumnType.date else styles.input
        ws.write_blank(r, LAYOUT.value_col, None, fmt)
        validate(ws, labels, r, r, LAYOUT.value_col, f.type, f.max_length)
    return heights


