"""The consolidated summary workbook: 总览, 报送情况, 任务进展, 指标完成, 问题清单, 明细.

Written with XlsxWriter and without a single formula: every count is a plain number, so LibreOffice
(which shows an xlsx formula's cached value as is) and the native charts that read those cells show
the right figures. Every text that came from a return goes through ``write_string`` and the workbook
is opened with text-safe options, so "=HYPERLINK(…)", "+1" or "@SUM(A1)" typed by a department stays
literal text. All words come from the label file (``summary_book.*``).

The workbook carries the hidden ``_xltool`` metadata with kind "summary", so a summary left among the
returns is recognized and skipped by ``merge`` instead of being read as a return.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from .. import FORM_VERSION, __version__, wording
from ..assessment import Assessment
from ..briefing import changes, unit_ranking
from ..evaluation import evaluates
from ..consolidation import SUBMISSION_KEYS, Consolidation, IndicatorSummary, Submission, TargetSummary, TaskSummary
from ..forms import STATUS_KEYS
from ..labels import Labels
from ..metadata import ReturnMeta
from ..model import Comparator, IndicatorKind, Period, UnitKind
from ..problems import Problem
from .styles import FONT, FONT_SIZE, Styles
from .tables import header_height, row_height
from .workbook import new_workbook, save, setup_print, write_metadata, write_title

MAX_CELL_CHARS = 32_000  # Excel's limit is 32,767 characters per cell
HEADER_ROW = 2  # table sheets: title (row 0), subtitle (row 1), column headers (row 2)

ASSESSMENT_KEYS = tuple(a.value for a in Assessment)
NOT_REPORTED = "not_reported"  # a task no deciding unit has reported on (status None)

GREEN, LIGHT_BLUE, YELLOW, RED, GREY, ORANGE = "#C6EFCE", "#DDEBF7", "#FFEB9C", "#FFC7CE", "#E7E6E6", "#F8CBAD"
ERROR_ROW_FILL = "#FCE4E4"
CELL_FILLS = {
    "submission": {"ok": GREEN, "problems": YELLOW, "duplicate": YELLOW, "rejected": RED, "empty": RED,
                   "missing": RED},
    "status": {"done": GREEN, "on_track": LIGHT_BLUE, "not_started": YELLOW, "lagging": RED, NOT_REPORTED: GREY},
    "assessment": {"achieved": GREEN, "ahead": GREEN, "on_track": LIGHT_BLUE, "behind": YELLOW, "overdue": RED,
                   "not_due": GREY, "no_data": GREY, "qualitative": GREY, "conflict": ORANGE},
}
CHART_COLORS = {
    "status": {"not_started": "#FFC000", "on_track": "#5B9BD5", "done": "#70AD47", "lagging": "#E04B4B",
               NOT_REPORTED: "#BFBFBF"},
    "submission": {"ok": "#70AD47", "problems": "#FFC000", "rejected": "#E04B4B", "duplicate": "#ED7D31",
                   "empty": "#C00000",
                   "missing": "#A6A6A6"},
}

Value = Union[str, int, float, None]


@dataclass
class Col:
    """A column of a table sheet: header text, width (character units) and cell kind."""

    header: str
    width: float
    kind: str = "text"  # "text", "center", "number" or "count"


@dataclass
class Book:
    """What every sheet writer needs: the workbook, its formats, the labels and the data."""

    workbook: Any
    styles: Styles
    labels: Labels
    c: Consolidation
    generated_at: str
    _formats: dict = field(default_factory=dict)
    earlier: Optional[dict] = None  # history.earlier_periods: the 趋势/变化 sheets and 上期 columns

    def t(self, key: str, **values: Any) -> str:
        """A summary_book label, formatted."""
        return self.labels.fmt("summary_book." + key, **values)

    def fill(self, color: Optional[str], align: str = "center", num_format: Optional[str] = None):
        """A bordered, wrapped cell format with a background colour (created once per workbook)."""
        key = (color, align, num_format)
        if key not in self._formats:
            props = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "top", "border": 1, "text_wrap": True,
                     "align": align}
            if color:
                props["bg_color"] = color
            if num_format:
                props["num_format"] = num_format
            self._formats[key] = self.workbook.add_format(props)
        return self._formats[key]

    def tinted(self, group: str, key: str):
        return self.fill(CELL_FILLS[group].get(key))

    @property
    def period_label(self) -> str:
        return self.labels.period(self.c.period)

    @functools.cached_property
    def lights(self) -> dict[tuple[str, str], str]:
        """This period's lights (lights.period_lights, from the previous recorded period's)."""
        from ..lights import period_lights

        return period_lights(self.c, ((self.earlier or {}).get("previous") or {}).get("results"))


# Small helpers ----------------------------------------------------------------------------------


def clip(text: str) -> str:
    """Text cut to what a cell can hold."""
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


def put(ws, row: int, col: int, value: Value, fmt) -> None:
    """Write one cell by type: text always as a string (never a formula or link), numbers as numbers."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws.write_string(row, col, clip(value), fmt)
    elif not math.isfinite(value):  # "1e400" typed as text parses to inf; a cell cannot hold it
        ws.write_string(row, col, str(value), fmt)
    else:
        ws.write_number(row, col, value, fmt)


def put_merged(ws, row: int, first_col: int, last_col: int, value: Value, fmt) -> None:
    """A merged range whose content is written with `put` (merge_range alone would use `write`)."""
    if last_col > first_col:
        ws.merge_range(row, first_col, row, last_col, "", fmt)
    put(ws, row, first_col, value, fmt)


def problem_text(p: Problem, labels: Labels) -> str:
    """A problem's message without its location, where the place is shown apart (columns, a cell
    comment). Messages about a whole file keep the location: the file is their subject."""
    return p.text(labels) if p.sheet else p.message(labels)


def status_key(status: Optional[str]) -> str:
    """A task's status key for counting and colouring: None (no deciding unit reported) -> NOT_REPORTED."""
    return status or NOT_REPORTED


def _status_label(book: Book, key: str) -> str:
    return book.t("not_reported") if key == NOT_REPORTED else book.labels["status." + key]


def _role(book: Book, role: str) -> str:
    return book.labels["role." + role] if role in ("lead", "responsible") else ""


def _who(book: Book, unit: str, role: str) -> str:
    r = _role(book, role)
    return book.t("role_unit", unit=unit, role=r) if r else unit


def _unit_lines(book: Book, reports: list, attr: str) -> str:
    """ "单位：text" lines for the reports whose `attr` text is not empty."""
    return "\n".join(book.t("unit_line", unit=r.unit, text=getattr(r, attr)) for r in reports if getattr(r, attr))


KIND_FORMATS = {"text": ("left", None), "center": ("center", None), "number": ("center", "0.####"),
                "count": ("center", "0")}


def _cell_format(book: Book, kind: str, color: Optional[str] = None):
    """The format of a table cell of this kind, on a coloured background when `color` is set."""
    if color is None:
        s = book.styles
        return {"text": s.text, "center": s.center, "number": s.number, "count": s.count}[kind]
    align, num_format = KIND_FORMATS[kind]
    return book.fill(color, align=align, num_format=num_format)


def _write_rows(ws, book: Book, cols: list[Col], first_row: int, rows: list[list[Any]],
                row_colors: Optional[list[Optional[str]]] = None) -> int:
    """Data rows under a header; a cell is a value or (value, format); `row_colors` tints whole rows.

    Returns the next free row. Row heights are estimated from the wrapped text."""
    for n, values in enumerate(rows):
        r = first_row + n
        color = row_colors[n] if row_colors else None
        texts = []
        for j, (col, cell) in enumerate(zip(cols, values)):
            value, fmt = cell if isinstance(cell, tuple) else (cell, None)
            put(ws, r, j, value, fmt or _cell_format(book, col.kind, color))
            if isinstance(value, str):
                texts.append((value, col.width))
        height = row_height(texts)
        if height:
            ws.set_row(r, height)
    return first_row + len(rows)


def _table_sheet(book: Book, sheet_key: str, cols: list[Col], rows: list[list[Any]],
                 row_colors: Optional[list[Optional[str]]] = None, *, title: bool = True, freeze_cols: int = 1):
    """A sheet holding one table: optional title rows, header, rows; frozen, filterable, printable."""
    ws = book.workbook.add_worksheet(book.t("sheets." + sheet_key))
    header = HEADER_ROW if title else 0
    for j, col in enumerate(cols):
        ws.set_column(j, j, col.width)
    if title:
        write_title(ws, book.styles, book.t("sheet_title", plan=book.c.plan.title, period=book.period_label,
                                            sheet=book.t("sheets." + sheet_key)),
                    len(cols) - 1, height=28, subtitle=book.t("subtitle", **_subtitle_values(book)),
                    width=sum(col.width for col in cols))
    for j, col in enumerate(cols):
        ws.write_string(header, j, col.header, book.styles.header)
    ws.set_row(header, header_height([(col.header, col.width) for col in cols]))
    last = _write_rows(ws, book, cols, header + 1, rows, row_colors) - 1
    ws.freeze_panes(header + 1, freeze_cols)
    ws.autofilter(header, 0, max(last, header), len(cols) - 1)
    setup_print(ws, book.labels, header_rows=(header, header), widths=[col.width for col in cols])
    return ws


def _subtitle_values(book: Book) -> dict[str, Any]:
    start, end = book.c.period.start, book.c.period.end
    unidentified = book.c.unidentified_files
    return {"period": book.period_label, "start": start.isoformat(), "end": end.isoformat(),
            "generated_at": book.generated_at, "files": len(book.c.results), "unidentified": unidentified}


# Entry point ------------------------------------------------------------------------------------


def write_summary(path: str, c: Consolidation, labels: Labels, generated_at: str,
                  earlier: Optional[dict] = None) -> None:
    """Write the consolidated summary workbook for `c` to `path` (the caller renames it into place)."""
    from ..plans import fingerprint

    workbook, styles = new_workbook(path)
    book = Book(workbook, styles, labels, c, generated_at, earlier=earlier)
    write_overview(book)
    write_submissions(book)
    write_tasks(book)
    write_indicators(book)
    write_targets(book)
    write_problems(book)
    if earlier is not None:
        write_trends(book)
        write_changes(book)
    if evaluates(c):
        write_evaluation(book)
    write_detail(book)
    meta = ReturnMeta(plan_id=c.plan.id, plan_fingerprint=fingerprint(c.plan), unit_id="*", unit_name="*",
                      period=c.period.code, form_version=FORM_VERSION, tool_version=__version__,
                      generated_at=generated_at, kind="summary")
    write_metadata(workbook, meta, labels, styles)
    workbook.worksheets()[0].activate()
    workbook.set_properties({"title": book.t("title", plan=c.plan.title, period=book.period_label),
                             "subject": book.period_label, "author": "xltool"})
    save(workbook)


# 总览 -------------------------------------------------------------------------------------------

OVERVIEW_WIDTHS = [9, 30] + [9] * 10  # A: 编号, B: names, C..L: counts
PX_PER_ROW = 20  # default row height (15 pt) in pixels
CHART_FONT_SIZE = 10  # printed at the overview's scale (about 84 %): 8.4 pt


def _col_px(width: float) -> int:
    return int(width * 7 + 5)


def write_overview(book: Book) -> None:
    """总览: title, key counts by unit kind / chapter / indicator kind, two charts, lagging tasks."""
    ws = book.workbook.add_worksheet(book.t("sheets.overview"))
    for j, w in enumerate(OVERVIEW_WIDTHS):
        ws.set_column(j, j, w)
    last_col = len(OVERVIEW_WIDTHS) - 1
    write_title(ws, book.styles, book.t("title", plan=book.c.plan.title, period=book.period_label), last_col,
                subtitle=book.t("subtitle", **_subtitle_values(book)), width=sum(OVERVIEW_WIDTHS))
    row = 3
    sub_pos, row = _overview_submissions(ws, book, row)
    task_pos, row = _overview_tasks(ws, book, row + 1)
    row = _overview_indicators(ws, book, row + 1)
    row = _overview_charts(ws, book, row + 1, sub_pos, task_pos)
    row = _overview_lagging(ws, book, row + 1)
    _overview_ranking(ws, book, row + 1)
    setup_print(ws, book.labels, widths=OVERVIEW_WIDTHS)


def _count_header(ws, book: Book, row: int, first: str, headers: list[str]) -> None:
    put_merged(ws, row, 0, 1, first, book.styles.header)
    for j, h in enumerate(headers):
        ws.write_string(row, 2 + j, h, book.styles.header)
    ws.set_row(row, header_height([(first, OVERVIEW_WIDTHS[0] + OVERVIEW_WIDTHS[1]),
                                   *[(h, OVERVIEW_WIDTHS[2 + j]) for j, h in enumerate(headers)]]))


def _count_row(ws, book: Book, row: int, name: str, counts: list[int], bold: bool = False) -> None:
    put_merged(ws, row, 0, 1, name, book.styles.label if bold else book.styles.text)
    fmt = book.styles.count_bold if bold else book.styles.count
    for j, n in enumerate(counts):
        ws.write_number(row, 2 + j, n, fmt)


def _overview_submissions(ws, book: Book, row: int) -> tuple[tuple[int, int, int], int]:
    """Units by kind and submission status, plus errors/warnings. Returns ((header, total row, first col), next row)."""
    c, labels = book.c, book.labels
    ws.write_string(row, 0, book.t("overview.submissions_section"), book.styles.section)
    headers = [book.t("overview.expected"), *[labels["submission." + k] for k in SUBMISSION_KEYS],
               book.t("overview.errors"), book.t("overview.warnings")]
    _count_header(ws, book, row + 1, book.t("overview.unit_kind"), headers)
    kind_of = {u.name: u.kind.value for u in c.plan.units}
    problems = Counter((kind_of.get(p.unit) if p.unit else None, p.severity.value) for p in c.problems)
    r = row + 2
    for kind in UnitKind:
        subs = [s for s in c.submissions if s.unit.kind is kind]
        if not subs:
            continue
        st = Counter(s.status for s in subs)
        _count_row(ws, book, r, labels["unit_kind." + kind.value],
                   [len(subs), *[st[k] for k in SUBMISSION_KEYS],
                    problems[(kind.value, "error")], problems[(kind.value, "warning")]])
        r += 1
    if problems[(None, "error")] or problems[(None, "warning")]:
        _count_row(ws, book, r, book.t("unidentified_files"),
                   [0] * (1 + len(SUBMISSION_KEYS)) + [problems[(None, "error")], problems[(None, "warning")]])
        r += 1
    totals = c.submission_counts()
    _count_row(ws, book, r, book.t("total"),
               [len(c.submissions), *[totals.get(k, 0) for k in SUBMISSION_KEYS], c.errors, c.warnings], bold=True)
    return (row + 1, r, 3), r + 1


def _task_counts(book: Book, tasks: list[TaskSummary]) -> tuple[Counter, int]:
    counts = Counter(status_key(t.status) for t in tasks)
    return counts, sum(1 for t in tasks if t.disagreement)


def _overview_tasks(ws, book: Book, row: int) -> tuple[tuple[int, int, int], int]:
    """Tasks by chapter and status (incl. 未报送). Returns ((header row, first, last data row), next row)."""
    keys = [*STATUS_KEYS, NOT_REPORTED]
    ws.write_string(row, 0, book.t("overview.tasks_section"), book.styles.section)
    _count_header(ws, book, row + 1, book.t("overview.chapter"),
                  [*[_status_label(book, k) for k in keys], book.t("total"), book.t("overview.disagreement")])
    r = row + 2
    first = r
    for chapter in book.c.plan.chapters:
        tasks = [t for t in book.c.tasks if t.chapter_id == chapter.id]
        counts, disagree = _task_counts(book, tasks)
        _count_row(ws, book, r, chapter.title, [*[counts[k] for k in keys], len(tasks), disagree])
        r += 1
    counts, disagree = _task_counts(book, book.c.tasks)
    _count_row(ws, book, r, book.t("total"), [*[counts[k] for k in keys], len(book.c.tasks), disagree], bold=True)
    return (row + 1, first, r - 1), r + 1


def _overview_indicators(ws, book: Book, row: int) -> int:
    """Indicators by kind, and task targets, by assessment against their pace (序时进度)."""
    labels = book.labels
    ws.write_string(row, 0, book.t("overview.indicators_section"), book.styles.section)
    _count_header(ws, book, row + 1, book.t("overview.indicator_kind"),
                  [*[labels["assessment." + k] for k in ASSESSMENT_KEYS], book.t("total")])
    r = row + 2
    groups = [(labels["indicator_kind." + kind.value], [i for i in book.c.indicators if i.indicator.kind is kind])
              for kind in IndicatorKind]
    groups.append((book.t("overview.indicators_all"), list(book.c.indicators)))
    groups.append((book.t("overview.task_targets"), list(book.c.targets)))
    for n, (name, items) in enumerate(groups):
        if not items and n < len(groups) - 2:
            continue
        counts = Counter(i.assessment for i in items)
        _count_row(ws, book, r, name, [*[counts[k] for k in ASSESSMENT_KEYS], len(items)], bold=n >= len(groups) - 2)
        r += 1
    return r


def _overview_charts(ws, book: Book, row: int, sub_pos: tuple[int, int, int],
                     task_pos: tuple[int, int, int]) -> int:
    """A stacked column chart of task status by chapter and a column chart of submission status.

    Both read the count cells above, which hold plain numbers (no formulas: see the module docstring).
    """
    ws.write_string(row, 0, book.t("overview.charts_section"), book.styles.section)
    ws.set_h_pagebreaks([row])  # print the charts (and what follows) on a page of their own
    top = row + 1
    height = 340
    left_px = sum(_col_px(w) for w in OVERVIEW_WIDTHS[:6])
    right_px = sum(_col_px(w) for w in OVERVIEW_WIDTHS[6:])
    name = book.t("sheets.overview")
    header, first, last = task_pos
    if last >= first:
        chart = book.workbook.add_chart({"type": "column", "subtype": "stacked"})
        for j, key in enumerate([*STATUS_KEYS, NOT_REPORTED]):
            col = 2 + j
            chart.add_series({"name": [name, header, col], "categories": [name, first, 0, last, 0],
                              "values": [name, first, col, last, col], "gap": 60,
                              "fill": {"color": CHART_COLORS["status"][key]}, "border": {"none": True}})
        _style_chart(chart, book.t("overview.task_chart_title"))
        chart.set_legend({"position": "bottom", "font": {"name": FONT, "size": CHART_FONT_SIZE}})
        chart.set_size({"width": left_px - 10, "height": height})
        ws.insert_chart(top, 0, chart, {"x_offset": 2, "y_offset": 4, "object_position": 3})
    header, total_row, first_col = sub_pos
    last_col = first_col + len(SUBMISSION_KEYS) - 1
    chart = book.workbook.add_chart({"type": "column"})
    chart.add_series({"name": book.t("overview.submission_chart_title"),
                      "categories": [name, header, first_col, header, last_col],
                      "values": [name, total_row, first_col, total_row, last_col], "gap": 60,
                      "points": [{"fill": {"color": CHART_COLORS["submission"][k]}, "border": {"none": True}}
                                 for k in SUBMISSION_KEYS],
                      "data_labels": {"value": True, "font": {"name": FONT, "size": CHART_FONT_SIZE}}})
    _style_chart(chart, book.t("overview.submission_chart_title"))
    chart.set_legend({"none": True})
    chart.set_size({"width": right_px - 6, "height": height})
    ws.insert_chart(top, 6, chart, {"x_offset": 2, "y_offset": 4, "object_position": 3})
    return top + height // PX_PER_ROW + 1


def _style_chart(chart, title: str) -> None:
    """Title, horizontal category labels (they wrap instead of turning sideways), light gridlines."""
    font = {"name": FONT, "size": CHART_FONT_SIZE}
    chart.set_title({"name": title, "name_font": {"name": FONT, "size": CHART_FONT_SIZE + 2, "bold": True}})
    chart.set_x_axis({"num_font": {**font, "rotation": 0}})
    chart.set_y_axis({"num_font": font, "min": 0, "num_format": "0",
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_chartarea({"border": {"color": "#BFBFBF"}})


def _overview_lagging(ws, book: Book, row: int) -> None:
    """Tasks whose status is 滞后: id, title, lead units, the problems their deciding units reported."""
    lagging = [t for t in book.c.tasks if status_key(t.status) == "lagging"]
    ws.write_string(row, 0, book.t("overview.lagging_section", count=len(lagging)), book.styles.section)
    if not lagging:
        ws.write_string(row + 1, 0, book.t("overview.lagging_none"), book.styles.plain)
        return row + 2
    s, labels = book.styles, book.labels
    h = row + 1
    ws.write_string(h, 0, labels["columns.id"], s.header)
    ws.write_string(h, 1, labels["columns.task_title"], s.header)
    put_merged(ws, h, 2, 3, labels["columns.lead_units"], s.header)
    put_merged(ws, h, 4, 9, labels["columns.problems"], s.header)
    for n, t in enumerate(lagging, start=1):
        r = h + n
        deciding = set(t.deciding_units)
        problems = _unit_lines(book, [x for x in t.reports if x.unit in deciding], "problems")
        units = "、".join(t.deciding_units)
        put(ws, r, 0, t.task.id, s.center)
        put(ws, r, 1, t.task.title, s.text)
        put_merged(ws, r, 2, 3, units, s.text)
        put_merged(ws, r, 4, 9, problems, s.text)
        height = row_height([(t.task.title, OVERVIEW_WIDTHS[1]), (units, sum(OVERVIEW_WIDTHS[2:4])),
                             (problems, sum(OVERVIEW_WIDTHS[4:10]))])
        if height:
            ws.set_row(r, height)
    return h + len(lagging) + 1


def _overview_ranking(ws, book: Book, row: int) -> None:
    """六、通报: units ranked by overdue items, lagging tasks and late returns."""
    ranking = unit_ranking(book.c)
    s = book.styles
    ws.write_string(row, 0, book.t("overview.ranking_section", count=len(ranking)), s.section)
    if not ranking:
        ws.write_string(row + 1, 0, book.t("overview.ranking_none"), s.plain)
        return
    h = row + 1
    headers = [book.t("columns.seq"), book.t("columns.unit"), book.t("overview.ranking_overdue"),
               book.t("overview.ranking_lagging"), book.t("overview.ranking_late"), book.t("columns.submission")]
    for j, text in enumerate(headers):
        ws.write_string(h, j, text, s.header)
    ws.set_row(h, max(row_height(list(zip(headers, OVERVIEW_WIDTHS))) or 0, 30))
    for n, (unit, overdue, lagging, late, status) in enumerate(ranking, start=1):
        r = h + n
        ws.write_number(r, 0, n, s.count)
        ws.write_string(r, 1, unit, s.text)
        ws.write_number(r, 2, overdue, s.count)
        ws.write_number(r, 3, lagging, s.count)
        ws.write_string(r, 4, book.t("flag_yes") if late else "", s.center)
        ws.write_string(r, 5, book.labels[f"submission.{status}"], s.center)
        height = row_height([(unit, OVERVIEW_WIDTHS[1]), (book.labels[f"submission.{status}"], OVERVIEW_WIDTHS[5])])
        if height:
            ws.set_row(r, height)


# 报送情况 ----------------------------------------------------------------------------------------


def write_submissions(book: Book) -> None:
    """报送情况: one row per reporting unit with its status (coloured), files, header fields, counts."""
    labels = book.labels
    cols = [Col(book.t("columns.seq"), 5, "count"), Col(book.t("columns.unit"), 20),
            Col(book.t("columns.unit_kind"), 9, "center"), Col(book.t("columns.submission"), 9, "center"),
            Col(book.t("columns.files"), 26), Col(labels["header.reporter"], 10),
            Col(labels["header.phone"], 13), Col(labels["header.date"], 11, "center"),
            Col(labels["header.reviewer"], 10), Col(book.t("columns.errors"), 6, "count"),
            Col(book.t("columns.warnings"), 6, "count")]
    counts = Counter((p.unit, p.severity.value) for p in book.c.problems)
    rows = [_submission_row(book, n, s, counts) for n, s in enumerate(book.c.submissions, start=1)]
    _table_sheet(book, "submissions", cols, rows, freeze_cols=2)


def _submission_row(book: Book, n: int, s: Submission, counts: Counter) -> list[Any]:
    header = s.result.header if s.result else {}
    name = s.unit.name
    return [n, name, book.labels["unit_kind." + s.unit.kind.value],
            (book.labels["submission." + s.status], book.tinted("submission", s.status)),
            "\n".join(s.files), header.get("reporter", ""), header.get("phone", ""), header.get("date", ""),
            header.get("reviewer", ""), counts[(name, "error")], counts[(name, "warning")]]


# 任务进展 ----------------------------------------------------------------------------------------


def write_tasks(book: Book) -> None:
    """任务进展: one row per task with its status (coloured) and every involved unit's report."""
    labels = book.labels
    cols = [Col(labels["columns.id"], 5, "center"), Col(labels["columns.chapter"], 7),
            Col(labels["columns.task_title"], 10), Col(labels["columns.lead_units"], 9),
            Col(labels["columns.responsible_units"], 12), Col(labels["columns.status"], 6, "center"),
            Col(labels["columns.progress"], 6, "number"), *_last_cols(book, labels["columns.last_status"], 6),
            Col(book.t("columns.light"), 5, "center"), Col(book.t("columns.disagreement"), 5, "center"),
            Col(book.t("columns.unit_reports"), 25), Col(labels["columns.problems"], 16),
            Col(labels["columns.next_steps"], 16), Col(book.t("columns.missing_units"), 10)]
    chapters = {ch.id: ch.title for ch in book.c.plan.chapters}
    rows = [_task_row(book, t, chapters[t.chapter_id]) for t in book.c.tasks]
    _table_sheet(book, "tasks", cols, rows)


def _task_row(book: Book, t: TaskSummary, chapter_title: str) -> list[Any]:
    key = status_key(t.status)
    return [t.task.id, chapter_title, t.task.title, "、".join(t.task.lead_units),
            "、".join(t.task.responsible_units), (_status_label(book, key), book.tinted("status", key)),
            t.progress, *_last_values(book, "task", t.task.id), _light_cell(book, "task", t.task.id),
            book.t("flag_yes") if t.disagreement else "",
            "\n".join(_task_report_line(book, r) for r in t.reports),
            _unit_lines(book, t.reports, "problems"), _unit_lines(book, t.reports, "next_steps"),
            "、".join(t.missing_units)]


def _task_report_line(book: Book, r) -> str:
    """ "区发改局（牵头）：正常推进 60%｜work" """
    progress = "" if r.progress is None else " " + book.t("progress", value=wording.number(r.progress))
    line = book.t("report_line", who=_who(book, r.unit, r.role), status=book.labels["status." + r.status] if r.status else book.t("no_status"),
                  progress=progress)
    return line + book.t("text_separator") + r.work if r.work else line


# 指标完成 ----------------------------------------------------------------------------------------


def write_indicators(book: Book) -> None:
    """指标完成: one row per indicator: target, rule, actual, expected by now, source, assessment (coloured),
    unit values."""
    labels = book.labels
    cols = [Col(labels["columns.id"], 5, "center"), Col(labels["columns.indicator_kind"], 6, "center"),
            Col(labels["columns.indicator_name"], 14), Col(labels["columns.target_text"], 14),
            Col(labels["columns.comparator"], 10, "center"), Col(labels["columns.target_unit"], 6, "center"),
            Col(labels["columns.actual"], 8, "number"), Col(book.t("columns.source_unit"), 10),
            Col(book.t("columns.expected"), 8, "number"),
            Col(book.t("columns.assessment"), 8, "center"), Col(book.t("columns.unit_values"), 28),
            Col(book.t("columns.missing_units"), 12)]
    rows = [_indicator_row(book, i) for i in book.c.indicators]
    _table_sheet(book, "indicators", cols, rows)


def _indicator_row(book: Book, s: IndicatorSummary) -> list[Any]:
    ind, labels = s.indicator, book.labels
    return [ind.id, labels["indicator_kind." + ind.kind.value], ind.name, ind.target.text,
            wording.target_rule(ind.target, labels), ind.target.unit or "", s.actual, s.source or "",
            _rounded(s.expected), (labels["assessment." + s.assessment], book.tinted("assessment", s.assessment)),
            "\n".join(_indicator_report_line(book, r, ind.target.unit) for r in s.reports),
            "、".join(s.missing_units)]


def _indicator_report_line(book: Book, r, unit_of_measure: Optional[str]) -> str:
    """ "区统计局（牵头）：7.2 %｜note" """
    if r.actual is None:
        value = book.t("no_value")
    else:
        value = wording.number(r.actual)
        if unit_of_measure:
            value = book.t("value_with_unit", value=value, unit=unit_of_measure)
    line = book.t("indicator_line", who=_who(book, r.unit, r.role), value=value)
    return line + book.t("text_separator") + r.note if r.note else line


def _rounded(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 4)


# 目标进度 ----------------------------------------------------------------------------------------


def write_targets(book: Book) -> None:
    """目标进度: every task target: task, lead units, target, measure, expected by now, value,
    assessment (coloured), each unit's number and note."""
    labels = book.labels
    cols = [Col(labels["columns.id"], 7, "center"), Col(labels["columns.target_task"], 11),
            Col(labels["columns.lead_units"], 9), Col(labels["columns.target_text"], 18),
            Col(labels["columns.comparator"], 10, "center"), Col(book.t("columns.measure"), 6, "center"),
            Col(labels["columns.deadline"], 5, "center"), Col(book.t("columns.expected"), 7, "number"),
            Col(labels["columns.target_actual"], 8, "number"),
            *_last_cols(book, labels["columns.last_target_actual"], 8, "number"), Col(book.t("columns.source_unit"), 9),
            Col(book.t("columns.assessment"), 7, "center"), Col(book.t("columns.light"), 5, "center"),
            Col(book.t("columns.unit_values"), 17), Col(book.t("columns.missing_units"), 9)]
    rows = [_target_row(book, t) for t in book.c.targets]
    _table_sheet(book, "targets", cols, rows)


def _target_row(book: Book, s: TargetSummary) -> list[Any]:
    labels, x = book.labels, s.target
    return [x.id, f"{s.task.id} {s.task.title}", "、".join(s.deciding_units), x.text,
            wording.target_rule(x, labels), labels["measure." + x.measure.value], x.deadline_year, _rounded(s.expected),
            s.actual, *_last_values(book, "target", x.id), s.source or "", (labels["assessment." + s.assessment], book.tinted("assessment", s.assessment)),
            _light_cell(book, "target", x.id),
            "\n".join(_indicator_report_line(book, r, x.unit) for r in s.reports), "、".join(s.missing_units)]


LIGHT_FILLS = {"green": GREEN, "yellow": YELLOW, "red": RED, "none": None}


def _light_cell(book: Book, kind: str, item_id: str):
    """This period's light, as the history database records it."""
    key = book.lights[(kind, item_id)]
    return ("" if key == "none" else book.labels[f"lights.{key}"], book.fill(LIGHT_FILLS[key]))


# 规划评估 (a year-end period of a multi-year plan) -------------------------------------------------


EVALUATION_FILLS = {"achieved_early": GREEN, "ahead": GREEN, "as_expected": LIGHT_BLUE, "lagging": RED,
                    "to_assess": GREY}


def write_evaluation(book: Book) -> None:
    """规划评估: every indicator's year-end values (recorded years and this one), the average annual rate
    of rates, and the mid-term review's group (evaluation.py); binding indicators that lag first."""
    from ..evaluation import evaluate_period

    labels = book.labels
    rows = evaluate_period(book.c, list((book.earlier or {}).get("year_end", [])))
    years = sorted({y for r in rows for y in r.years})
    cols = [Col(labels["columns.id"], 7, "center"), Col(labels["columns.indicator_name"], 22),
            Col(labels["columns.indicator_kind"], 8, "center"), Col(labels["columns.target_text"], 16),
            *[Col(labels.fmt("evaluation.year_column", year=y), 9, "number") for y in years],
            Col(book.t("columns.average_rate"), 9, "number"), Col(book.t("columns.evaluation_group"), 11, "center")]
    table = [[r.indicator_id, r.name, labels[f"indicator_kind.{r.kind}"], r.target, *[r.years.get(y) for y in years],
              r.average_rate, (labels[f"evaluation.group.{r.group}"], book.fill(EVALUATION_FILLS[r.group]))]
             for r in rows]
    _table_sheet(book, "evaluation", cols, table)


# 问题清单 ----------------------------------------------------------------------------------------


def write_problems(book: Book) -> None:
    """问题清单: every problem, one row each, error rows tinted; filterable by any column."""
    labels = book.labels
    cols = [Col(book.t("columns.seq"), 5, "count"), Col(book.t("columns.severity"), 5, "center"),
            Col(book.t("columns.code"), 14), Col(book.t("columns.unit"), 11), Col(book.t("columns.file"), 16),
            Col(book.t("columns.sheet"), 10), Col(book.t("columns.cell"), 6, "center"),
            Col(book.t("columns.field"), 9), Col(book.t("columns.value"), 13),
            Col(book.t("columns.message"), 42)]
    rows, colors = [], []
    for n, p in enumerate(book.c.problems, start=1):
        rows.append([n, labels["severity." + p.severity.value], p.code, p.unit or "", p.file, p.sheet or "",
                     p.cell or "", p.field_label(labels), p.value or "", problem_text(p, labels)])
        colors.append(ERROR_ROW_FILL if p.severity.value == "error" else None)
    _table_sheet(book, "problems", cols, rows, colors, freeze_cols=2)


# 明细 --------------------------------------------------------------------------------------------


def write_detail(book: Book) -> None:
    """明细: one flat row per (unit, item) a unit is involved in, missing ones included (未报送).

    Starts at A1 with a single header row, ready for a pivot table. 指标完成情况 is the indicator's
    consolidated assessment (the same on every row of that indicator).
    """
    labels = book.labels
    cols = [Col(book.t("columns.unit"), 9), Col(book.t("columns.unit_kind"), 5, "center"),
            Col(book.t("columns.submission"), 6, "center"), Col(book.t("columns.item_type"), 4, "center"),
            Col(labels["columns.id"], 5, "center"), Col(book.t("columns.chapter_id"), 4, "center"),
            Col(book.t("columns.item_name"), 10), Col(book.t("columns.role"), 4, "center"),
            Col(labels["columns.status"], 6, "center"), Col(labels["columns.progress"], 6, "number"),
            Col(labels["columns.actual"], 6, "number"), Col(book.t("columns.indicator_assessment"), 6, "center"),
            Col(labels["columns.work"], 16), Col(labels["columns.problems"], 10),
            Col(labels["columns.next_steps"], 10), Col(labels["columns.data_note"], 8),
            Col(book.t("columns.file"), 10)]
    rows: list[list[Any]] = []
    # Each unit's items come from the plan's index (in plan order, as c.indicators and c.tasks are):
    # the work per unit is its own items, not every item of the plan.
    index = _DetailIndex(book.c)
    for s in book.c.submissions:
        rows += _detail_rows(book, s, index)
    _table_sheet(book, "detail", cols, rows, title=False)


class _DetailIndex:
    """The summaries of each unit's indicators and tasks, in the order of c.indicators / c.tasks."""

    def __init__(self, c: Consolidation):
        self.c = c
        self.ind_pos = {i.indicator.id: n for n, i in enumerate(c.indicators)}
        self.task_pos = {t.task.id: n for n, t in enumerate(c.tasks)}

    def items(self, name: str) -> tuple[list[IndicatorSummary], list[TaskSummary]]:
        inds, tasks = self.c.plan.items_for(name)
        ind_at = sorted(self.ind_pos[i.id] for i in inds if i.id in self.ind_pos)
        task_at = sorted(self.task_pos[t.id] for t in tasks if t.id in self.task_pos)
        return [self.c.indicators[n] for n in ind_at], [self.c.tasks[n] for n in task_at]


def _detail_rows(book: Book, s: Submission, index: Optional[_DetailIndex] = None) -> list[list[Any]]:
    labels, c, name = book.labels, book.c, s.unit.name
    my_indicators, my_tasks = (index or _DetailIndex(c)).items(name)
    used = s.accepted
    kind = labels["unit_kind." + s.unit.kind.value]
    submission = labels["submission." + s.status]
    file = s.file or ""
    not_reported = book.t("not_reported")
    out = []
    for i in my_indicators:
        ind = i.indicator
        r = next((x for x in i.reports if x.unit == name), None)
        base = [name, kind, submission, book.t("item_indicator"), ind.id, "", ind.name,
                _role(book, c.plan.role_in(ind, name)[0] or "")]
        if r is None:
            out.append(base + [not_reported, None, None, labels["assessment." + i.assessment], "", "", "", "",
                               file if used else ""])
        else:
            out.append(base + ["", None, r.actual, labels["assessment." + i.assessment], "", "", "", r.note, file])
    for t in my_tasks:
        task = t.task
        r = next((x for x in t.reports if x.unit == name), None)
        base = [name, kind, submission, book.t("item_task"), task.id, t.chapter_id, task.title,
                _role(book, c.plan.role_in(task, name)[0] or "")]
        if r is None:
            out.append(base + [not_reported, None, None, "", "", "", "", "", file if used else ""])
        else:
            out.append(base + [book.labels["status." + r.status] if r.status else "", r.progress, None, "", r.work, r.problems, r.next_steps, "", file])
    return out


# 上期, 趋势, 变化 (when the history database holds earlier periods) ------------------------------


def _last_cols(book: Book, header: str, width: float, kind: str = "center") -> list[Col]:
    return [Col(header, width, kind)] if book.earlier is not None else []


def _last_values(book: Book, kind: str, item_id: str) -> list[Any]:
    """Last period's consolidated result of an item: a task's status (coloured) or a target's value."""
    if book.earlier is None:
        return []
    r = book.earlier["previous"]["results"].get((kind, item_id)) or {}
    if kind == "task":
        key = status_key(r.get("status"))
        return [(_status_label(book, key), book.tinted("status", key))] if r else [""]
    return [r.get("value")]


TREND_CHARTS = 12  # small charts of indicators on 趋势 (two to a row, within the table's width)
TREND_CHART_HEIGHT, TREND_CHART_MIN_WIDTH = 220, 240  # pixels
TREND_CHART_ROWS = 12  # default rows (20 px) a chart takes, with a gap


def write_trends(book: Book) -> None:
    """趋势: every indicator and target with a number: target, expected by now and one column per
    recorded period (this one last); below, one small line chart per indicator (its values, its
    target and its 序时进度 over the periods), three to a row."""
    labels, c = book.labels, book.c
    series = book.earlier["series"]
    periods = [*series["periods"], c.period.code]
    cols = [Col(labels["columns.id"], 7, "center"), Col(book.t("trends.item_type"), 6, "center"),
            Col(book.t("trends.name"), 18), Col(labels["columns.comparator"], 10, "center"),
            Col(labels["columns.target_unit"], 6, "center"), Col(book.t("columns.expected"), 8, "number"),
            *[Col(labels.period(Period.parse(p)), 8, "number") for p in periods]]
    rows, charted = [], []
    for kind, items in (("indicator", c.indicators), ("target", c.targets)):
        for s in items:
            target = s.indicator.target if kind == "indicator" else s.target
            if target.comparator is Comparator.qualitative:
                continue
            item_id = s.indicator.id if kind == "indicator" else s.target.id
            name = s.indicator.name if kind == "indicator" else (target.metric or target.text)
            past = series["values"].get((kind, item_id), {})
            rows.append([item_id, book.t(f"trends.kind_{kind}"), name, wording.target_rule(target, labels),
                         target.unit or "", _rounded(s.expected), *[past.get(p) for p in series["periods"]],
                         s.actual])
            if kind == "indicator" and len(charted) < TREND_CHARTS:
                paced = series.get("expected", {}).get((kind, item_id), {})
                charted.append((len(rows) - 1, name, target,
                                [*[paced.get(p) for p in series["periods"]], s.expected]))
    ws = _table_sheet(book, "trends", cols, rows)
    if charted:
        _trend_charts(book, ws, cols, len(rows), periods, charted)


def _trend_charts(book: Book, ws, cols: list[Col], height: int, periods: list[str], charted: list) -> None:
    """The small charts below the table; their target and 序时进度 lines read from hidden columns
    to the right of the table (one row per charted indicator: the target, then the expected values)."""
    name = book.t("sheets.trends")
    first_col, last_col = 6, 6 + len(periods) - 1
    helper = len(cols) + 1  # hidden: target × periods, then expected × periods
    ws.set_column(helper, helper + 2 * len(periods) - 1, None, None, {"hidden": True})
    font = {"name": FONT, "size": 8}
    table_px = sum(7 * col.width + 5 for col in cols)
    per_row, h = 2, TREND_CHART_HEIGHT
    w = max(TREND_CHART_MIN_WIDTH, (table_px - 10) // per_row)  # two across the table's printed width
    top = HEADER_ROW + height + 2
    for n, (index, title, target, expected) in enumerate(charted):
        r = HEADER_ROW + 1 + index
        chart = book.workbook.add_chart({"type": "line"})
        categories = [name, HEADER_ROW, first_col, HEADER_ROW, last_col]
        chart.add_series({"name": book.t("trends.series_value"), "categories": categories,
                          "values": [name, r, first_col, r, last_col], "marker": {"type": "circle", "size": 4},
                          "line": {"color": "#3465A4", "width": 1.5}})
        if target.low is not None:
            for j in range(len(periods)):
                ws.write_number(r, helper + j, target.low)
            chart.add_series({"name": book.t("trends.series_target"), "categories": categories,
                              "values": [name, r, helper, r, helper + len(periods) - 1],
                              "line": {"color": "#CC0000", "dash_type": "dash", "width": 1}})
        if any(v is not None for v in expected):
            for j, v in enumerate(expected):
                if v is not None:
                    ws.write_number(r, helper + len(periods) + j, _rounded(v))
            chart.add_series({"name": book.t("trends.series_expected"), "categories": categories,
                              "values": [name, r, helper + len(periods), r, helper + 2 * len(periods) - 1],
                              "line": {"color": "#888A85", "dash_type": "round_dot", "width": 1}})
        unit = f"（{target.unit}）" if target.unit else ""
        chart.set_title({"name": title + unit, "name_font": {**font, "size": 9, "bold": True}})
        chart.set_x_axis({"num_font": font})
        chart.set_y_axis({"num_font": font, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_legend({"position": "bottom", "font": font})
        chart.set_chartarea({"border": {"color": "#BFBFBF"}})
        chart.show_hidden_data()  # the target and 序时进度 lines are in hidden columns
        chart.set_size({"width": w, "height": h})
        ws.insert_chart(top + (n // per_row) * TREND_CHART_ROWS, 0, chart,
                        {"x_offset": (n % per_row) * (w + 10), "y_offset": 5, "object_position": 3})
    # Printed, two rows of charts to a page, never one cut by a page break.
    rows_of_charts = (len(charted) + per_row - 1) // per_row
    ws.set_h_pagebreaks([top + k * 2 * TREND_CHART_ROWS for k in range((rows_of_charts + 1) // 2)])


def write_changes(book: Book) -> None:
    """变化: tasks newly 滞后 or 已完成, status regressions, worse assessments, units that stopped
    reporting, problem codes that recur for a unit, since the previous recorded period."""
    labels, previous = book.labels, book.earlier["previous"]
    last = labels.period(Period.parse(previous["period"]))
    cols = [Col(book.t("columns.seq"), 5, "center"), Col(book.t("changes.change"), 12, "center"),
            Col(book.t("changes.item"), 12, "center"), Col(book.t("changes.name"), 30),
            Col(book.t("changes.before", period=last), 12, "center"), Col(book.t("changes.after"), 12, "center")]

    def word(change: str, value: Value) -> str:
        if change in ("newly_lagging", "newly_done", "regressed"):
            return labels["status." + str(value)]
        if change == "worse":
            return labels["assessment." + str(value)]
        if change == "stopped":
            return labels["submission." + str(value)]
        return str(value)

    rows = [[n, book.t("changes.kinds." + k), item, name, word(k, before), word(k, after)]
            for n, (k, item, name, before, after) in enumerate(changes(book.c, previous), start=1)]
    _table_sheet(book, "changes", cols, rows)
