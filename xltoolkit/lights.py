"""Status lights for tasks and targets (督办: green / yellow / red), kept period after period. Pure.

* green: on track or done (tasks 正常推进/已完成; indicators and targets achieved, ahead or on pace);
* yellow: behind pace (滞后于序时进度), or 滞后 reported for a task;
* red: overdue (逾期未完成), or 滞后 reported two periods running;
* a red stays red until the item catches up (would be green): it then turns yellow for that period,
  not green at once, so a red is never wiped out by one good report (留痕: every period's light is
  kept in the history database);
* none: nothing to judge (no report, qualitative, not due, no data, conflict, not started).
"""

from __future__ import annotations

from typing import Optional

LIGHTS = ("green", "yellow", "red", "none")

_TASK = {"on_track": "green", "done": "green", "lagging": "yellow"}
_VALUE = {"achieved": "green", "ahead": "green", "on_track": "green", "behind": "yellow", "overdue": "red"}


def light(kind: str, status: Optional[str], assessment: Optional[str],
          previous_light: Optional[str] = None, previous_status: Optional[str] = None) -> str:
    """The light of one item this period, given last period's light and (tasks) status."""
    if kind == "task":
        now = _TASK.get(status or "", "none")
        if status == "lagging" and previous_status == "lagging":
            now = "red"
    else:
        now = _VALUE.get(assessment or "", "none")
    if previous_light == "red" and now == "green":
        return "yellow"  # caught up: red turns yellow first
    if previous_light == "red" and now in ("yellow", "none"):
        return "red"  # not caught up yet: the red stays
    return now


def lights_for(items, previous: Optional[dict] = None) -> dict[tuple[str, str], str]:
    """The light of each item, by (kind, item id): `items` are (kind, item id, status, assessment);
    `previous` the previous recorded period's results ((kind, item id) -> a row with ``light`` and
    ``status``, as history.previous_period gives them)."""
    previous = previous or {}
    out = {}
    for kind, item_id, status, assessment in items:
        before = previous.get((kind, item_id)) or {}
        out[(kind, item_id)] = light(kind, status, assessment, before.get("light"), before.get("status"))
    return out


def period_lights(consolidation, previous: Optional[dict] = None) -> dict[tuple[str, str], str]:
    """Every task's, indicator's and target's light this period, from the consolidation and the
    previous recorded period's results (see `lights_for`). The one computation the history database
    records, the summary's 督办灯 column shows and the report's notices are chosen by."""
    c = consolidation
    items = [("task", t.task.id, t.status, None) for t in c.tasks]
    items += [("indicator", i.indicator.id, None, i.assessment) for i in c.indicators]
    items += [("target", x.target.id, None, x.assessment) for x in c.targets]
    return lights_for(items, previous)
