"""A period recorded in the history database -> the Consolidation its merge made. Pure: the record
(history.period_record: plain rows) in, objects out; no file is opened.

What a merge decided is taken from the record, never recomputed: who submitted and with what status,
each task's status and progress, each value with its assessment and expected pace, the problems with
their parameters, and each item's light. What the record does not repeat is the plan's structure (an
item's deciding units, the units that did not report on it), which comes from the plan as recorded
with the merge by the same code the merge used (`consolidation.summarize`).

So a report, a 催办名单 or a JSON written from the database alone says what the one written by the
merge said (tests compare them field by field). Limits: a restored Consolidation has no cell
addresses of reports (feedback copies need the returns themselves) and its input files carry only
what the record keeps (name, unit, status, saved time, 填报日期, problems).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Optional

from .consolidation import Consolidation, Submission, summarize
from .model import Period, Plan
from .problems import Problem, from_plain
from .validation import IndicatorReport, ReturnResult, TargetReport, TaskReport


class RecordError(ValueError):
    """The record does not fit the plan recorded with it (a database changed by hand)."""


@dataclass(frozen=True)
class RecordedPeriod:
    consolidation: Consolidation
    lights: dict[tuple[str, str], str]  # (kind, item id) -> the light recorded for this period
    merged_at: str


def _params(text: str) -> dict[str, Any]:
    """A problem's parameters as recorded (JSON, problems._plain): a list is a label reference, a dict
    with a ``label`` a label text (problems.from_plain)."""
    return {k: from_plain(v) for k, v in json.loads(text or "{}").items()}


def _problem(row: dict[str, Any]) -> Problem:
    return Problem(code=row["code"], file=row["file"], unit=row["unit"], sheet=row["sheet"], cell=row["cell"],
                   field=row["field"], value=row["value"], params=_params(row["params"]))


def restore(plan: Plan, record: dict[str, Any]) -> RecordedPeriod:
    """The Consolidation of the merge in `record` (history.period_record), with `plan` the plan
    recorded with it (plans.plan_from_data of ``record["merge"]["plan_json"]``)."""
    m = record["merge"]
    period = Period.parse(m["period"])
    problems = [_problem(r) for r in record["problems"]]
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)

    results: list[ReturnResult] = []
    for f in record["input_files"]:
        unit = plan.unit(f["unit"]) if f["unit"] else None
        results.append(ReturnResult(file=f["file"], path=f["file"], status=f["status"], unit=unit,
                                    header={"date": f["filled_on"]} if f.get("filled_on") else {},
                                    problems=by_file.get(f["file"], []), saved_at=f["saved_at"]))
    claimed: dict[str, list[ReturnResult]] = {}
    for r in results:
        if r.unit is not None:
            claimed.setdefault(r.unit.name, []).append(r)

    submissions = []
    for s in record["submissions"]:
        unit = plan.unit(s["unit"])
        if unit is None:  # only a database edited by hand
            raise RecordError(f"unit {s['unit']!r} of period {m['period']} is not in its recorded plan")
        mine = claimed.get(unit.name, [])
        used: Optional[ReturnResult] = None
        if s["status"] not in ("missing", "duplicate"):
            used = next((r for r in mine if r.file == s["file"]), mine[0] if mine else None)
        submissions.append(Submission(unit, s["status"], used, [r.file for r in mine]))

    task_reports: dict[str, list[TaskReport]] = {}
    ind_reports: dict[str, list[IndicatorReport]] = {}
    target_reports: dict[str, list[TargetReport]] = {}
    task_of = {x.id: t.id for t in plan.tasks for x in t.targets}
    for a in record["answers"]:
        if a["kind"] == "task":
            task_reports.setdefault(a["item_id"], []).append(TaskReport(
                task_id=a["item_id"], unit=a["unit"], role=a["role"], status=a["status"], progress=a["progress"],
                work=a["work"], problems=a["problems"], next_steps=a["next_steps"]))
        elif a["kind"] == "indicator":
            ind_reports.setdefault(a["item_id"], []).append(IndicatorReport(
                indicator_id=a["item_id"], unit=a["unit"], role=a["role"], actual=a["value"], note=a["note"]))
        else:
            target_reports.setdefault(a["item_id"], []).append(TargetReport(
                target_id=a["item_id"], task_id=task_of.get(a["item_id"], ""), unit=a["unit"], role=a["role"],
                actual=a["value"], note=a["note"]))

    recorded = {(r["kind"], r["item_id"]): r for r in record["results"]}
    known = {("task", t.id) for t in plan.tasks} | {("indicator", i.id) for i in plan.indicators} | {
        ("target", x.id) for t in plan.tasks for x in t.targets}
    if set(recorded) != known:
        raise RecordError(f"the results of period {m['period']} are not the items of its recorded plan")
    tasks, indicators, targets = summarize(plan, period, task_reports, ind_reports, target_reports)

    def decided(summary, kind: str, item_id: str):
        r = recorded[(kind, item_id)]
        if kind == "task":
            return dataclasses.replace(summary, status=r["status"], progress=r["progress"],
                                       disagreement=bool(r["disagreement"]))
        return dataclasses.replace(summary, actual=r["value"], assessment=r["assessment"], expected=r["expected"],
                                   source=r["source"])

    consolidation = Consolidation(
        plan=plan, period=period, submissions=submissions,
        tasks=[decided(t, "task", t.task.id) for t in tasks],
        indicators=[decided(i, "indicator", i.indicator.id) for i in indicators],
        targets=[decided(x, "target", x.target.id) for x in targets],
        results=results, problems=problems)
    lights = {(r["kind"], r["item_id"]): r["light"] or "none" for r in record["results"]}
    return RecordedPeriod(consolidation, lights, m["merged_at"])
