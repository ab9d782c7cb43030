"""One unit's sheet: header block, its indicators and its tasks, with input cells to fill in.

The same sheet is the only data tab of the unit's return workbook and one tab of the master workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..forms import HEADER_FIELDS, INDICATOR_FORM, LAYOUT, SHEET_WIDTH, TARGET_FORM, TASK_FORM, ColumnType
from ..labels import Labels
from ..model import Plan, Unit
from .. import wording
from .styles import Styles
from .tables import validate, write_table
from .workbook import protect, setup_print, write_title



@dataclass
class UnitSheetRows:
    """Where a unit sheet put things (0-based rows), for formulas that refer to it."""

    sheet: str
    indicator_rows: dict[str, int] = field(default_factory=dict)
    task_rows: dict[str, int] = field(default_factory=dict)
    target_rows: dict[str, int] = field(default_factory=dict)


def column_widths() -> list[float]:
    widths = [0.0] * SHEET_WIDTH
    for form in (INDICATOR_FORM, TASK_FORM, TARGET_FORM):
        for i, col in enumerate(form.columns):
            widths[i] = max(widths[i], col.width)
    return widths


WIDTHS = column_widths()


def write_unit_sheet(workbook, styles: Styles, labels: Labels, plan: Plan, unit: Unit, period_label: str,
                     sheet_name: str, password: Optional[str] = None) -> UnitSheetRows:
    """Write a unit's sheet and return where its items are."""
    ws = workbook.add_worksheet(sheet_name)
    rows = UnitSheetRows(sheet=sheet_name)
    indicators, tasks = plan.items_for(unit.name)
    last_col = SHEET_WIDTH - 1

    for i, w in enumerate(WIDTHS):
        ws.set_column(i, i, w)
    write_title(ws, styles, labels.fmt("return_sheet.title", plan=plan.title, period=period_label), last_col,
                row=LAYOUT.title_row, subtitle=labels.fmt("return_sheet.subtitle", period=period_label))
    _write_header_block(ws, styles, labels, unit)

    row = LAYOUT.first_section_row
    ws.write_string(row, 0, labels.fmt("return_sheet.indicators_section", count=len(indicators)), styles.section)
    row += 1
    row = write_table(ws, styles, labels, INDICATOR_FORM, row,
                         [wording.indicator_row(i, unit.name, labels, plan) for i in indicators], rows.indicator_rows)
    row += 1
    ws.write_string(row, 0, labels.fmt("return_sheet.tasks_section", number="二", count=len(tasks)), styles.section)
    row += 1
    task_header = row
    row = write_table(ws, styles, labels, TASK_FORM, row,
                         [wording.task_row(plan, t, unit.name, labels) for t in tasks], rows.task_rows)
    if tasks:
        ws.autofilter(task_header, 0, task_header + len(tasks), len(TASK_FORM.columns) - 1)
    targets = plan.targets_for(unit.name)
    if targets:
        row += 1
        ws.write_string(row, 0, labels.fmt("return_sheet.targets_section", number="三", count=len(targets)),
                        styles.section)
        row += 1
        target_header = row
        row = write_table(ws, styles, labels, TARGET_FORM, row,
                          [wording.target_row(t, x, labels) for t, x in targets], rows.target_rows)
        ws.write_comment(target_header, TARGET_FORM.index("actual"), labels["return_sheet.target_actual_note"],
                         {"x_scale": 2, "y_scale": 1.2})

    ws.freeze_panes(LAYOUT.first_section_row, 1)
    setup_print(ws, labels, header_rows=(0, 1))
    protect(ws, password)
    return rows


def _write_header_block(ws, styles: Styles, labels: Labels, unit: Unit) -> None:
    for f in HEADER_FIELDS:
        r = LAYOUT.header_row(f.key)
        ws.write_string(r, LAYOUT.label_col, labels[f.label], styles.label)
        if not f.input:
            ws.write_string(r, LAYOUT.value_col, unit.name, styles.text)
            continue
        fmt = styles.input_date if f.type is ColumnType.date else styles.input
        ws.write_blank(r, LAYOUT.value_col, None, fmt)
        validate(ws, labels, r, r, LAYOUT.value_col, f.type, f.max_length)


