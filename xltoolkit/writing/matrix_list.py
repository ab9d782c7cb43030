"""The responsibility matrix as a list, for plans far beyond a district.

The grid (one row per item, one column per unit, master.py) has units × items cells: 2,000 for the
district plan, 1.5 million for a 600-unit city plan (15 s of the master's 20 s), 100 million for
10,000 units and 10,000 tasks (more columns than Excel's 16,384, and hours to write). Above `GRID_MAX_CELLS` cells, or more units than fit in
columns, the master's 责任矩阵 sheet is written as one row per (item, unit, role) instead: the
same facts, filterable, in time linear in the assignments. `generate` says so (MATRIX_AS_LIST).
"""

from __future__ import annotations

from typing import Optional

from ..labels import Labels
from ..model import Plan, Unit
from .styles import Styles
from .workbook import protect, quote_sheet, setup_print, write_title

GRID_MAX_CELLS = 250_000  # units × items (master.STREAM_MATRIX_CELLS): every district plan keeps the grid
GRID_MAX_UNITS = 16_000  # Excel has 16,384 columns


def matrix_as_list(plan: Plan, units: list[Unit]) -> bool:
    """Whether the matrix of `plan` is written as a list rather than a grid."""
    items = len(plan.indicators) + len(plan.tasks)
    return len(units) * items > GRID_MAX_CELLS or len(units) > GRID_MAX_UNITS


def write_matrix_list(workbook, styles: Styles, labels: Labels, plan: Plan, units: list[Unit],
                      names: dict[str, str], password: Optional[str]) -> None:
    """The 责任矩阵 sheet as a list: 编号, 事项, 分组 (chapter or 主要指标), 单位 (a link to its tab),
    角色 (牵头/责任), one row per assignment, in plan order (leads first within an item)."""
    ws = workbook.add_worksheet(labels["sheets.matrix"])
    write_title(ws, styles, labels.fmt("matrix.title", plan=plan.title), 4, subtitle=labels["matrix.list_legend"])
    header = 2
    for col, key in enumerate(("columns.id", "matrix.item", "matrix.list_group", "matrix.list_unit", "columns.role")):
        ws.write_string(header, col, labels[key], styles.header)
    ws.set_column(0, 0, 9)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 2, 22)
    ws.set_column(3, 3, 24)
    ws.set_column(4, 4, 8)
    lead, responsible = labels["role.lead"], labels["role.responsible"]
    reporting = {u.name for u in units}
    groups = [(labels["matrix.indicators_group"], [(i.id, i.name, i) for i in plan.indicators])]
    groups += [(c.title, [(t.id, t.title, t) for t in c.tasks]) for c in plan.chapters]
    row = header + 1
    for group, items in groups:
        for ident, name, item in items:
            for unit_name, role in [*((u, lead) for u in item.lead_units),
                                    *((u, responsible) for u in item.responsible_units)]:
                ws.write_string(row, 0, ident, styles.center)
                ws.write_string(row, 1, name, styles.text)
                ws.write_string(row, 2, group, styles.text)
                if unit_name in reporting and unit_name in names:
                    ws.write_url(row, 3, f"internal:{quote_sheet(names[unit_name])}!A1", styles.text,
                                 string=unit_name)
                else:
                    ws.write_string(row, 3, unit_name, styles.text)
                ws.write_string(row, 4, role, styles.center)
                row += 1
    ws.freeze_panes(header + 1, 2)
    ws.autofilter(header, 0, max(row - 1, header), 4)
    setup_print(ws, labels, header_rows=(header, header))
    protect(ws, password)
