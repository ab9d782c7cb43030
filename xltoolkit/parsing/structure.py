"""Headings and numbering -> front matter, indicator lines, chapters of tasks; preambles skipped.

Numbering styles, outermost first: 第一章/第一部分, 一、, (一), 1., (1), ①. A numbered line is a
heading when it is short and has no sentence in it; otherwise it is an item (an indicator or a
task) whose number is dropped from its text. Numbers may restart in every chapter or run on.

What a section holds is read from its heading: 指标/预期目标/主要目标 -> indicators (约束性/预期性 in a
heading set the kind); 总体要求/指导思想/分工原则/工作要求/保障措施… -> preamble (not items);
anything else -> tasks, grouped by the nearest heading (the chapter). Unnumbered paragraphs in a
task section are tasks when the chapter's tasks are unnumbered (annual plans), and continue the
previous numbered task while its assignment bracket has not been seen (a task over several
paragraphs). A responsibility on its own line belongs to the item before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .assignments import OWN_LINE, find_bracket
from .targets import QUALITATIVE, find_quantities
from .text import Line, normalize
from .warnings import ParseWarning

CN = "一二三四五六七八九十"
NUMBERING = [
    (0, re.compile(rf"^第[{CN}百]+[章部篇节](?:分)?\s*")),
    (1, re.compile(rf"^[{CN}]{{1,3}}\s*[、.]\s*")),
    (2, re.compile(rf"^[(]\s*[{CN}]{{1,3}}\s*[)]\s*[、.]?\s*")),
    (3, re.compile(r"^\d{1,3}\s*[.、](?!\d)\s*")),
    (4, re.compile(r"^(?:[(]\s*\d{1,3}\s*[)]|\d{1,3}[)])\s*[、.]?\s*")),
    (5, re.compile(r"^[①-⑳]\s*")),
]
DASH = re.compile(r"^(?:——|—|--|-|●|•|■|◆|▲)\s*")
INDICATOR_KW = re.compile(r"指标|预期目标|主要目标|发展目标|目标任务")
PREAMBLE_KW = re.compile(r"总体要求|指导思想|基本原则|分工原则|工作原则|工作要求|保障措施|组织保障|组织实施|实施步骤|进度安排"
                         r"|有关要求|相关要求|职责分工|组织领导|工作机制|督促检查|监督考核")
TASK_KW = re.compile(r"任务|重点工作|主要工作|工作重点|重点项目|主要举措")
CLOSING = re.compile(r"印发$|^抄送|^主送|^附件\s*[:\d]|^联系人|^联系电话|^\(此件")
SENTENCE = re.compile(r"[。;!?]")


@dataclass
class Block:
    line: Line
    kind: str  # heading | item | dash | para
    level: int = 9
    start: int = 0  # where the text begins after the numbering
    number: str = ""
    end: Optional[int] = None  # where it ends (a part of a running-text target list), None: line end

    @property
    def raw(self) -> str:
        return self.line.raw[self.start:self.end]

    @property
    def norm(self) -> str:
        return self.line.norm[self.start:self.end]


def classify(line: Line) -> Block:
    if line.role:
        return _classify_table_line(line)
    norm = line.norm
    for level, pattern in NUMBERING:
        m = pattern.match(norm)
        if m and m.end() < len(norm):
            rest = norm[m.end():]
            kind = "item" if _is_item(rest) else "heading"
            return Block(line, kind, level, m.end(), norm[:m.end()].strip())
    m = DASH.match(norm)
    if m and m.end() < len(norm):
        return Block(line, "dash", 6, m.end())
    if _bare_heading(norm):
        return Block(line, "heading", 1, 0)
    return Block(line, "para")


def _classify_table_line(line: Line) -> Block:
    """A division-table line (tables.py): its role decides, numbering in the cell text is dropped."""
    if line.role == "assign":
        return Block(line, "para")
    for level, pattern in NUMBERING:
        m = pattern.match(line.norm)
        if m and m.end() < len(line.norm):
            if line.role == "heading" or level >= 3:
                return Block(line, line.role == "heading" and "heading" or "item", level, m.end(),
                             line.norm[:m.end()].strip())
    if line.role == "heading":
        return Block(line, "heading", 2, 0)
    serial = normalize(line.serial).strip()
    number = serial + "." if serial.isdigit() else serial
    return Block(line, "item", 3, 0, number)


def _is_item(rest: str) -> bool:
    body = rest
    bracket = find_bracket(rest)
    if bracket:
        return True
    if SENTENCE.search(body.rstrip("。; ")) or len(body) > 40:
        return True
    if body.endswith(("。", ";")):
        return True
    return bool(find_quantities(body) or QUALITATIVE.search(body))


def _bare_heading(norm: str) -> bool:
    if len(norm) > 20 or re.search(r"[。,;:、()\d]", norm) or re.search(r"(?:方案|计划|规划|纲要|通知|意见)$", norm):
        return False
    return bool(INDICATOR_KW.search(norm) or PREAMBLE_KW.search(norm) or TASK_KW.search(norm))


def mode_of(title: str) -> Optional[str]:
    if INDICATOR_KW.search(title):
        return "indicators"
    if PREAMBLE_KW.search(title):
        return "preamble"
    if TASK_KW.search(title):
        return "tasks"
    return None


@dataclass
class Heading:
    block: Block
    mode: Optional[str]

    @property
    def title(self) -> str:
        return self.block.raw.strip()


@dataclass
class ItemSource:
    """An indicator line or a task: its lines (the first with its numbering dropped)."""

    blocks: list[Block]
    numbered: bool
    headings: list[Heading] = field(default_factory=list)  # enclosing headings, outermost first
    own_assignments: list[Line] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.blocks[0].line.number

    def has_bracket(self) -> bool:
        return find_bracket(self.blocks[-1].norm) is not None


@dataclass
class ChapterSource:
    heading: Optional[Heading]
    tasks: list[ItemSource] = field(default_factory=list)


@dataclass
class Structure:
    front: list[Line] = field(default_factory=list)
    indicators: list[ItemSource] = field(default_factory=list)
    chapters: list[ChapterSource] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    preamble_lines: int = 0


def _starts_body(block: Block) -> bool:
    return block.kind == "heading" or (block.kind == "item" and block.level <= 3)


# "主要预期目标:经济增长7.5%—8%;规模工业增加值增长7%…" in running text: a list of indicators.
TARGET_LIST = re.compile(r"(?:主要预期目标|主要目标|预期目标|发展目标|主要指标)(?:是|为)?\s*:")


def target_list(block: Block) -> list[Block]:
    """The parts of a running-text target list after its colon, one Block each (or [])."""
    norm = block.line.norm
    m = TARGET_LIST.search(norm, block.start)
    if not m:
        return []
    parts, start = [], m.end()
    for sep in re.finditer(r"[;。]|$", norm[m.end():]):
        end = m.end() + sep.start()
        a, b = start, end
        while a < b and norm[a] == " ":
            a += 1
        if b > a and (find_quantities(norm, a, b) or QUALITATIVE.search(norm, a, b)):
            parts.append(Block(block.line, "dash", 6, a, "", b))
        start = m.end() + sep.end()
        if sep.group(0) == "" or sep.group(0) == "。" and not find_quantities(norm, start):
            break
    return parts if len(parts) >= 2 else []


class _Builder:
    """Walks the classified blocks once, keeping the heading stack, the current chapter and the last item."""

    def __init__(self) -> None:
        self.s = Structure()
        self.stack: list[Heading] = []
        self.last_item: Optional[ItemSource] = None
        self.chapter: Optional[ChapterSource] = None
        self.chapter_heading_id: Optional[int] = None
        self.last_number: dict[str, int] = {}

    def mode(self) -> str:
        for h in reversed(self.stack):
            if h.mode:
                return h.mode
        return "tasks"

    def warn(self, line: Line, code: str) -> None:
        self.s.warnings.append(ParseWarning(line.number, code, {"text": _clip(line.raw)}))

    def feed(self, block: Block) -> None:
        line = block.line
        if block.kind == "para" and CLOSING.search(line.norm):
            self.last_item = None
            return
        if block.kind == "heading":
            while self.stack and self.stack[-1].block.level >= block.level:
                self.stack.pop()
            self.stack.append(Heading(block, mode_of(block.norm)))
            self.last_item = None
            return
        if block.kind == "para" and not OWN_LINE.match(line.norm):
            parts = target_list(block)
            if parts:  # a target list in running text, wherever it stands (even in 总体要求)
                for part in parts:
                    self.last_item = ItemSource([part], True, list(self.stack))
                    self.s.indicators.append(self.last_item)
                return
        current = self.mode()
        if current == "preamble":
            self.s.preamble_lines += 1
            return
        if block.kind == "para" and OWN_LINE.match(line.norm):
            self.own_line(line)
            return
        if block.kind == "item":
            _check_number(self.s, block, self.last_number, self.chapter_heading_id, self.stack)
        if current == "indicators":
            self.indicator(block)
        else:
            self.task(block)

    def own_line(self, line: Line) -> None:
        if self.last_item is not None:
            self.last_item.own_assignments.append(line)
        else:
            self.warn(line, "ASSIGNMENT_UNPLACED")

    def indicator(self, block: Block) -> None:
        line = block.line
        if block.kind in ("item", "dash", "heading") or (
                block.kind == "para" and len(line.norm) <= 150 and not line.norm.endswith(":")
                and (find_quantities(line.norm) or QUALITATIVE.search(line.norm))):
            self.last_item = ItemSource([block], block.kind != "para", list(self.stack))
            self.s.indicators.append(self.last_item)
        elif block.kind == "para" and line.norm.endswith(":"):
            return  # an introduction: 2022年经济社会发展的主要目标预安排:
        else:
            self.warn(line, "LINE_UNPLACED")

    def task(self, block: Block) -> None:
        line = block.line
        owner = _chapter_heading(self.stack)
        if self.chapter is None or self.chapter_heading_id != id(owner):
            self.chapter = ChapterSource(owner)
            self.s.chapters.append(self.chapter)
            self.chapter_heading_id = id(owner)
        tasks = self.chapter.tasks
        if block.kind in ("item", "dash"):
            self.last_item = ItemSource([block], True, list(self.stack))
            tasks.append(self.last_item)
            return
        prev = tasks[-1] if tasks else None
        if prev is not None and prev is self.last_item and prev.numbered and not prev.has_bracket() \
                and not prev.own_assignments:
            prev.blocks.append(block)  # a numbered task over several paragraphs
            return
        if len(line.norm) < 10 and not SENTENCE.search(line.norm):
            self.warn(line, "LINE_UNPLACED")
            return
        if prev is not None and prev.numbered:
            self.warn(line, "TASK_UNNUMBERED")
        self.last_item = ItemSource([block], False, list(self.stack))
        tasks.append(self.last_item)


def build(lines: list[Line]) -> Structure:
    blocks = [classify(line) for line in lines]
    first = next((i for i, b in enumerate(blocks) if _starts_body(b)), len(blocks))
    builder = _Builder()
    builder.s.front = lines[:first]
    for block in blocks[first:]:
        builder.feed(block)
    s = builder.s
    s.chapters = [c for c in s.chapters if c.tasks]
    return s


def _chapter_heading(stack: list[Heading]) -> Optional[Heading]:
    return stack[-1] if stack else None


def _check_number(s: Structure, block: Block, last: dict[str, int], chapter_id, stack) -> None:
    """Numbers restart in each chapter or run on; anything else (a gap, a repeat) is reported."""
    digits = re.search(r"\d+", block.number)
    if not digits:
        cn = re.search(rf"[{CN}]+", block.number)
        if not cn:
            return
        value = _cn_value(cn.group(0))
    else:
        value = int(digits.group(0))
    if value is None:  # not a numeral (一一、, 二三、): no sequence to check it against
        return
    style = re.sub(r"[\d" + CN + r"]+", "N" if digits else "C", block.number)
    scope = f"{style}|{id(stack[-1]) if stack else 0}"
    previous_in_scope = last.get(scope)
    previous_global = last.get(style)
    ok = value == 1 or previous_in_scope == value - 1 or previous_global == value - 1
    if not ok:
        s.warnings.append(ParseWarning(block.line.number, "NUMBER_GAP",
                                       {"number": block.number, "expected": (previous_in_scope or 0) + 1}))
    last[scope] = value
    last[style] = value


def _cn_value(text: str) -> Optional[int]:
    digits = {c: i for i, c in enumerate(CN, start=1)}
    if len(text) == 1:
        return digits.get(text)
    if text.startswith("十"):
        return 10 + digits.get(text[1], 0) if len(text) == 2 else None
    if len(text) == 2 and text[1] == "十":
        return digits.get(text[0], 0) * 10
    if len(text) == 3 and text[1] == "十":
        return digits.get(text[0], 0) * 10 + digits.get(text[2], 0)
    return None


def _clip(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "…"
