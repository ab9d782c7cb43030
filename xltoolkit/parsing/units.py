"""Unit names: kinds by suffix rules, ids, alias suggestions (never merged silently).

Every spelling found in the document is its own unit; variant spellings are only *proposed* as one
unit (`suggest_aliases`), for a person to confirm in the plan file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .text import normalize

# Kind rules, first match wins. Each is (kind, pattern on the name, rule in words).
KIND_RULES: list[tuple[str, re.Pattern, str]] = [
    ("collective", re.compile(r"^(?:各|相关|有关)|成员单位$|组成单位$|等各|等有关|等相关|等部门$|等单位$"),
     "各…/相关…/有关…, …成员单位, …等各…: a group of units"),
    ("judicial", re.compile(r"(?:法院|检察院)$"), "…法院, …检察院"),
    ("mass_organization", re.compile(r"(?:妇联|残联|总工会|工会|团[区市县]委|共青团.*|工商联|科协|侨联|文联|红十字会)$"),
     "妇联, 残联, 总工会, 团委, 工商联, 科协, 侨联, 文联, 红十字会"),
    ("party_organ", re.compile(r"^(?:中共)?.{0,8}?[区市县镇]委(?!员会成员)|^(?:区|市|县).{0,2}(?:政法委|纪委|监委)|党委|党工委|组织部|宣传部|统战部"),
     "区委…/市委…/县委…, 政法委, 纪委监委, 党(工)委, 组织部, 宣传部, 统战部"),
    ("management_committee", re.compile(r"(?:管委会|管理委员会|管委)$"), "…管委会, …管理委员会"),
    ("street_office", re.compile(r"(?:街道办事处|街道|街办|镇人民政府|乡人民政府|镇|乡)$"), "…街道(办事处), …镇, …乡"),
    ("city_branch", re.compile(r"分局$|税务|交通大队|交警|海关|气象|处$|供电|烟草|邮政"),
     "…分局 (city bureau branch), 税务 (vertically managed), 交通大队/交警, …处 (city office), 供电, 海关, 气象"),
]


def unit_kind(name: str) -> tuple[str, str]:
    """The kind of a unit from its name (traditional script read as simplified), and the rule that decided it."""
    name = normalize(name)
    for kind, pattern, rule in KIND_RULES:
        if pattern.search(name):
            return kind, rule
    return "department", "default: a government department (…局, …办, …中心, …委 …)"


@dataclass
class UnitEntry:
    name: str
    kind: str
    first_line: int
    uses: int = 0
    members: list[str] = field(default_factory=list)


class UnitRegistry:
    """Units in order of first appearance."""

    def __init__(self) -> None:
        self._entries: dict[str, UnitEntry] = {}

    def add(self, name: str, line: int) -> str:
        entry = self._entries.get(name)
        if entry is None:
            entry = UnitEntry(name, unit_kind(name)[0], line)
            self._entries[name] = entry
        entry.uses += 1
        return name

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    @property
    def entries(self) -> list[UnitEntry]:
        return list(self._entries.values())

    def resolve_members(self) -> None:
        """A collective written 'X等各…' has X as its named member when X is a unit too."""
        for entry in self._entries.values():
            if entry.kind != "collective":
                continue
            m = re.match(r"^(.+?)等(?:各|有关|相关)", entry.name)
            if m and m.group(1) in self._entries and m.group(1) != entry.name:
                entry.members = [m.group(1)]

    def to_data(self) -> list[dict]:
        width = max(2, len(str(len(self._entries))))
        return [{"id": f"u{i:0{width}d}", "name": e.name, "kind": e.kind, "aliases": [],
                 "members": list(e.members), "note": None}
                for i, e in enumerate(self._entries.values(), start=1)]


# --------------------------------------------------------------------------- abbreviations

SCOPE_PREFIX = re.compile(r"^(区|市|县|省|镇|乡)")
_SHORT_DEPARTMENT = re.compile(r"^[\u4e00-\u9fff]{1,4}(?:局|委|办|厅)$")


def expand_abbreviation(name: str, first: str) -> Optional[str]:
    """'工信局' after '区发改局' in one list means '区工信局'; None when the rule does not apply."""
    m = SCOPE_PREFIX.match(first)
    if not m or SCOPE_PREFIX.match(name) or not _SHORT_DEPARTMENT.match(name):
        return None
    if re.search(r"[区市县省镇乡街]", name) or name.startswith(("各", "相关", "有关")):
        return None
    return m.group(1) + name


# --------------------------------------------------------------------------- alias suggestions

@dataclass(frozen=True)
class AliasSuggestion:
    a: str
    b: str  # the proposed canonical name (the more frequent, else the longer spelling)
    reason: str  # code: place_prefix, inserted_chars, section


_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,3}?(市|区|县)(?=[\u4e00-\u9fff]{2})")


def _place_key(name: str) -> str:
    """'武汉市生态环境局…' -> '市生态环境局…', '武昌区公安分局' -> '区公安分局'."""
    m = _PLACE.match(name)
    if m and not name.startswith(("区", "市", "县")):
        return m.group(1) + name[m.end():]
    return name


def _subsequence_extra(short: str, long: str) -> Optional[int]:
    """How many characters `long` adds to `short` when short is a subsequence of long, else None."""
    it = iter(long)
    if all(ch in it for ch in short):
        return len(long) - len(short)
    return None


def similar(a: str, b: str) -> Optional[str]:
    """Why two spellings may name one unit, or None."""
    if a == b:
        return None
    if _place_key(a) == _place_key(b):
        return "place_prefix"
    sa, sb = re.sub(r"[(（][^()（）]*[)）]$", "", a), re.sub(r"[(（][^()（）]*[)）]$", "", b)
    if (sa != a or sb != b) and sa == sb:
        return "section"
    short, long = sorted((_place_key(a), _place_key(b)), key=len)
    if len(short) >= 3 and short[0] == long[0] and short[-1] == long[-1]:
        extra = _subsequence_extra(short, long)
        if extra is not None and 1 <= extra <= 3 and not _is_collective(long):
            return "inserted_chars"
    return None


def _is_collective(name: str) -> bool:
    return unit_kind(name)[0] == "collective"


ALIAS_PAIRWISE_LIMIT = 400  # units compared pair by pair; above it only exact keys (linear)


def suggest_aliases(entries: list[UnitEntry]) -> list[AliasSuggestion]:
    if len(entries) > ALIAS_PAIRWISE_LIMIT:
        return _suggest_by_key(entries)
    out = []
    for i, x in enumerate(entries):
        for y in entries[i + 1:]:
            reason = similar(x.name, y.name)
            if reason is None:
                continue
            out.append(_suggestion(x, y, reason))
    return out


def _suggestion(x: UnitEntry, y: UnitEntry, reason: str) -> AliasSuggestion:
    if reason == "section":
        canonical = min((x, y), key=lambda e: len(e.name))
    else:
        canonical = max((x, y), key=lambda e: (e.uses, e.name.startswith(("区", "市")), len(e.name)))
    other = y if canonical is x else x
    return AliasSuggestion(other.name, canonical.name, reason)


def _suggest_by_key(entries: list[UnitEntry]) -> list[AliasSuggestion]:
    """place_prefix and section suggestions through dictionaries: linear in the number of units."""
    out = []
    for reason, key in (("place_prefix", _place_key),
                        ("section", lambda n: re.sub(r"[(（][^()（）]*[)）]$", "", n))):
        first: dict[str, UnitEntry] = {}
        for e in entries:
            k = key(e.name)
            if k in first and first[k].name != e.name and similar(first[k].name, e.name) == reason:
                out.append(_suggestion(first[k], e, reason))
            first.setdefault(k, e)
    return out
