"""Unit suggestions for an item from a similar plan (pure): which units did the most similar items
of another plan have, and which units does the item's own text name.

Similarity is the cosine of character-bigram TF-IDF vectors over the items' texts (title + text for
tasks, name + target text for indicators): Chinese has no spaces, and bigrams catch the shared
terms (招商, 专精特新, 老旧小区) without a word segmenter or any dependency. Suggestions are shown to
the office in the plan workbook and never applied by themselves.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Optional

from .model import Plan

_NOISE = re.compile(r"[\s\d０-９,，.。、;；:：()（）“”\"'《》<>\-—%％]+")


@dataclass(frozen=True)
class Suggestion:
    """Units suggested for one item: from the most similar item of the other plan (`matched_id`,
    cosine `score` 0–1), and the units its own text names."""

    item_id: str
    matched_id: Optional[str] = None
    score: float = 0.0
    lead_units: tuple[str, ...] = ()
    responsible_units: tuple[str, ...] = ()
    named_units: tuple[str, ...] = field(default_factory=tuple)

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.named_units, *self.lead_units, *self.responsible_units]))


def bigrams(text: str) -> Counter:
    parts = [p for p in _NOISE.split(text) if p]
    return Counter(p[i:i + 2] for p in parts for i in range(len(p) - 1)) + Counter(p for p in parts if len(p) == 1)


def _items(plan: Plan) -> list[tuple[str, str, list[str], list[str]]]:
    """(id, text, lead units, responsible units) of every indicator and task."""
    out = [(i.id, f"{i.name} {i.target.text}", list(i.lead_units), list(i.responsible_units))
           for i in plan.indicators]
    out += [(t.id, f"{t.title} {t.text}", list(t.lead_units), list(t.responsible_units)) for t in plan.tasks]
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


def suggest(plan: Plan, other: Plan, min_score: float = 0.05) -> dict[str, Suggestion]:
    """For every indicator and task of `plan`: the units of the most similar item of `other` that
    has units (when at least `min_score` similar), and the units of either plan its text names."""
    mine, theirs = _items(plan), [x for x in _items(other) if x[2] or x[3]]
    vectors = _vectors([bigrams(text) for _, text, _, _ in mine + theirs])
    mine_v, theirs_v = vectors[:len(mine)], vectors[len(mine):]
    spellings: dict[str, str] = {}
    for p in (other, plan):
        for u in p.units:
            for s in (u.name, *u.aliases):
                spellings.setdefault(s, u.name)
    out: dict[str, Suggestion] = {}
    for (item_id, text, _, _), v in zip(mine, mine_v):
        named = tuple(dict.fromkeys(spellings[s] for s in named_units(text, spellings)))
        best, score = None, 0.0
        for candidate, w in zip(theirs, theirs_v):
            c = _cosine(v, w)
            if c > score:
                best, score = candidate, c
        if best is None or score < min_score:
            out[item_id] = Suggestion(item_id, named_units=named)
        else:
            out[item_id] = Suggestion(item_id, best[0], round(score, 3), tuple(best[2]), tuple(best[3]), named)
    return out
