"""How good are the unit suggestions of `xltool plan export --suggest-from`? (prints figures)

Two measurements, each for the old method (units of the single most similar item, then the units
the text names: the method before the duty table, kept here as `legacy_suggest` to compare) and the
new one (xltoolkit/suggest.py: named units, duty keywords, similar items):

1. The 2022 annual plan against REFERENCE: for each of its 28 items, the lead unit a reader of the
   two documents would pick (our judgment, from the item's wording and the 14th-FYP scheme's division
   of the same field). The duty table was not written from these picks.
2. Held out: leave-one-out on the 14th-FYP scheme itself. For each of its 40 items, its own units are
   hidden and units are suggested from the plan's other items (and the duty table); the truth is the
   document's own units in charge (lead units, or the responsible units of an indicator that has no
   lead). Nothing in the method or the duty table was fitted to these assignments.

Printed for each: first suggested unit right, the right unit among the suggested ones (and among the
first 3, since the methods suggest different numbers of units), no suggestion, and the mean number of
suggested units. Then the same for each kind of evidence alone (what each contributes); with
--items the suggestion for every item; with --grid how the figures move with the weight of similar
items and the number of neighbours (the defaults were fixed before this grid was first printed; it
shows how much the figures depend on them, it is not used to choose them).

    .venv/bin/python scripts/suggest_report.py [--items] [--grid]
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Callable

from xltoolkit.duties import DutyTable
from xltoolkit.model import Plan
from xltoolkit.plans import load_plan
from xltoolkit.suggest import (DEFAULT_WEIGHTS, _items, _vectors, _cosine, bigrams, named_units, real_leads, suggest,
                               suggest_held_out)

REFERENCE = {
    "E01": "区发改局", "E02": "区财政局", "E03": "区发改局", "E04": "区发改局", "E05": "区发改局",
    "E06": "区发改局", "E07": "区发改局",
    "T1.1": "区科经局", "T1.2": "区科经局", "T1.3": "区科经局", "T2.1": "区发改局", "T2.2": "区商务局",
    "T2.3": "区商务局", "T3.1": "区商务局", "T3.2": "区发改局", "T3.3": "区市场监管局", "T4.1": "区行政审批局",
    "T4.2": "区科经局", "T4.3": "区行政审批局", "T5.1": "区建设局", "T5.2": "区水务和湖泊局", "T5.3": "区城管局",
    "T6.1": "区人资局", "T6.2": "区卫健局", "T6.3": "区文旅局", "T7.1": "区委政法委", "T7.2": "区委政法委",
    "T7.3": "区民政局",
}


# --- the old method, as it was before the duty table (for the "before" figures) -----------------

def _legacy_items(plan: Plan):
    out = [(i.id, f"{i.name} {i.target.text}", list(i.lead_units), list(i.responsible_units)) for i in plan.indicators]
    return out + [(t.id, f"{t.title} {t.text}", list(t.lead_units), list(t.responsible_units)) for t in plan.tasks]


def legacy_suggest(plan: Plan, other: Plan, min_score: float = 0.05, held_out: bool = False) -> dict[str, list[str]]:
    """Old method: the units of the most similar item of `other` (lead, then responsible), then the
    units the text names. With `held_out`, `plan` is `other` and each item's own units are hidden."""
    mine = [x for x in _legacy_items(plan) if x[2] or x[3]] if held_out else _legacy_items(plan)
    theirs = mine if held_out else [x for x in _legacy_items(other) if x[2] or x[3]]
    docs = mine if held_out else mine + theirs
    vectors = _vectors([bigrams(text) for _, text, _, _ in docs])
    mine_v, theirs_v = vectors[:len(mine)], vectors[len(mine):] if not held_out else vectors
    spellings = {}
    for p in (other, plan):
        for u in p.units:
            for s in (u.name, *u.aliases):
                spellings.setdefault(s, u.name)
    out = {}
    for (item_id, text, _, _), v in zip(mine, mine_v):
        named = list(dict.fromkeys(spellings[s] for s in named_units(text, spellings)))
        best, score = None, 0.0
        for candidate, w in zip(theirs, theirs_v):
            if candidate[0] == item_id and held_out:
                continue
            c = _cosine(v, w)
            if c > score:
                best, score = candidate, c
        units = [] if best is None or score < min_score else [*best[2], *best[3]]
        out[item_id] = list(dict.fromkeys([*units, *named]))
    return out


# --- measuring ------------------------------------------------------------------------------------

def measure(found: dict[str, list[str]], truth: dict[str, tuple[str, ...]]) -> dict[str, float]:
    """first: first suggested unit is one of the true units; among / top3: a true unit is among
    the suggested units / the first 3; none: no suggestion; mean: suggested units per item."""
    n = len(truth)
    first = sum(bool(found[i]) and found[i][0] in t for i, t in truth.items())
    among = sum(bool(set(found[i]) & set(t)) for i, t in truth.items())
    top3 = sum(bool(set(found[i][:3]) & set(t)) for i, t in truth.items())
    none = sum(not found[i] for i in truth)
    return dict(n=n, first=first, among=among, top3=top3, none=none,
                mean=sum(len(found[i]) for i in truth) / n)


def line(label: str, m: dict[str, float]) -> str:
    n = m["n"]
    return (f"  {label:34} first {m['first']:2}/{n} ({m['first'] / n:4.0%})   among {m['among']:2}/{n} "
            f"({m['among'] / n:4.0%})   top-3 {m['top3']:2}/{n} ({m['top3'] / n:4.0%})   none {m['none']:2}   "
            f"units/item {m['mean']:.1f}")


def held_out_figures(plan14: Plan, weights=DEFAULT_WEIGHTS, duties=None) -> dict[str, float]:
    found = suggest_held_out(plan14, duties=duties, weights=weights)
    return measure({i: list(s.units) for i, s in found.items()}, real_leads(plan14))


def reference_figures(plan22: Plan, plan14: Plan, weights=DEFAULT_WEIGHTS, duties=None) -> dict[str, float]:
    found = suggest(plan22, plan14, duties=duties, weights=weights)
    return measure({i: list(s.units) for i, s in found.items()}, {i: (u,) for i, u in REFERENCE.items()})


def main(argv: list[str]) -> None:
    plan22, plan14 = load_plan("wuchang-2022"), load_plan("wuchang-14fyp")
    ref_truth = {i: (u,) for i, u in REFERENCE.items()}
    loo_truth = real_leads(plan14)
    w = DEFAULT_WEIGHTS
    variants: list[tuple[str, Callable[[], dict], Callable[[], dict]]] = [
        ("old: most similar item + named", lambda: legacy_suggest(plan22, plan14),
         lambda: legacy_suggest(plan14, plan14, held_out=True)),
        ("new: named + duty + similar", lambda: {i: list(s.units) for i, s in suggest(plan22, plan14).items()},
         lambda: {i: list(s.units) for i, s in suggest_held_out(plan14).items()}),
        ("  named + duty only", lambda: {i: list(s.units) for i, s in suggest(plan22, plan14, weights=replace(
            w, similar=0)).items()}, lambda: {i: list(s.units) for i, s in suggest_held_out(plan14, weights=replace(
                w, similar=0)).items()}),
        ("  named + similar only (no table)", lambda: {i: list(s.units) for i, s in suggest(
            plan22, plan14, duties=DutyTable.empty()).items()}, lambda: {i: list(s.units) for i, s in suggest_held_out(
                plan14, duties=DutyTable.empty()).items()}),
    ]
    results = [(label, ref(), loo()) for label, ref, loo in variants]
    print(f"1. 2022 annual plan, reader's pick for each of its {len(ref_truth)} items "
          f"(suggested from the 14th-FYP scheme):")
    for label, ref, _ in results:
        print(line(label, measure(ref, ref_truth)))
    print(f"\n2. Held out: leave-one-out on the 14th-FYP scheme, document's own units in charge "
          f"({len(loo_truth)} items; first = one of the real lead units):")
    for label, _, loo in results:
        print(line(label, measure(loo, loo_truth)))
    print(f"\nScoring: {w}")
    if "--grid" in argv:
        print("\nSensitivity (first / among; 2022 plan of 28, held out of 40):")
        print("  similar weight " + "".join(f"{k:>22}" for k in ("neighbours 1", "neighbours 3", "neighbours 5")))
        for sim in (0.0, 0.3, 0.6, 1.0, 1.5):
            cells = []
            for k in (1, 3, 5):
                ww = replace(w, similar=sim, neighbours=k)
                r, h = reference_figures(plan22, plan14, ww), held_out_figures(plan14, ww)
                cells.append(f"{r['first']:2}/{r['among']:2} | {h['first']:2}/{h['among']:2}")
            print(f"  {sim:14.1f} " + "".join(f"{c:>22}" for c in cells))
    if "--items" in argv:
        old_ref, new_ref, old_loo, new_loo = results[0][1], results[1][1], results[0][2], results[1][2]
        for title, truth, old, new in (("2022 plan", ref_truth, old_ref, new_ref),
                                       ("held out (14th FYP)", loo_truth, old_loo, new_loo)):
            print(f"\n{title}: item, truth, old (first 3), new (first 3)")
            for i, t in truth.items():
                mark = lambda f: "✓" if f and f[0] in t else ("~" if set(f) & set(t) else "✗")
                print(f"  {i:5} {'、'.join(t)[:24]:24} {mark(old[i])} {'、'.join(old[i][:3]):32} "
                      f"{mark(new[i])} {'、'.join(new[i][:3])}")


if __name__ == "__main__":
    main(sys.argv[1:])
