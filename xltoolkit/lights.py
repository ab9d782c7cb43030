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


def period_lights(consolidation, previous: Optional[dict] = None) -> dict[tuple[str, str], str]:
    """Every task's, indicator's and target's light this period, by (kind, item id), from the
    consolidation and the previous recorded period's results (history.previous_period()["results"]:
    (kind, item id) -> row with ``light`` and ``status``). The one computation the history database
    records, the summary's 督办灯 column shows and the report's notices are chosen by."""
    previous = previous or {}

    def one(kind: str, item_id: str, status: Optional[str], assessment: Optional[str]) -> str:
        before = previous.get((kind, item_id)) or {}
        return light(kind, status, assessment, before.get("light"), before.get("status"))

    c = consolidation
    out = {("task", t.task.id): one("task", t.task.id, t.status, None) for t in c.tasks}
    out.update({("indicator", i.indicator.id): one("indicator", i.indicator.id, None, i.assessment)
                for i in c.indicators})
    out.update({("target", x.target.id): one("target", x.target.id, None, x.assessment) for x in c.targets})
    return out
