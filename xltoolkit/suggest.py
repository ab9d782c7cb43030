"""Unit suggestions for the items of a plan that assigns none (pure): which units does the item's
own text name, whose duties do its words belong to, and which units did the most similar items of
another plan have. Suggestions are shown to the office in the plan workbook and never applied by
themselves.

Three kinds of evidence, each a share over the candidate units (the units of both plans):

* **named** — the item's text names the unit (its name, an alias, or a full name from the duty
  table: 区发展和改革局 for 区发改局): 1 for each named unit, else 0;
* **duty** — the keywords of each unit's field of work (the duty table, duties.py, from
  `templates/unit_duties.zh-CN.yaml`) found in the item's title and text (the title counted once
  more). Occurrences are matched longest keyword first and never overlap; a keyword found `n` times
  weighs 1 + ln n, split in equal parts among the units that list it. duty(u) is unit u's part of
  the item's total keyword weight (0–1, the parts add up to 1);
* **similar** — the `neighbours` most similar items of the other plan (cosine of character-bigram
  TF-IDF vectors over title + text, at least `min_score`): each votes its cosine for each of its
  first-named units (lead units, or the responsible units of an item that has no lead) and half of
  it for its other units. similar(u) is unit u's part of the votes (0–1).

    score(u) = 2·named(u) + 1·duty(u) + 0.6·similar(u)

so a named unit always comes first (duty + similar ≤ 1.6 < 2), and duty keywords weigh more than
similar items. Units are ranked by score (ties in the order of the plans' unit lists), at most
`max_units` of them, none with score 0. Chinese has no spaces: bigrams catch shared terms (招商,
专精特新, 老旧小区) and keywords are found as substrings, with no word segmenter or dependency.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from .duties import DutyTable, load_duties
from .model import Plan

_NOISE = re.compile(r"[\s\d０-９,，.。、;；:：()（）“”\"'《》<>\-—%％]+")


@dataclass(frozen=True)
class Weights:
    """The scoring rule's constants (module docstring). `named` must exceed `duty + similar`."""

    named: float = 2.0
    duty: float = 1.0
    similar: float = 0.6
    neighbours: int = 3
    other_role: float = 0.5  # a neighbour's vote for its units after the first-named ones
    max_units: int = 5

    def __post_init__(self):
        if min(self.named, self.duty, self.similar, self.other_role) < 0 or self.neighbours < 0 or self.max_units < 1:
            raise ValueError(f"weights must not be negative, max_units at least 1: {self}")
        if self.named <= self.duty + self.similar:
            raise ValueError(f"named must exceed duty + similar, so that a named unit comes first: {self}")


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class RankedUnit:
    """One suggested unit: its `score` and the evidence behind it (named in the text; its share of
    the duty-keyword weight, with the keywords found; its share of the similar items' votes).
    `proposed`: no plan has the unit; the name is the duty table's (the office would add it)."""

    name: str
    score: float
    named: bool = False
    duty: float = 0.0
    similar: float = 0.0
    keywords: tuple[str, ...] = ()
    proposed: bool = False


@dataclass(frozen=True)
class Suggestion:
    """Units suggested for one item. `ranked`: the units in the order of the scoring rule, best
    first, with their evidence. Also, as before: the most similar item of the other plan
    (`matched_id`, cosine `score` 0–1) with its lead and responsible units, and the units the item's
    own text names."""

    item_id: str
    matched_id: Optional[str] = None
    score: float = 0.0
    lead_units: tuple[str, ...] = ()
    responsible_units: tuple[str, ...] = ()
    named_units: tuple[str, ...] = field(default_factory=tuple)
    ranked: tuple[RankedUnit, ...] = ()

    @property
    def units(self) -> tuple[str, ...]:
        """The suggested units, best first."""
        if self.ranked:
            return tuple(r.name for r in self.ranked)
        return tuple(dict.fromkeys([*self.named_units, *self.lead_units, *self.responsible_units]))

    @property
    def duty_keywords(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(unit, keywords found) for the ranked units with duty evidence."""
        return tuple((r.name, r.keywords) for r in self.ranked if r.keywords)


@dataclass(frozen=True)
class _Item:
    id: str
    title: str
    text: str
    lead: tuple[str, ...]
    responsible: tuple[str, ...]

    @property
    def first_units(self) -> tuple[str, ...]:
        """The units in charge: the lead units, or the responsible units when there is no lead."""
        return self.lead or self.responsible

    @property
    def other_units(self) -> tuple[str, ...]:
        return self.responsible if self.lead else ()


def bigrams(text: str) -> Counter:
    parts = [p for p in _NOISE.split(text) if p]
    return Counter(p[i:i + 2] for p in parts for i in range(len(p) - 1)) + Counter(p for p in parts if len(p) == 1)


def _items(plan: Plan) -> list[_Item]:
    """Every indicator and task: indicators by name and the line as written (or the target phrase)."""
    out = [_Item(i.id, i.name, i.text or i.target.text, tuple(i.lead_units), tuple(i.responsible_units))
           for i in plan.indicators]
    out += [_Item(t.id, t.title, t.text, tuple(t.lead_units), tuple(t.responsible_units)) for t in plan.tasks]
    return out


def _vectors(docs: list[Counter]) -> list[dict[str, float]]:
    df = Counter(term for d in docs for term in d)
    n = len(docs)
    vectors = []
    for d in docs:
        v = {t: (1 + math.log(c)) * math.log((1 + n) / (1 + df[t])) for t, c in d.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({t: x / norm for t, x in v.items()})
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0.0) for t, x in a.items())


def named_units(text: str, names: Iterable[str]) -> tuple[str, ...]:
    """Unit names (or aliases, given as names) that occur in `text`, longest first, no repeats."""
    found = []
    for name in sorted(set(names), key=len, reverse=True):
        if len(name) >= 3 and name in text and not any(name in f for f in found):
            found.append(name)
    return tuple(found)


def find_keywords(text: str, keywords: Iterable[str]) -> Counter:
    """How often each keyword occurs in `text`, longest keywords first, occurrences not overlapping
    (in 社会消费品零售总额 only that keyword, not 消费 again)."""
    taken = bytearray(len(text))
    found: Counter = Counter()
    for kw in sorted(set(keywords), key=lambda k: (-len(k), k)):
        start = text.find(kw)
        while start >= 0:
            end = start + len(kw)
            if not any(taken[start:end]):
                taken[start:end] = b"\x01" * len(kw)
                found[kw] += 1
            start = text.find(kw, start + 1)
    return found


class _Candidates:
    """The units a suggestion may name, in a fixed order (for ties), with their spellings and duty
    keywords: the plans' units (collectives have no duties), then the units the duty table proposes
    for a kind of unit no plan has (`proposed`)."""

    def __init__(self, plans: Sequence[Plan], duties: DutyTable):
        self.order: dict[str, int] = {}
        self.spellings: dict[str, str] = {}
        self.keywords: dict[str, tuple[str, ...]] = {}
        self.proposed: set[str] = set()
        entry_unit: dict[int, str] = {}
        for p in plans:
            for u in p.units:
                if u.name in self.order:
                    continue
                self.order[u.name] = len(self.order)
                for s in (u.name, *u.aliases):
                    self.spellings.setdefault(s, u.name)
                entry = None if u.kind == "collective" else duties.entry_for(u.name, u.aliases)
                if entry is not None:
                    self.keywords[u.name] = entry.keywords
                    if u.name in entry.names or id(entry) not in entry_unit:
                        entry_unit[id(entry)] = u.name
        for entry in duties.entries:
            if entry.propose and id(entry) not in entry_unit and entry.propose not in self.order:
                self.order[entry.propose] = len(self.order)
                self.keywords[entry.propose] = entry.keywords
                self.proposed.add(entry.propose)
                entry_unit[id(entry)] = entry.propose
            unit = entry_unit.get(id(entry))
            if unit is not None:
                for alias in (*entry.names, *((entry.propose,) if entry.propose else ()), *entry.aliases):
                    self.spellings.setdefault(alias, unit)
        self.units_of_keyword: dict[str, list[str]] = {}
        for unit, kws in self.keywords.items():
            for kw in kws:
                self.units_of_keyword.setdefault(kw, []).append(unit)

    def rank_key(self, name: str) -> int:
        return self.order.get(name, len(self.order))


def _duty_shares(item: _Item, cands: _Candidates) -> tuple[dict[str, float], dict[str, list[str]]]:
    found = find_keywords(f"{item.title}\n{item.title}\n{item.text}" if item.title not in item.text
                          else f"{item.title}\n{item.text}", cands.units_of_keyword)
    raw: dict[str, float] = {}
    words: dict[str, list[str]] = {}
    for kw, n in sorted(found.items(), key=lambda x: (-x[1], -len(x[0]), x[0])):  # most frequent first
        units = cands.units_of_keyword[kw]
        for u in units:
            raw[u] = raw.get(u, 0.0) + (1 + math.log(n)) / len(units)
            words.setdefault(u, []).append(kw)
    total = sum(raw.values())
    return ({u: x / total for u, x in raw.items()} if total else {}), words


def _similar_shares(neighbours: list[tuple[float, _Item]], weights: Weights) -> dict[str, float]:
    votes: dict[str, float] = {}
    for cos, other in neighbours:
        for u in other.first_units:
            votes[u] = votes.get(u, 0.0) + cos
        for u in other.other_units:
            if u not in other.first_units:
                votes[u] = votes.get(u, 0.0) + cos * weights.other_role
    total = sum(votes.values())
    return {u: x / total for u, x in votes.items()} if total else {}


def _suggest_one(item: _Item, ranked_refs: list[tuple[float, _Item]], cands: _Candidates, weights: Weights,
                 min_score: float) -> Suggestion:
    text = f"{item.title} {item.text}"
    named = tuple(dict.fromkeys(cands.spellings[s] for s in named_units(text, cands.spellings)))
    neighbours = [(c, o) for c, o in ranked_refs[:weights.neighbours] if c >= min_score]
    duty, words = _duty_shares(item, cands) if weights.duty else ({}, {})
    similar = _similar_shares(neighbours, weights) if weights.similar else {}
    units = set(named) | set(duty) | set(similar)
    ranked = sorted(
        (RankedUnit(u, round(weights.named * (u in named) + weights.duty * duty.get(u, 0.0)
                             + weights.similar * similar.get(u, 0.0), 6),
                    u in named, round(duty.get(u, 0.0), 6), round(similar.get(u, 0.0), 6), tuple(words.get(u, ())),
                    u in cands.proposed)
         for u in units),
        key=lambda r: (-r.score, cands.rank_key(r.name), r.name))
    ranked = tuple(r for r in ranked if r.score > 0)[:max(weights.max_units, len(named))]
    if neighbours:
        cos, best = neighbours[0]
        return Suggestion(item.id, best.id, round(cos, 3), best.lead, best.responsible, named, ranked)
    return Suggestion(item.id, named_units=named, ranked=ranked)


def _ranked_references(v: dict[str, float], refs: list[tuple[_Item, dict[str, float]]],
                       skip: Optional[str] = None) -> list[tuple[float, _Item]]:
    scored = [(_cosine(v, w), n, o) for n, (o, w) in enumerate(refs) if o.id != skip]
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [(c, o) for c, _, o in scored if c > 0]


def suggest(plan: Plan, other: Plan, min_score: float = 0.05, duties: Optional[DutyTable] = None,
            weights: Weights = DEFAULT_WEIGHTS) -> dict[str, Suggestion]:
    """For every indicator and task of `plan`: units ranked by the scoring rule (module docstring)
    from the units of `other` and `plan`, the duty table (`duties`, default the shipped one;
    `DutyTable.empty()` for none) and the items of `other` that have units (similar when at least
    `min_score`)."""
    duties = load_duties() if duties is None else duties
    mine, theirs = _items(plan), [x for x in _items(other) if x.lead or x.responsible]
    vectors = _vectors([bigrams(f"{x.title} {x.text}") for x in mine + theirs])
    refs = list(zip(theirs, vectors[len(mine):]))
    cands = _Candidates([other, plan], duties)
    return {item.id: _suggest_one(item, _ranked_references(v, refs), cands, weights, min_score)
            for item, v in zip(mine, vectors[:len(mine)])}


def suggest_held_out(plan: Plan, min_score: float = 0.05, duties: Optional[DutyTable] = None,
                     weights: Weights = DEFAULT_WEIGHTS) -> dict[str, Suggestion]:
    """Leave-one-out on a plan that has units: for each item, its own units hidden, suggestions from
    the plan's other items (and the duty table), as `suggest` would make them. For measuring the
    suggestions against a document's real division of work (scripts/suggest_report.py)."""
    duties = load_duties() if duties is None else duties
    items = [x for x in _items(plan) if x.lead or x.responsible]
    vectors = _vectors([bigrams(f"{x.title} {x.text}") for x in items])
    refs = list(zip(items, vectors))
    cands = _Candidates([plan], duties)
    return {item.id: _suggest_one(item, _ranked_references(v, refs, skip=item.id), cands, weights, min_score)
            for item, v in zip(items, vectors)}


def real_leads(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Each item's units in charge as the document assigns them: its lead units, or its responsible
    units when it has no lead (the 14th-FYP scheme names only 责任单位 for its indicators)."""
    return {x.id: x.first_units for x in _items(plan) if x.first_units}
