"""The 通报 view of a period and what changed since the previous one. Pure: a Consolidation (and the
previous recorded period's results, history.previous_period) in, rows of keys and numbers out; the
summary workbook's 通报 section and 变化 sheet render them.
"""

from __future__ import annotations

from collections import Counter
from typing import Union

from .chase import chase_rows
from .consolidation import Consolidation

Value = Union[str, float, int, None]


def unit_ranking(c: Consolidation) -> list[tuple[str, int, int, bool, str]]:
    """The 通报 view: (unit, overdue items, lagging tasks, late, submission key) for every unit with an
    overdue indicator or target or a lagging task it decides, or a late return; most overdue first.
    Late: the workbook's saved time (else its 填报日期) after the plan's due date."""
    late = {r.unit: r.timeliness == "late" for r in chase_rows(c, c.plan.due_date(c.period))}
    overdue: Counter = Counter()
    lagging: Counter = Counter()
    for item in (*c.indicators, *c.targets):
        if item.assessment == "overdue":
            for u in item.deciding_units:
                overdue[u] += 1
    for t in c.tasks:
        if t.status == "lagging":
            for u in t.deciding_units:
                lagging[u] += 1
    rows = [(s.unit.name, overdue[s.unit.name], lagging[s.unit.name], late.get(s.unit.name, False), s.status)
            for s in c.submissions]
    rows = [r for r in rows if r[1] or r[2] or r[3]]
    return sorted(rows, key=lambda r: (-r[1], -r[2], not r[3]))


STATUS_RANK = {"not_started": 0, "on_track": 1, "done": 2}
ASSESSMENT_RANK = {"achieved": 0, "ahead": 0, "on_track": 1, "behind": 2, "overdue": 3}
REPORTED = ("ok", "problems")


def changes(c: Consolidation, previous: dict) -> list[tuple[str, str, str, Value, Value]]:
    """What changed since the previous period: (change key, item or unit, name, before, after) with
    keys newly_lagging, newly_done, regressed, worse, stopped, recurring (statuses, assessments,
    submission statuses and problem codes as keys)."""
    out: list[tuple[str, str, str, Value, Value]] = []
    results = previous["results"]
    for t in c.tasks:
        before = (results.get(("task", t.task.id)) or {}).get("status")
        now = t.status
        if before is None or now is None or before == now:
            continue
        if now == "lagging":
            out.append(("newly_lagging", t.task.id, t.task.title, before, now))
        elif now == "done":
            out.append(("newly_done", t.task.id, t.task.title, before, now))
        elif STATUS_RANK.get(now, 9) < STATUS_RANK.get(before, -1):
            out.append(("regressed", t.task.id, t.task.title, before, now))
    for kind, items in (("indicator", c.indicators), ("target", c.targets)):
        for s in items:
            item_id = s.indicator.id if kind == "indicator" else s.target.id
            name = s.indicator.name if kind == "indicator" else s.target.text
            before = (results.get((kind, item_id)) or {}).get("assessment")
            if before in ASSESSMENT_RANK and s.assessment in ASSESSMENT_RANK \
                    and ASSESSMENT_RANK[s.assessment] > ASSESSMENT_RANK[before]:
                out.append(("worse", item_id, name, before, s.assessment))
    codes_now: dict[str, set[str]] = {}
    for p in c.problems:
        if p.unit:
            codes_now.setdefault(p.unit, set()).add(p.code)
    for sub in c.submissions:
        before = previous["submissions"].get(sub.unit.name)
        if before in REPORTED and sub.status not in REPORTED:
            out.append(("stopped", sub.unit.name, sub.unit.name, before, sub.status))
        for code in sorted(codes_now.get(sub.unit.name, set()) & previous["problem_codes"].get(sub.unit.name, set())):
            out.append(("recurring", sub.unit.name, sub.unit.name, code, code))
    return out
