"""Division tables (重点工作任务分工表) -> lines the structure reader understands (pure).

A table arrives as a grid: rows of `Cell(text, origin)`, merged cells already expanded to every row
and column they cover, `origin` naming the merged cell they come from (so a vertically merged
牵头单位 gives every row its unit, and a cell spanning the whole table is seen once).

Columns are recognized by their header text (one or two header rows): 序号/编号; 重点任务/工作任务/
任务内容/目标任务/主要内容; 牵头单位/牵头部门; 责任领导/分管领导 (kept as a note); 责任单位/配合单位/协办单位/
参与单位; 完成时限/时间节点/完成时间; 类别/领域 (a chapter per value). Each task row becomes a task line
(role "task") and, when it names units, leaders or a time limit, an own line written as labels
("牵头单位:区发改局;配合单位:区财政局;完成时限:2023年底前", role "assign", the header words as written).
A row that one merged cell spans, or that holds only a heading (一、…, (一)…, 第一章…), is a chapter
heading (role "heading"). A task cell merged down over several rows is one task whose units are
those of all its rows. A table without a recognizable header gives one line per row (its cells
joined by a space), as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..problems import LabelText
from .assignments import LEAD_LABELS, LEADER_LABELS, RESPONSIBLE_LABELS, TIME_LABELS
from .limits import MAX_TEXT_CHARS
from .text import Line, make_line, normalize

Origin = tuple[int, int]


@dataclass(frozen=True)
class Cell:
    text: str
    origin: Optional[Origin]  # top-left (row, column) of the merged cell; None for a missing cell


class TableTooLarge(ValueError):
    """A table with more text than `xltool parse` takes; `detail` says so (a LabelText)."""

    def __init__(self, detail: LabelText):
        super().__init__(detail)
        self.detail = detail


_ROLE_PATTERNS = [
    ("serial", re.compile(r"^(?:序号|编号|序列|序次|排序|No\.?)$", re.I)),
    ("leader", re.compile(r"^(?:" + "|".join(LEADER_LABELS) + r"|责任领导|分管负责人|分管副区长|分管副市长)$")),
    ("lead", re.compile(r"^(?:牵头单位|牵头部门|主责单位|主责部门|主办单位|牵头|牵头责任单位|牵头责任部门|牵头处室|主要责任单位)$")),
    ("responsible", re.compile(r"^(?:责任单位|责任部门|配合单位|配合部门|协办单位|协办部门|参与单位|参与部门|落实单位|实施单位|"
                               r"承办单位|配合|协同单位|责任处室|配合处室)$")),
    ("time", re.compile(r"^(?:" + "|".join(TIME_LABELS) + r"|进度安排|时间安排|完成期限|时间要求|完成时限要求)$")),
    ("category", re.compile(r"^(?:类别|领域|方面|板块|任务类别|工作类别|所属领域|分类)$")),
    ("task", re.compile(r"^(?:重点任务|工作任务|任务内容|目标任务|主要内容|主要任务|重点工作|工作内容|任务|具体任务|工作措施|主要举措|"
                        r"重点工作任务|任务名称|工作事项|事项|任务事项|重点任务内容|工作目标|目标任务及措施|具体措施|工作要点|"
                        r"指标|指标名称|主要指标|指标内容|指标及目标|目标值)$")),
]
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十百]+[章部篇节]|[一二三四五六七八九十]{1,3}\s*[、.]|"
                      r"[(]\s*[一二三四五六七八九十]{1,3}\s*[)])")
_CN_SERIAL = re.compile(r"^[一二三四五六七八九十]{1,3}[、.]?$")
_LABEL_WORDS = set(LEAD_LABELS + RESPONSIBLE_LABELS + TIME_LABELS + LEADER_LABELS)
_CANONICAL = {"lead": "牵头单位", "responsible": "责任单位", "time": "完成时限", "leader": "责任领导"}


def column_role(text: str) -> Optional[str]:
    key = re.sub(r"[\s:()（）*]", "", normalize(text))
    if not key or len(key) > 12:
        return None
    for role, pattern in _ROLE_PATTERNS:
        if pattern.match(key):
            return role
    return None


def _label(header: str, role: str) -> str:
    written = re.sub(r"[\s:：]", "", header)
    return written if normalize(written) in _LABEL_WORDS else _CANONICAL[role]


def _header(grid: list[list[Cell]]) -> Optional[tuple[int, list[Optional[str]], list[str]]]:
    """(first data row, role per column, header text per column), or None without a header."""
    for r, row in enumerate(grid[:6]):
        roles = [column_role(c.text) for c in row]
        if "task" not in roles or sum(1 for x in roles if x) < 2:
            continue
        texts = [c.text for c in row]
        end = r + 1
        if end < len(grid):  # a second header row: 责任单位 over 牵头单位 | 配合单位
            below = grid[end]
            roles2 = [column_role(c.text) for c in below]
            if any(x for x in roles2) and all(x or not c.text.strip() or c.origin == row[i].origin
                                              for i, (x, c) in enumerate(zip(roles2, below)) if i < len(row)):
                for i, x in enumerate(roles2):
                    if x and i < len(roles):
                        roles[i], texts[i] = x, below[i].text
                end += 1
        return end, roles, texts
    return None


def table_lines(grid: list[list[Cell]], number_of) -> list[Line]:
    """Lines for one table; `number_of(row_index)` gives the line number of a row."""
    out: list[Line] = []
    budget = [MAX_TEXT_CHARS]

    def emit(number: int, raw: str, role: str = "", serial: str = "") -> None:
        line = make_line(number, raw)
        if not line.raw:
            return
        budget[0] -= len(line.raw)
        if budget[0] < 0:
            raise TableTooLarge(LabelText("details.table_chars", limit=MAX_TEXT_CHARS))
        out.append(Line(line.number, line.raw, line.norm, role, serial))

    header = _header(grid)
    if header is None:
        _plain_rows(grid, number_of, emit)
        return out
    start, roles, texts = header
    col = {role: [i for i, x in enumerate(roles) if x == role] for role in _CANONICAL.keys() | {"serial", "task",
                                                                                                 "category"}}
    if not col["task"]:  # a two-row header whose second row overrode the task column: not a division table
        _plain_rows(grid, number_of, emit)
        return out
    task_col = col["task"][0]
    last_heading: Optional[Origin] = None
    last_task: Optional[Origin] = None
    last_category: Optional[str] = None
    for r in range(start, len(grid)):
        row = grid[r]
        number = number_of(r)
        values = [c.text.strip() for c in row]
        if not any(values):
            continue
        origins = {c.origin for c, v in zip(row, values) if v}
        task_cell = row[task_col] if task_col < len(row) else Cell("", None)
        if len(origins) == 1 and len(row) > 1 and sum(1 for v in values if v) > 1 or _only_heading(row, values, col):
            origin = next(iter(origins))
            if origin != last_heading:
                emit(number, next(v for v in values if v), "heading")
            last_heading, last_task = origin, None
            continue
        for i in col["category"]:
            value = values[i] if i < len(values) else ""
            if value and value != last_category:
                emit(number, value, "heading")
                last_category = value
        parts = []
        for role in ("lead", "responsible", "leader", "time"):
            for i in col[role]:
                if i < len(values) and values[i] and (i == 0 or row[i].origin != row[i - 1].origin or roles[i - 1] != role):
                    parts.append(f"{_label(texts[i], role)}:{values[i]}")
        if task_cell.text.strip() and task_cell.origin != last_task:
            serial = next((values[i] for i in col["serial"] if i < len(values) and values[i]), "")
            emit(number, task_cell.text.strip(), "task", serial)
            last_task = task_cell.origin
        elif not task_cell.text.strip() and not parts:
            continue
        if parts:
            emit(number, ";".join(parts), "assign")
    return out


def _only_heading(row: list[Cell], values: list[str], col: dict) -> bool:
    """A row that holds only a heading: 一、… in one cell (or 一 in 序号 and the title in 重点任务)."""
    filled = [i for i, v in enumerate(values) if v]
    unit_cols = set(col["lead"] + col["responsible"] + col["time"] + col["leader"])
    if any(i in unit_cols for i in filled):
        return False
    texts = [values[i] for i in filled]
    if len(texts) == 1:
        norm = normalize(texts[0])
        return bool(_HEADING.match(norm)) and len(norm) <= 40 and not re.search(r"[。;]", norm)
    serial = [values[i] for i in col["serial"] if i < len(values) and values[i]]
    return bool(serial) and bool(_CN_SERIAL.match(normalize(serial[0]))) and len(filled) == 2


def _plain_rows(grid: list[list[Cell]], number_of, emit) -> None:
    previous: Optional[list] = None
    for r, row in enumerate(grid):
        origins = [c.origin for c in row]
        if origins == previous:
            continue  # a row entirely covered by the merged cells of the row above
        previous = origins
        cells: list[str] = []
        seen: set = set()
        for c in row:
            value = c.text.strip()
            if value and c.origin not in seen:
                cells.append(value)
            seen.add(c.origin)
        for part in " ".join(cells).split("\n"):
            emit(number_of(r), part)


def grid_from_values(rows: list[list[str]], merged: list[tuple[int, int, int, int]] = ()) -> list[list[Cell]]:
    """A grid from plain rows and merged ranges (r1, c1, r2, c2, 0-based inclusive), as in .xlsx/.csv."""
    from .limits import MAX_TABLE_COLS

    width = min(MAX_TABLE_COLS, max((len(r) for r in rows), default=0))
    grid = [[Cell(str(row[c]) if c < len(row) and row[c] is not None else "", (r, c)) for c in range(width)]
            for r, row in enumerate(rows)]
    for r1, c1, r2, c2 in merged:
        if not (0 <= r1 < len(grid)) or not (0 <= c1 < width):
            continue
        top = grid[r1][c1]
        for r in range(r1, min(r2, len(grid) - 1) + 1):
            for c in range(c1, min(c2, width - 1) + 1):
                grid[r][c] = Cell(top.text, (r1, c1))
    return grid
