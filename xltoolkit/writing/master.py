"""The master workbook: instructions, live summary, responsibility matrix, indicator sheets,
unassigned items and one tab per unit (the office's view of every unit's form; units fill in
their own returns, which `merge` reads: a filled master is recognized and skipped, not merged).

Every formula is written with its computed value, because LibreOffice shows the cached value of an
xlsx formula as is and XlsxWriter's default cached value is 0.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Optional

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from ..forms import MASTER_INDICATOR_FORM, TASK_FORM, UNASSIGNED_FORM
from ..labels import Labels
from ..metadata import ReturnMeta
from ..model import Indicator, IndicatorKind, Period, Plan, Unit
from .. import wording
from .instructions import write_instructions
from .styles import Styles
from .tables import header_height, row_height, write_table
from .unitsheet import UnitSheetRows, write_unit_sheet
from ..sheetnames import unit_sheet_names
from .workbook import new_workbook, protect, quote_sheet, save, setup_print, write_metadata, write_title


def write_master(path: str, plan: Plan, period: Period, meta: ReturnMeta, labels: Labels,
                 password: Optional[str] = None) -> None:
    units = plan.reporting_units
    workbook, styles = new_workbook(path, constant_memory=_stream_rows(plan, units))
    period_label = labels.period(period)
    names = unit_sheet_names(plan, labels)

    write_instructions(workbook, styles, labels, plan, period, password)
    summary_ws = workbook.add_worksheet(labels["sheets.summary"])  # filled once unit rows are known
    from .matrix_list import matrix_as_list, write_matrix_list

    (write_matrix_list if matrix_as_list(plan, units) else _write_matrix)(workbook, styles, labels, plan, units,
                                                                          names, password)
    for kind in (IndicatorKind.binding, IndicatorKind.expected):
        inds = [i for i in plan.indicators if i.kind is kind]
        if inds:
            _write_indicator_sheet(workbook, styles, labels, plan, kind, inds, period_label, password)
    if plan.unassigned_tasks or plan.unassigned_indicators:
        _write_unassigned(workbook, styles, labels, plan)
    unit_rows = [write_unit_sheet(workbook, styles, labels, plan, u, period_label, names[u.name], password)
                 for u in units]
    calc = _write_calc(workbook, styles, labels, plan, units, unit_rows)
    _write_summary(summary_ws, styles, labels, plan, units, period_label, calc, password)
    write_metadata(workbook, meta, labels, styles)
    workbook.set_properties({"title": plan.title, "subject": period_label, "author": "xltool"})
    save(workbook)


# Above this many responsibility-matrix cells (units x items; 1.5 million for a 600-unit city plan)
# the master is written in XlsxWriter's constant_memory mode: rows go to disk as they are written
# (every sheet here is written top to bottom) instead of being held in memory, at the price of
# one open temporary file per sheet until the workbook is closed. Below it (every district plan),
# the ordinary mode. Both give the same cells; constant_memory stores strings inline.
STREAM_MATRIX_CELLS = 250_000


def _stream_rows(plan: Plan, units: list[Unit]) -> bool:
    if len(units) * (len(plan.indicators) + len(plan.tasks)) < STREAM_MATRIX_CELLS:
        return False
    need = len(units) + 256  # one temporary file per sheet, plus headroom
    try:
        import resource
    except ImportError:  # Windows: the C runtime allows 8192 open files
        return need < 8000
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < need:
            if hard != resource.RLIM_INFINITY and hard < need:
                return False
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    except (ValueError, OSError):
        return False
    return True


MATRIX_WIDTHS = [8, 36]  # 编号, 事项; then one narrow column per unit and the count
UNIT_WIDTH = 3.2


@dataclass
class _MatrixLayout:
    """Where the responsibility matrix puts things: item ids and names in columns A-B, one column
    per unit from C, the row count after the last unit; the column header row under the title."""

    plan: Plan
    units: list[Unit]
    lead: str  # the mark of a lead unit (●)
    resp: str  # the mark of a responsible unit (○)
    header: int = 2
    first_unit_col: int = 2

    @property
    def count_col(self) -> int:
        return self.first_unit_col + len(self.units)

    @property
    def last_unit_col(self) -> int:
        return self.count_col - 1


def _write_matrix(workbook, styles: Styles, labels: Labels, plan: Plan, units: list[Unit],
                  names: dict[str, str], password: Optional[str]) -> None:
    """The 责任矩阵 sheet: every indicator and task x every unit (● lead, ○ responsible), the number
    of units per row and, below the table, the number of items each unit leads / is responsible for."""
    ws = workbook.add_worksheet(labels["sheets.matrix"])
    m = _MatrixLayout(plan, units, labels["matrix.lead_mark"], labels["matrix.responsible_mark"])
    _write_matrix_header(ws, styles, labels, plan, m, names)
    groups = _matrix_groups(labels, plan)
    row, item_rows = _write_matrix_items(ws, styles, m, groups)
    if units and item_rows:
        _write_matrix_unit_counts(ws, styles, labels, m, groups, row)
    ws.freeze_panes(m.header + 1, 2)
    ws.autofilter(m.header, 0, max(row - 1, m.header), m.count_col)
    setup_print(ws, labels, header_rows=(m.header, m.header),
                widths=MATRIX_WIDTHS + [UNIT_WIDTH] * (len(units) + 1), repeat_columns=(0, 1))
    protect(ws, password)


def _write_matrix_header(ws, styles: Styles, labels: Labels, plan: Plan, m: _MatrixLayout,
                         names: dict[str, str]) -> None:
    """Title, legend and the column headers: one vertical unit name per column, linked to its tab."""
    write_title(ws, styles, labels.fmt("matrix.title", plan=plan.title), m.count_col,
                subtitle=labels["matrix.legend"], width=sum(MATRIX_WIDTHS) + UNIT_WIDTH * (len(m.units) + 1))
    ws.write_string(m.header, 0, labels["columns.id"], styles.header)
    ws.write_string(m.header, 1, labels["matrix.item"], styles.header)
    for j, u in enumerate(m.units):
        link = f"internal:{quote_sheet(names[u.name])}!A1"
        ws.write_url(m.header, m.first_unit_col + j, link, styles.link_vertical, string=u.name, tip=u.name)
    ws.write_string(m.header, m.count_col, labels["matrix.row_count"], styles.header_vertical)
    ws.set_row(m.header, min(409, 12 * max((len(u.name) for u in m.units), default=4) + 10))
    ws.set_column(0, 0, MATRIX_WIDTHS[0])
    ws.set_column(1, 1, MATRIX_WIDTHS[1])
    ws.set_column(m.first_unit_col, m.count_col, UNIT_WIDTH)


def _matrix_groups(labels: Labels, plan: Plan) -> list[tuple[str, list]]:
    """The matrix's row groups: the indicators, then each chapter's tasks; (title, [(id, name, item)])."""
    groups: list[tuple[str, list]] = []
    if plan.indicators:
        groups.append((labels["matrix.indicators_group"], [(i.id, i.name, i) for i in plan.indicators]))
    groups += [(c.title, [(t.id, t.title, t) for t in c.tasks]) for c in plan.chapters]
    return groups


def _write_matrix_items(ws, styles: Styles, m: _MatrixLayout, groups: list[tuple[str, list]]) -> tuple[int, list[int]]:
    """A title row per group, then one row per item: its marks and a live count of its units.
    Returns the first row after the table and the item rows."""
    row = m.header + 1
    item_rows: list[int] = []
    unit_index = {u.name: j for j, u in enumerate(m.units)}
    for title, items in groups:
        if m.units:
            ws.merge_range(row, 0, row, m.count_col, title, styles.group)
        else:
            ws.write_string(row, 0, title, styles.group_line)
        row += 1
        for ident, name, item in items:
            ws.write_string(row, 0, ident, styles.center)
            ws.write_string(row, 1, name, styles.text)
            marks = {}
            for u, role, _ in m.plan.expanded(item):  # members of a collective are marked in its place
                marks[unit_index[u]] = m.lead if role == "lead" else m.resp
            for j in range(len(m.units)):
                ws.write_string(row, m.first_unit_col + j, marks.get(j, ""), styles.center)
            if m.units:
                rng = f"{xl_rowcol_to_cell(row, m.first_unit_col)}:{xl_rowcol_to_cell(row, m.last_unit_col)}"
                ws.write_formula(row, m.count_col, f'=COUNTIF({rng},"{m.lead}")+COUNTIF({rng},"{m.resp}")',
                                 styles.count, len(marks))
            item_rows.append(row)
            row += 1
    return row, item_rows


def _write_matrix_unit_counts(ws, styles: Styles, labels: Labels, m: _MatrixLayout,
                              groups: list[tuple[str, list]], row: int) -> None:
    """Below the table (from `row`): how many items each unit leads / is responsible for, as live
    COUNTIFs over its column with their computed values (one pass over the items)."""
    lead_counts: Counter = Counter()
    resp_counts: Counter = Counter()
    for _, items in groups:
        for _, _, it in items:
            lead_counts.update(u for u, role, _ in m.plan.expanded(it) if role == "lead")
            resp_counts.update(u for u, role, _ in m.plan.expanded(it) if role != "lead")
    for offset, (label_key, mark, counts) in enumerate((("matrix.unit_lead_count", m.lead, lead_counts),
                                                         ("matrix.unit_responsible_count", m.resp, resp_counts))):
        r = row + offset
        ws.write_string(r, 1, labels[label_key], styles.label)
        for j, u in enumerate(m.units):
            col = xl_col_to_name(m.first_unit_col + j)
            ws.write_formula(r, m.first_unit_col + j, f'=COUNTIF({col}{m.header + 2}:{col}{row},"{mark}")',
                             styles.count_bold, counts[u.name])


def _indicator_cells(ind: Indicator, labels: Labels) -> dict[str, str]:
    t = ind.target
    value = "" if t.value is None else (
        f"{wording.number(t.low)}–{wording.number(t.high)}" if isinstance(t.value, tuple) else wording.number(t.value))
    return {
        "id": ind.id, "name": ind.name, "target": t.text, "value": value, "unit": t.unit or "",
        "comparator": labels["comparator." + t.comparator.value],
        "direction": labels["direction." + t.direction.value],
        "deadline": str(t.deadline_year or ""),
        "lead_units": "、".join(ind.lead_units), "responsible_units": "、".join(ind.responsible_units),
    }


def _write_indicator_sheet(workbook, styles: Styles, labels: Labels, plan: Plan, kind: IndicatorKind,
                           inds: list[Indicator], period_label: str, password: Optional[str]) -> None:
    ws = workbook.add_worksheet(labels["sheets." + kind.value])
    form = MASTER_INDICATOR_FORM
    for i, col in enumerate(form.columns):
        ws.set_column(i, i, col.width)
    write_title(ws, styles, labels.fmt("indicator_sheet.title", plan=plan.title,
                                       kind=labels["indicator_kind." + kind.value], period=period_label),
                len(form.columns) - 1, width=sum(c.width for c in form.columns))
    write_table(ws, styles, labels, form, 2, [_indicator_cells(i, labels) for i in inds], {})
    ws.freeze_panes(3, 2)
    ws.autofilter(2, 0, 2 + len(inds), len(form.columns) - 1)
    setup_print(ws, labels, header_rows=(2, 2), widths=[c.width for c in form.columns])
    protect(ws, password)


def _write_unassigned(workbook, styles: Styles, labels: Labels, plan: Plan) -> None:
    ws = workbook.add_worksheet(labels["sheets.unassigned"])
    form = UNASSIGNED_FORM
    for i, col in enumerate(form.columns):
        ws.set_column(i, i, col.width)
    write_title(ws, styles, labels.fmt("unassigned_sheet.title", plan=plan.title), len(form.columns) - 1,
                subtitle=labels["unassigned_sheet.note"], width=sum(c.width for c in form.columns))
    items = [{"id": i.id, "kind": labels["unassigned_sheet.indicator"], "chapter": "", "title": i.name,
              "text": i.text or i.name, "targets": wording.target_line(i.target, labels)}
             for i in plan.unassigned_indicators]
    items += [{"id": t.id, "kind": labels["unassigned_sheet.task"], "chapter": plan.chapter_of(t.id).title,
               "title": t.title, "text": t.text,
               "targets": "\n".join(wording.target_line(x, labels) for x in t.targets)}
              for t in plan.unassigned_tasks]
    write_table(ws, styles, labels, form, 3, items, {})
    ws.freeze_panes(4, 1)
    ws.autofilter(3, 0, 3 + len(items), len(form.columns) - 1)
    setup_print(ws, labels, header_rows=(3, 3), widths=[c.width for c in form.columns])
    protect(ws, None)  # assignments are made in the plan workbook (xltool plan export), not here


@dataclass
class CalcRange:
    """The hidden helper sheet: one row per (unit, task) with the unit's status, for COUNTIFS."""

    sheet: str
    first: int  # first data row, 1-based
    last: int
    rows: list[tuple[str, str, str]]  # (unit id, chapter id, task id) per row

    def col(self, letter: str) -> str:
        return f"{quote_sheet(self.sheet)}!${letter}${self.first}:${letter}${max(self.last, self.first)}"


def _write_calc(workbook, styles: Styles, labels: Labels, plan: Plan, units: list[Unit],
                unit_rows: list[UnitSheetRows]) -> CalcRange:
    ws = workbook.add_worksheet(labels["sheets.calc"])
    ws.write_row(0, 0, ["unit_id", "chapter_id", "task_id", "status"])
    status_col = TASK_FORM.index("status")
    rows = []
    r = 1
    for u, placed in zip(units, unit_rows):
        for task_id, task_row in placed.task_rows.items():
            chapter = plan.chapter_of(task_id)
            ws.write_string(r, 0, u.id)
            ws.write_string(r, 1, chapter.id)
            ws.write_string(r, 2, task_id)
            ref = f"{quote_sheet(placed.sheet)}!{xl_rowcol_to_cell(task_row, status_col)}"
            ws.write_formula(r, 3, f"={ref}&\"\"", None, "")  # blank status -> "" (cached: unfilled)
            rows.append((u.id, chapter.id, task_id))
            r += 1
    ws.hide()
    ws.protect()
    return CalcRange(sheet=labels["sheets.calc"], first=2, last=r, rows=rows)


SUMMARY_NAME_WIDTH, SUMMARY_COUNT_WIDTH = 30, 9  # portrait A4, one page wide at 8 pt or more


def _write_summary(ws, styles: Styles, labels: Labels, plan: Plan, units: list[Unit], period_label: str,
                   calc: CalcRange, password: Optional[str]) -> None:
    """Counts by status per chapter and per unit, as COUNTIFS over the helper sheet.

    At generation every status is blank, so each status count is 0 and 未填 equals 合计.
    """
    statuses = TASK_FORM.column("status").choice_labels(labels)
    widths = [SUMMARY_NAME_WIDTH] + [SUMMARY_COUNT_WIDTH] * (len(statuses) + 2)
    write_title(ws, styles, labels.fmt("summary_sheet.title", plan=plan.title, period=period_label),
                len(statuses) + 2, subtitle=labels["summary_sheet.note"], width=sum(widths))
    ws.set_column(0, 0, SUMMARY_NAME_WIDTH)
    ws.set_column(1, len(statuses) + 2, SUMMARY_COUNT_WIDTH)
    row = 3
    chapter_rows = [(c.title, 1, c.id) for c in plan.chapters]
    totals = [Counter(rec[0] for rec in calc.rows), Counter(rec[1] for rec in calc.rows)]  # by unit id, chapter id
    unit_rows = [(u.name, 0, u.id) for u in units]
    for title_key, head_key, items in (("summary_sheet.by_chapter", "summary_sheet.chapter", chapter_rows),
                                       ("summary_sheet.by_unit", "summary_sheet.unit", unit_rows)):
        ws.write_string(row, 0, labels[title_key], styles.section)
        row += 1
        headers = [labels[head_key], *statuses, labels["summary_sheet.blank"], labels["summary_sheet.total"]]
        ws.write_row(row, 0, headers, styles.header)
        ws.set_row(row, header_height(list(zip(headers, widths))))
        row += 1
        for name, key_index, key in items:
            key_col = "AB"[key_index]
            total = totals[key_index][key]
            ws.write_string(row, 0, name, styles.text)
            height = row_height([(name, SUMMARY_NAME_WIDTH)])
            if height:
                ws.set_row(row, height)
            for j, status in enumerate(statuses):
                ws.write_formula(row, 1 + j, f'=COUNTIFS({calc.col(key_col)},"{key}",{calc.col("D")},"{status}")',
                                 styles.count, 0)
            first_status = xl_rowcol_to_cell(row, 1)
            last_status = xl_rowcol_to_cell(row, len(statuses))
            total_cell = xl_rowcol_to_cell(row, len(statuses) + 2)
            ws.write_formula(row, len(statuses) + 1, f"={total_cell}-SUM({first_status}:{last_status})",
                             styles.count, total)
            ws.write_formula(row, len(statuses) + 2, f'=COUNTIF({calc.col(key_col)},"{key}")',
                             styles.count_bold, total)
            row += 1
        row += 1
    setup_print(ws, labels, landscape=False, widths=widths)
    protect(ws, password)
