"""Who does it: 牵头/责任/配合… labels, unit lists, abbreviations, 等, indicator kind in the bracket.

An assignment is written either as a bracket ending the item ("(牵头单位:区科经局,责任单位:区金融局、
区企业人才中心)", possibly never closed, possibly with the indicator kind first: "(预期性指标,牵头单位:
市发改委;责任单位:市政府有关部门,各县市区)") or on its own line after the item ("落实单位:区发改局、
工信局等"). Table columns (牵头单位 | 配合单位 | 完成时限) arrive as such an own line, built by tables.py.

Responsibility may also be written with verbs instead of labels: "(省发展改革委牵头,省财政厅、省自然资源
厅配合)", "(X牵头,Y按职责分工负责)". A leader named for the item ("分管副省长…负责", "分管领导:…") is kept as
a note, never as a unit. A collective written over a 、 ("各区、县级市": each district and each county-level
city) stays one collective: a bare kind of place after 各… is never a unit of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .text import normalize
from .units import expand_abbreviation

LEAD_LABELS = ("牵头单位", "牵头部门", "主责单位", "主责部门", "主办单位", "牵头")
RESPONSIBLE_LABELS = ("责任单位", "责任部门", "配合单位", "配合部门", "协办单位", "协办部门", "参与单位", "参与部门",
                      "落实单位", "落实部门", "承办单位", "实施单位", "配合", "责任")
TIME_LABELS = ("完成时限", "完成时间", "时间节点", "时限要求", "时限")
LEADER_LABELS = ("分管区领导", "分管市领导", "分管省领导", "分管领导", "责任领导", "牵头领导", "责任区领导", "联系领导")
_LABEL_WORDS = sorted(LEAD_LABELS + RESPONSIBLE_LABELS, key=len, reverse=True)
LABEL = re.compile(r"(?P<label>" + "|".join(_LABEL_WORDS) + r")\s*(?::|(?<=单位|部门)(?=\s*[\u4e00-\u9fff]))\s*")
TIME = re.compile(r"(?P<label>" + "|".join(TIME_LABELS) + r")\s*:\s*")
LEADER = re.compile(r"(?P<label>" + "|".join(LEADER_LABELS) + r")\s*:\s*")
KIND = re.compile(r"(约束性|预期性)(?:指标)?")
KIND_ONLY = re.compile(r"[(\[【]\s*(约束性|预期性)(?:指标)?\s*[)\]】]")
OWN_LINE = re.compile(r"^\s*(?:" + "|".join(sorted(_LABEL_WORDS + list(TIME_LABELS) + list(LEADER_LABELS), key=len,
                                                      reverse=True)) + r")\s*:")
# Verb form: who + verb, clause by clause. Longer verbs first.
VERBS_LEAD = ("牵头负责", "牵头落实", "牵头")
VERBS_RESPONSIBLE = ("按职责分工负责", "按职责分工落实", "按职能分工负责", "按职责负责", "分工负责", "共同负责", "配合落实",
                     "具体负责", "负责落实", "协同配合", "配合", "参与", "协助", "协同", "负责")
_VERB_WORDS = sorted(VERBS_LEAD + VERBS_RESPONSIBLE, key=len, reverse=True)
VERB_CLAUSE = re.compile(r"(?:由)?(?P<who>.+?)\s*(?P<verb>" + "|".join(_VERB_WORDS) + r")\s*$")
_VERB_BRACKET = re.compile(r"[^()\[\]【】\n]{1,300}?(?:" + "|".join(_VERB_WORDS) + r")\s*(?:[,;)\]】]|$)")
LEADER_WORDS = re.compile(r"分管|领导|副?(?:省|市|区|县|州|镇)长|书记|秘书长|主任(?:牵头)?$")
# A bare kind of place after 各…: "各区、县级市" is each district and each county-level city.
PLACE_KIND = re.compile(r"^(?:县级市|县市区|县区|市县|市区|区县|县|市|区|乡镇|乡|镇|街道|街|开发区|功能区|园区|管委会|单位|部门)"
                        r"(?:人民政府|政府|党委|党委和政府|党委政府|管委会|办事处)?$")
OPEN = "([【"
CLOSE = {"(": ")", "[": "]", "【": "】"}
ETC = re.compile(r"等(?:有关|相关)?(?:部门|单位)?$")
SEPARATORS = re.compile(r"[、,;/\s]+")
TIME_VALUES = re.compile(r"长期坚持|持续推进|长期推进|\d{4}年(?:\d{1,2}月)?(?:\d{1,2}日)?(?:底|末)?(?:前|以前)?|年底前|年内"
                         r"|\d{4}\s*[.\-/]\s*\d{1,2}(?:\s*[.\-/]\s*\d{1,2})?")


@dataclass
class Assignment:
    start: int  # span of the assignment as written (brackets included) in the line or item text
    end: int
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    kind: Optional[str] = None  # binding / expected, when the bracket says it
    time_limit: Optional[str] = None
    unclosed: bool = False
    leaders: list[str] = field(default_factory=list)  # leaders named for the item, as written (a note)
    issues: list[tuple[str, dict]] = field(default_factory=list)  # (warning code, values)


_BRACKET_HEAD = re.compile(r"\s*(?:(?:约束性|预期性)(?:指标)?\s*[,;:]?\s*)?")
_OPEN_RE = re.compile("[" + re.escape(OPEN) + "]")
_TAIL = re.compile(r"[\s。;,.]*")


def find_bracket(norm: str) -> Optional[tuple[int, int, bool]]:
    """(start, end, unclosed) of the assignment bracket ending a line, or None.

    Linear in the line: brackets are matched once with a stack (`_closes`), and labels are matched
    in place, so deeply nested or unbalanced brackets cost no more than plain text.
    """
    closes: Optional[dict[int, int]] = None
    for m in _OPEN_RE.finditer(norm):
        i = m.start()
        rest = _BRACKET_HEAD.match(norm, i + 1).end()
        if not (LABEL.match(norm, rest) or TIME.match(norm, rest) or _verb_bracket(norm, i)):
            continue
        if closes is None:
            closes = _closes(norm)
        end = closes.get(i)
        if end is None:
            return i, len(norm), True
        if _TAIL.fullmatch(norm, end):
            return i, end, False
    return None


def _verb_bracket(norm: str, i: int) -> bool:
    """Whether the bracket at i reads 'X牵头, Y配合' (responsibility given with verbs)."""
    return bool(_VERB_BRACKET.match(norm, i + 1))


def _closes(norm: str) -> dict[int, int]:
    """For each opening bracket, the index just after its matching close (unmatched ones absent)."""
    stack: list[int] = []
    out: dict[int, int] = {}
    for j, ch in enumerate(norm):
        if ch in OPEN:
            stack.append(j)
        elif ch in ")]】" and stack:
            out[stack.pop()] = j + 1
    return out


def _match_close(norm: str, start: int) -> Optional[int]:
    return _closes(norm).get(start)


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
    leaders = list(LEADER.finditer(norm, inner_start, inner_end))
    marks = sorted([(m, "unit") for m in labels] + [(m, "time") for m in times] + [(m, "leader") for m in leaders],
                   key=lambda x: x[0].start())
    head = norm[inner_start:marks[0][0].start() if marks else inner_end]
    kind = KIND.search(head)
    if kind:
        a.kind = "binding" if kind.group(1) == "约束性" else "expected"
    if not labels:
        _verb_clauses(raw, norm, inner_start, marks[0][0].start() if marks else inner_end, a)
    for n, (m, what) in enumerate(marks):
        seg_end = marks[n + 1][0].start() if n + 1 < len(marks) else inner_end
        if what in ("time", "leader"):
            value = raw[m.end():seg_end].strip(" ,;，；。")
            if what == "time":
                a.time_limit = value or None
            elif value:
                a.leaders.append(value)
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


def _verb_clauses(raw: str, norm: str, start: int, end: int, a: Assignment) -> None:
    """'分管副省长…负责,省发展改革委牵头,省财政厅、省自然资源厅配合' -> leader note, lead, responsible."""
    for c_start, c_end in _top_level_spans(norm, start, end, ",;"):
        m = VERB_CLAUSE.match(norm, c_start, c_end)
        if not m:
            continue
        who_start, who_end = m.start("who"), m.end("who")
        if LEADER_WORDS.search(norm, who_start, who_end):
            a.leaders.append(raw[c_start:c_end].strip())
            continue
        target = a.lead if m.group("verb") in VERBS_LEAD else a.responsible
        for name in _split_units(raw, norm, who_start, who_end, a):
            if name not in target:
                target.append(name)


def _top_level_spans(norm: str, start: int, end: int, separators: str) -> list[tuple[int, int]]:
    spans, depth, piece = [], 0, start
    for i in range(start, end):
        ch = norm[i]
        if ch in "([【":
            depth += 1
        elif ch in ")]】":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in separators:
            spans.append((piece, i))
            piece = i + 1
    spans.append((piece, end))
    return [(x, y) for x, y in spans if y > x]


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
    first_scoped: Optional[str] = None  # normalized
    first_raw = ""
    for n, (p_start, p_end) in enumerate(pieces):
        name = raw[p_start:p_end].strip(" \t\u3000,;，；。:：")
        if not name:
            continue
        m = ETC.search(name)
        if m and m.start() > 0:
            name = name[:m.start()]
            a.issues.append(("LIST_ENDS_ETC", {"unit": name}))
        name_norm = normalize(name)
        if names and names[-1].startswith("各") and norm[pieces[n - 1][1]:p_start] == "、" \
                and PLACE_KIND.match(name_norm):
            names[-1] = names[-1] + raw[pieces[n - 1][1]:p_start] + name  # 各区、县级市: one collective
            continue
        if len(name) > 40 or "。" in name or not re.search(r"[\u4e00-\u9fffA-Za-z]", name):
            a.issues.append(("UNIT_NAME_ODD", {"unit": name[:40]}))
            continue
        if first_scoped is None and re.match(r"^(区|市|县|省|镇|乡)", name_norm):
            first_scoped, first_raw = name_norm, name
        elif first_scoped is not None:
            full = expand_abbreviation(name_norm, first_scoped)
            if full:
                full = first_raw[0] + name  # the scope character as the document writes it
                a.issues.append(("UNIT_ABBREVIATION", {"short": name, "full": full, "first": first_raw}))
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
