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

    @property
    def raw(self) -> str:
        return self.line.raw[self.start:]

    @property
    def norm(self) -> str:
        return self.line.norm[self.start:]


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


def build(lines: list[Line]) -> Structure:
    s = Structure()
    blocks = [classify(line) for line in lines]
    first = next((i for i, b in enumerate(blocks) if _starts_body(b)), len(blocks))
    s.front = lines[:first]
    stack: list[Heading] = []
    last_item: Optional[ItemSource] = None
    chapter: Optional[ChapterSource] = None
    chapter_heading_id: Optional[int] = None
    last_number: dict[str, int] = {}

    def mode() -> str:
        for h in reversed(stack):
            if h.mode:
                return h.mode
        return "tasks"

    for block in blocks[first:]:
        line = block.line
        if block.kind == "para" and CLOSING.search(line.norm):
            last_item = None
            continue
        if block.kind == "heading":
            while stack and stack[-1].block.level >= block.level:
                stack.pop()
            heading = Heading(block, mode_of(block.norm))
            stack.append(heading)
            last_item = None
            continue
        current = mode()
        if current == "preamble":
            s.preamble_lines += 1
            continue
        if block.kind == "para" and OWN_LINE.match(line.norm):
            if last_item is not None:
                last_item.own_assignments.append(line)
            else:
                s.warnings.append(ParseWarning(line.number, "ASSIGNMENT_UNPLACED", {"text": _clip(line.raw)}))
            continue
        if block.kind == "item":
            _check_number(s, block, last_number, chapter_heading_id, stack)
        if current == "indicators":
            if block.kind in ("item", "dash", "heading") or (
                    block.kind == "para" and len(line.norm) <= 150 and not line.norm.endswith(":")
                    and (find_quantities(line.norm) or QUALITATIVE.search(line.norm))):
                last_item = ItemSource([block], block.kind != "para", list(stack))
                s.indicators.append(last_item)
            elif block.kind == "para" and line.norm.endswith(":"):
                continue  # an introduction: 2022年经济社会发展的主要目标预安排:
            else:
                s.warnings.append(ParseWarning(line.number, "LINE_UNPLACED", {"text": _clip(line.raw)}))
            continue
        # tasks
        owner = _chapter_heading(stack)
        if chapter is None or chapter_heading_id != id(owner):
            chapter = ChapterSource(owner)
            s.chapters.append(chapter)
            chapter_heading_id = id(owner)
        if block.kind in ("item", "dash"):
            last_item = ItemSource([block], True, list(stack))
            chapter.tasks.append(last_item)
            continue
        prev = chapter.tasks[-1] if chapter.tasks else None
        if prev is not None and prev is last_item and prev.numbered and not prev.has_bracket() \
                and not prev.own_assignments:
            prev.blocks.append(block)
            continue
        if len(line.norm) < 10 and not SENTENCE.search(line.norm):
            s.warnings.append(ParseWarning(line.number, "LINE_UNPLACED", {"text": _clip(line.raw)}))
            continue
        if prev is not None and prev.numbered:
            s.warnings.append(ParseWarning(line.number, "TASK_UNNUMBERED", {"text": _clip(line.raw)}))
        last_item = ItemSource([block], False, list(stack))
        chapter.tasks.append(last_item)
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
    style = re.sub(r"[\d" + CN + r"]+", "N" if digits else "C", block.number)
    scope = f"{style}|{id(stack[-1]) if stack else 0}"
    previous_in_scope = last.get(scope)
    previous_global = last.get(style)
    ok = value == 1 or previous_in_scope == value - 1 or previous_global == value - 1
    if value is not None and not ok:
        s.warnings.append(ParseWarning(block.line.number, "NUMBER_GAP",
                                       {"number": block.number, "expected": (previous_in_scope or 0) + 1}))
    if value is not None:
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
