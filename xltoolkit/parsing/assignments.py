"""Who does it: 牵头/责任/配合… labels, unit lists, abbreviations, 等, indicator kind in the bracket.

An assignment is written either as a bracket ending the item ("(牵头单位:区科经局,责任单位:区金融局、
区企业人才中心)", possibly never closed, possibly with the indicator kind first: "(预期性指标,牵头单位:
市发改委;责任单位:市政府有关部门,各县市区)") or on its own line after the item ("落实单位:区发改局、
工信局等").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .units import expand_abbreviation

LEAD_LABELS = ("牵头单位", "牵头部门", "主责单位", "主责部门", "主办单位", "牵头")
RESPONSIBLE_LABELS = ("责任单位", "责任部门", "配合单位", "配合部门", "协办单位", "协办部门", "参与单位", "参与部门",
                      "落实单位", "落实部门", "承办单位", "实施单位", "配合", "责任")
TIME_LABELS = ("完成时限", "完成时间", "时间节点", "时限要求", "时限")
_LABEL_WORDS = sorted(LEAD_LABELS + RESPONSIBLE_LABELS, key=len, reverse=True)
LABEL = re.compile(r"(?P<label>" + "|".join(_LABEL_WORDS) + r")\s*(?::|(?<=单位|部门)(?=\s*[\u4e00-\u9fff]))\s*")
TIME = re.compile(r"(?P<label>" + "|".join(TIME_LABELS) + r")\s*:\s*")
KIND = re.compile(r"(约束性|预期性)(?:指标)?")
KIND_ONLY = re.compile(r"[(\[【]\s*(约束性|预期性)(?:指标)?\s*[)\]】]")
OWN_LINE = re.compile(r"^\s*(?:" + "|".join(_LABEL_WORDS + list(TIME_LABELS)) + r")\s*:")
OPEN = "([【"
CLOSE = {"(": ")", "[": "]", "【": "】"}
ETC = re.compile(r"等(?:有关|相关)?(?:部门|单位)?$")
SEPARATORS = re.compile(r"[、,;/\s]+")
TIME_VALUES = re.compile(r"长期坚持|持续推进|长期推进|\d{4}年(?:\d{1,2}月)?(?:底|末)?(?:前|以前)?|年底前|年内")


@dataclass
class Assignment:
    start: int  # span of the assignment as written (brackets included) in the line or item text
    end: int
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    kind: Optional[str] = None  # binding / expected, when the bracket says it
    time_limit: Optional[str] = None
    unclosed: bool = False
    issues: list[tuple[str, dict]] = field(default_factory=list)  # (warning code, values)


def find_bracket(norm: str) -> Optional[tuple[int, int, bool]]:
    """(start, end, unclosed) of the assignment bracket ending a line, or None."""
    for i, ch in enumerate(norm):
        if ch not in OPEN:
            continue
        inner = norm[i + 1:]
        m = re.match(r"\s*(?:(?:约束性|预期性)(?:指标)?\s*[,;:]?\s*)?", inner)
        rest = inner[m.end():]
        if not (LABEL.match(rest) or TIME.match(rest)):
            continue
        end = _match_close(norm, i)
        if end is None:
            return i, len(norm), True
        if re.fullmatch(r"[\s。;,.]*", norm[end:]):
            return i, end, False
    return None


def _match_close(norm: str, start: int) -> Optional[int]:
    depth = 0
    for j in range(start, len(norm)):
        ch = norm[j]
        if ch in OPEN:
            depth += 1
        elif ch in ")]】":
            depth -= 1
            if depth == 0:
                return j + 1
    return None


def parse_assignment(raw: str, norm: str, start: int, end: int, unclosed: bool = False) -> Assignment:
    """Read the labels and unit lists in raw[start:end] (a bracket or an own line)."""
    a = Assignment(start, end, unclosed=unclosed)
    inner_start, inner_end = start, end
    if norm[start:start + 1] in OPEN:
        inner_start += 1
        if not unclosed and norm[end - 1:end] in ")]】":
            inner_end -= 1
    labels = list(LABEL.finditer(norm, inner_start, inner_end))
    times = list(TIME.finditer(norm, inner_start, inner_end))
    marks = sorted([(m, "unit") for m in labels] + [(m, "time") for m in times], key=lambda x: x[0].start())
    head = norm[inner_start:marks[0][0].start() if marks else inner_end]
    kind = KIND.search(head)
    if kind:
        a.kind = "binding" if kind.group(1) == "约束性" else "expected"
    for n, (m, what) in enumerate(marks):
        seg_end = marks[n + 1][0].start() if n + 1 < len(marks) else inner_end
        if what == "time":
            value = raw[m.end():seg_end].strip(" ,;，；。")
            a.time_limit = value or None
            continue
        names = _split_units(raw, norm, m.end(), seg_end, a)
        target = a.lead if m.group("label") in LEAD_LABELS else a.responsible
        for name in names:
            if name not in target:
                target.append(name)
    both = [n for n in a.responsible if n in a.lead]
    for name in both:
        a.responsible.remove(name)
        a.issues.append(("UNIT_BOTH_ROLES", {"unit": name}))
    if unclosed:
        a.issues.append(("BRACKET_UNCLOSED", {"text": raw[start:end][:40]}))
    return a


def _split_units(raw: str, norm: str, start: int, end: int, a: Assignment) -> list[str]:
    names: list[str] = []
    depth = 0
    piece_start = start
    pieces: list[tuple[int, int]] = []
    for i in range(start, end):
        ch = norm[i]
        if ch in "([【":
            depth += 1
        elif ch in ")]】":
            depth = max(0, depth - 1)
        elif depth == 0 and SEPARATORS.fullmatch(ch):
            pieces.append((piece_start, i))
            piece_start = i + 1
    pieces.append((piece_start, end))
    first_scoped: Optional[str] = None
    for p_start, p_end in pieces:
        name = raw[p_start:p_end].strip(" \t\u3000,;，；。:：")
        if not name:
            continue
        m = ETC.search(name)
        if m and m.start() > 0:
            name = name[:m.start()]
            a.issues.append(("LIST_ENDS_ETC", {"unit": name}))
        if len(name) > 40 or "。" in name or not re.search(r"[\u4e00-\u9fffA-Za-z]", name):
            a.issues.append(("UNIT_NAME_ODD", {"unit": name[:40]}))
            continue
        if first_scoped is None and re.match(r"^(区|市|县|省|镇|乡)", name):
            first_scoped = name
        elif first_scoped is not None:
            full = expand_abbreviation(name, first_scoped)
            if full:
                a.issues.append(("UNIT_ABBREVIATION", {"short": name, "full": full, "first": first_scoped}))
                name = full
        names.append(name)
    return names


def own_line_assignment(raw: str, norm: str) -> Optional[Assignment]:
    """A responsibility written on its own line ('落实单位:区发改局、工信局等'), else None."""
    if not OWN_LINE.match(norm):
        return None
    return parse_assignment(raw, norm, 0, len(norm))


def time_limit_in(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    m = TIME_VALUES.search(value)
    return m.group(0) if m else value
