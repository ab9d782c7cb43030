"""A parsed plan against a reference (bundled) plan: field-by-field differences, precision, recall.

Both sides are plan data as written in the file (unit references keep the document's spellings).
Compared: plan metadata; indicators (kind, name, text, assignment, target); chapters (title) and
tasks (title, text, assignment, targets aligned by value and unit, with their ids and measures); units by
name and aliases, kind, members. Not compared: human annotations (notes, note, metric, decisions, unit
note) and unit ids.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

PLAN_FIELDS = ("title", "issuer", "doc_number", "published", "source_file", "horizon", "period_kinds",
               "units_assigned")
ITEM_FIELDS = ("name", "kind", "title", "text", "assignment_text", "lead_units", "responsible_units")
TARGET_FIELDS = ("id", "text", "value", "unit", "comparator", "direction", "deadline_year", "period", "measure")


@dataclass(frozen=True)
class Difference:
    item: str
    field: str
    parsed: Any
    reference: Any

    @property
    def key(self) -> tuple[str, str]:
        return self.item, self.field

    def __str__(self) -> str:
        return f"{self.item} {self.field}: parsed {self.parsed!r} / bundled {self.reference!r}"


def _norm(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_norm(v) for v in value]
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _target_key(t: dict) -> tuple:
    return repr(_norm(t.get("value"))), t.get("unit")


def compare(parsed: dict, reference: dict) -> list[Difference]:
    diffs: list[Difference] = []
    for f in PLAN_FIELDS:
        if _norm(parsed.get(f)) != _norm(reference.get(f)):
            diffs.append(Difference("plan", f, parsed.get(f), reference.get(f)))
    _items(diffs, "indicators", parsed.get("indicators", []), reference.get("indicators", []))
    p_ch = {c["id"]: c for c in parsed.get("chapters", [])}
    r_ch = {c["id"]: c for c in reference.get("chapters", [])}
    for cid in list(dict.fromkeys([*r_ch, *p_ch])):
        if cid not in p_ch or cid not in r_ch:
            diffs.append(Difference(cid, "missing" if cid not in p_ch else "extra",
                                    p_ch.get(cid, {}).get("title"), r_ch.get(cid, {}).get("title")))
            continue
        if p_ch[cid].get("title") != r_ch[cid].get("title"):
            diffs.append(Difference(cid, "title", p_ch[cid].get("title"), r_ch[cid].get("title")))
        _items(diffs, "tasks", p_ch[cid].get("tasks", []), r_ch[cid].get("tasks", []))
    _units(diffs, parsed.get("units", []), reference.get("units", []))
    return diffs


def _items(diffs: list[Difference], what: str, parsed: list[dict], reference: list[dict]) -> None:
    p = {x["id"]: x for x in parsed}
    r = {x["id"]: x for x in reference}
    for iid in list(dict.fromkeys([*r, *p])):
        if iid not in p or iid not in r:
            diffs.append(Difference(iid, "missing" if iid not in p else "extra",
                                    (p.get(iid) or {}).get("text"), (r.get(iid) or {}).get("text")))
            continue
        a, b = p[iid], r[iid]
        for f in ITEM_FIELDS:
            if f in a or f in b:
                if _norm(a.get(f)) != _norm(b.get(f)):
                    diffs.append(Difference(iid, f, a.get(f), b.get(f)))
        if "target" in b or "target" in a:
            _target(diffs, iid, "target", a.get("target") or {}, b.get("target") or {})
        if "targets" in b or "targets" in a:
            _targets(diffs, iid, a.get("targets", []), b.get("targets", []))


def _target(diffs, iid, prefix, a: dict, b: dict) -> None:
    for f in TARGET_FIELDS:
        if _norm(a.get(f)) != _norm(b.get(f)):
            diffs.append(Difference(iid, f"{prefix}.{f}", a.get(f), b.get(f)))


def _targets(diffs, iid, parsed: list[dict], reference: list[dict]) -> None:
    """Align by (value, unit) in order, then compare the aligned pairs field by field."""
    matcher = difflib.SequenceMatcher(a=[_target_key(t) for t in parsed], b=[_target_key(t) for t in reference],
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for i, j in zip(range(i1, i2), range(j1, j2)):
                _target(diffs, iid, f"targets.{j}", parsed[i], reference[j])
            continue
        for j in range(j1, j2):
            diffs.append(Difference(iid, f"targets.{j}", None, reference[j].get("text")))
        for i in range(i1, i2):
            diffs.append(Difference(iid, f"targets.extra.{i}", parsed[i].get("text"), None))


def _units(diffs: list[Difference], parsed: list[dict], reference: list[dict]) -> None:
    by_name = {u["name"]: u for u in parsed}
    covered = set()
    for ref in reference:
        spellings = [ref["name"], *ref.get("aliases", [])]
        covered.update(spellings)
        mine = by_name.get(ref["name"])
        if mine is None:
            diffs.append(Difference(ref["id"], "name", None, ref["name"]))
            continue
        separate = [s for s in ref.get("aliases", []) if s in by_name and s not in mine.get("aliases", [])]
        missing = [s for s in ref.get("aliases", []) if s not in by_name and s not in mine.get("aliases", [])]
        if separate or missing or sorted(mine.get("aliases", [])) != sorted(ref.get("aliases", [])):
            diffs.append(Difference(ref["id"], "aliases", mine.get("aliases", []), ref.get("aliases", [])))
        if mine.get("kind") != ref.get("kind"):
            diffs.append(Difference(ref["id"], "kind", mine.get("kind"), ref.get("kind")))
        if sorted(mine.get("members", [])) != sorted(ref.get("members", [])):
            diffs.append(Difference(ref["id"], "members", mine.get("members"), ref.get("members")))
    for name in by_name:
        if name not in covered:
            diffs.append(Difference("units", f"extra.{name}", name, None))


# --------------------------------------------------------------------------- precision / recall

def _all_targets(plan: dict):
    for ind in plan.get("indicators", []):
        yield ind["id"], ind.get("target") or {}
    for ch in plan.get("chapters", []):
        for t in ch.get("tasks", []):
            for x in t.get("targets", []):
                yield t["id"], x


def _items_all(plan: dict):
    yield from plan.get("indicators", [])
    for ch in plan.get("chapters", []):
        yield from ch.get("tasks", [])


def _pr(found: list, expected: list) -> dict:
    from collections import Counter

    f, e = Counter(found), Counter(expected)
    tp = sum((f & e).values())
    nf, ne = sum(f.values()), sum(e.values())
    return {"tp": tp, "found": nf, "expected": ne,
            "precision": tp / nf if nf else 1.0, "recall": tp / ne if ne else 1.0}


def scores(parsed: dict, reference: dict) -> dict[str, dict]:
    """Precision and recall of indicators, targets (value, unit, comparator) and unit assignments."""
    def indicators(plan):
        return [(i["kind"], i["name"]) for i in plan.get("indicators", [])]

    def targets(plan):
        return [(iid, repr(_norm(t.get("value"))), t.get("unit"), t.get("comparator")) for iid, t in _all_targets(plan)]

    def assignments(plan):
        return [(item["id"], role, name) for item in _items_all(plan)
                for role, key in (("lead", "lead_units"), ("responsible", "responsible_units"))
                for name in item.get(key, [])]

    return {"indicators": _pr(indicators(parsed), indicators(reference)),
            "targets": _pr(targets(parsed), targets(reference)),
            "unit assignments": _pr(assignments(parsed), assignments(reference))}


def format_scores(name: str, result: dict[str, dict]) -> str:
    lines = [f"{name}:"]
    for what, s in result.items():
        lines.append(f"  {what:<17} precision {s['precision']:.3f} ({s['tp']}/{s['found']})  "
                     f"recall {s['recall']:.3f} ({s['tp']}/{s['expected']})")
    return "\n".join(lines)
