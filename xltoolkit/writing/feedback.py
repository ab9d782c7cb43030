"""The copy of a return sent back to its unit: problem cells marked, every problem explained.

The department's own file is loaded with openpyxl (only read, never written) and saved under a new
name with:

* every cell a problem points at (sheet + cell) filled red, with one comment holding all of that
  cell's messages, one per line;
* a new first sheet (``feedback.sheet``, 退回修改说明) listing every problem: severity, location,
  field, the value found and the message; problems without a cell (a missing row, a header changed,
  a missing sheet) are only there.

Everything else (the hidden ``_xltool`` sheet, document properties, protection, validations) is kept,
so the corrected copy is still recognized as the unit's return. openpyxl turns any string starting
with "=" into a formula, so every text written here gets ``data_type = "s"``.
"""

from __future__ import annotations

import math
from typing import Any, Optional

from ..labels import Labels
from ..problems import Problem
from ..validation import ReturnResult
from .styles import FONT, FONT_SIZE, HEADER_FILL
from .summary import problem_text
from .tables import row_height

FEEDBACK_FILL = "FF8080"  # red: "this cell needs fixing"
NOTE_COLUMNS = (6, 8, 18, 14, 24, 70)  # widths of 序号, 严重程度, 位置, 字段, 填写内容, 问题说明
COMMENT_WIDTH_PX = 340
COMMENT_CHARS_PER_LINE = 24  # CJK characters per comment line at that width
COMMENT_LINE_PX = 18


def write_feedback(result: ReturnResult, source_path: str, out_path: str, labels: Labels, mark=None) -> int:
    """Save a marked-up copy of `source_path` to `out_path`; return the number of problems annotated.

    Every problem of `result` is annotated: listed on the 退回修改说明 sheet, and also as a red cell
    with a comment when it names a cell of a sheet in the workbook. `source_path` is not modified.
    """
    import openpyxl

    wb = openpyxl.load_workbook(source_path)
    by_cell: dict[tuple[str, str], list[Problem]] = {}
    for p in result.problems:
        if p.sheet and p.cell and p.sheet in wb.sheetnames:
            by_cell.setdefault((p.sheet, p.cell), []).append(p)
    for (sheet, ref), problems in by_cell.items():
        mark_cell(wb[sheet], ref, problems, labels)
    if result.problems:
        write_notes_sheet(wb, result, labels)
    if mark is not None:  # e.g. identity.mark_feedback: the copy says it is a feedback copy
        mark(wb)
    wb.save(out_path)
    return len(result.problems)


def _target_cell(ws, ref: str):
    """The cell at `ref` (the top-left cell when it lies in a merged range); None for a bad reference."""
    from openpyxl.cell.cell import MergedCell
    from openpyxl.utils.cell import coordinate_to_tuple

    try:
        row, col = coordinate_to_tuple(ref)
    except (ValueError, TypeError):
        return None
    cell = ws.cell(row, col)
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
                return ws.cell(rng.min_row, rng.min_col)
    return cell


def comment_text(problems: list[Problem], labels: Labels) -> str:
    """All messages for one cell, one per line: "【错误】进展状态只能是 …"."""
    return "\n".join(labels.fmt("feedback.comment_line", severity=labels["severity." + p.severity.value],
                                text=problem_text(p, labels)) for p in problems)


def mark_cell(ws, ref: str, problems: list[Problem], labels: Labels) -> bool:
    """Fill the cell red and attach one comment with every message; False when `ref` is not a cell."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    cell = _target_cell(ws, ref)
    if cell is None:
        return False
    text = comment_text(problems, labels)
    lines = sum(max(1, math.ceil(len(line) / COMMENT_CHARS_PER_LINE)) for line in text.split("\n"))
    cell.fill = PatternFill(fill_type="solid", fgColor=FEEDBACK_FILL, bgColor=FEEDBACK_FILL)
    cell.comment = Comment(text, labels["feedback.author"], height=min(480, max(80, COMMENT_LINE_PX * lines + 16)),
                           width=COMMENT_WIDTH_PX)
    return True


def _put_text(ws, row: int, col: int, value: Any, style: dict) -> None:
    """Write a value as text (never a formula) or a number, with the given openpyxl styles."""
    cell = ws.cell(row, col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    for name, obj in style.items():
        setattr(cell, name, obj)


def _location(p: Problem) -> str:
    if p.sheet and p.cell:
        return f"{p.sheet}!{p.cell}"
    return p.sheet or ""


def write_notes_sheet(wb, result: ReturnResult, labels: Labels) -> None:
    """The first sheet: title, how to use it, and one row per problem."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    name = labels["feedback.sheet"]
    if name in wb.sheetnames:  # a copy that was already marked up once: replace the old list
        del wb[name]
    ws = wb.create_sheet(name, 0)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    body = {"font": Font(name=FONT, size=FONT_SIZE), "alignment": wrap, "border": border}
    header = {"font": Font(name=FONT, size=FONT_SIZE, bold=True), "border": border,
              "fill": PatternFill(fill_type="solid", fgColor=HEADER_FILL.lstrip("#")),
              "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True)}
    last = len(NOTE_COLUMNS)
    _put_text(ws, 1, 1, labels.fmt("feedback.title", file=result.file),
              {"font": Font(name=FONT, size=14, bold=True)})
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.row_dimensions[1].height = 30
    _put_text(ws, 2, 1, labels["feedback.intro"], {"font": Font(name=FONT, size=FONT_SIZE), "alignment": wrap})
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
    ws.row_dimensions[2].height = row_height([(labels["feedback.intro"], sum(NOTE_COLUMNS))]) or 18
    for j, (title, width) in enumerate(zip(labels["feedback.columns"], NOTE_COLUMNS), start=1):
        _put_text(ws, 3, j, title, header)
        ws.column_dimensions[_letter(j)].width = width
    for n, p in enumerate(result.problems, start=1):
        values = [n, labels["severity." + p.severity.value], _location(p), p.field_label(labels), p.value or "",
                  problem_text(p, labels)]
        for j, value in enumerate(values, start=1):
            _put_text(ws, 3 + n, j, value, body)
        height = row_height([(str(v), w) for v, w in zip(values, NOTE_COLUMNS) if isinstance(v, str)])
        if height:
            ws.row_dimensions[3 + n].height = height
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{_letter(last)}{3 + len(result.problems)}"
    _print_setup(ws)
    _make_active(wb, ws)


def _letter(col: int) -> str:
    """1-based column -> letters (container.col_letters: one helper for the whole package)."""
    from ..container import col_letters

    return col_letters(col)


def _print_setup(ws) -> None:
    """A4 landscape, one page wide, header row repeated."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "3:3"


def _make_active(wb, ws: Optional[Any]) -> None:
    """Open on `ws`, with no other tab selected (two selected tabs would group them in Excel)."""
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = wb.worksheets.index(ws)
