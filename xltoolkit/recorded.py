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

from .consolidation import Consolidation, Submission, TaskSummary, summarize
from .model import Period, Plan
from .problems import LabelText, Problem, from_plain
from .validation import IndicatorReport, ReturnResult, TargetReport, TaskReport


class RecordError(ValueError):
    """The record does not fit the plan recorded with it (a database changed by hand). `detail`: a
    LabelText saying how."""

    def __init__(self, detail: LabelText):
        super().__init__(detail.key)
        self.detail = detail


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
    recorded with it (plans.plan_from_data of ``record["merge"]["plan_json"]``). Raises RecordError
    when the record does not fit the plan."""
    m = record["merge"]
    period = Period.parse(m["period"])
    problems = [_problem(r) for r in record["problems"]]
    results = _input_files(plan, record["input_files"], problems)
    submissions = _submissions(plan, record["submissions"], results, m["period"])
    recorded = {(r["kind"], r["item_id"]): r for r in record["results"]}
    known = {("task", t.id) for t in plan.tasks} | {("indicator", i.id) for i in plan.indicators} | {
        ("target", x.id) for t in plan.tasks for x in t.targets}
    if set(recorded) != known:
        raise RecordError(LabelText("details.record_items", period=m["period"]))
    tasks, indicators, targets = summarize(plan, period, *_reports(plan, record["answers"]))
    consolidation = Consolidation(
        plan=plan, period=period, submissions=submissions,
        tasks=[_decided(t, recorded[("task", t.task.id)]) for t in tasks],
        indicators=[_decided(i, recorded[("indicator", i.indicator.id)]) for i in indicators],
        targets=[_decided(x, recorded[("target", x.target.id)]) for x in targets],
        results=results, problems=problems)
    lights = {key: r["light"] or "none" for key, r in recorded.items()}
    return RecordedPeriod(consolidation, lights, m["merged_at"])


def _input_files(plan: Plan, rows: list[dict], problems: list[Problem]) -> list[ReturnResult]:
    """The files read, as far as the record keeps them (no values: those are in the answers)."""
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    return [ReturnResult(file=f["file"], path=f["file"], status=f["status"],
                         unit=plan.unit(f["unit"]) if f["unit"] else None,
                         header={"date": f["filled_on"]} if f.get("filled_on") else {},
                         problems=by_file.get(f["file"], []), saved_at=f["saved_at"]) for f in rows]


def _submissions(plan: Plan, rows: list[dict], results: list[ReturnResult], period: str) -> list[Submission]:
    """Each unit's submission with the file it used (none for missing and duplicate ones, as merged)."""
    claimed: dict[str, list[ReturnResult]] = {}
    for r in results:
        if r.unit is not None:
            claimed.setdefault(r.unit.name, []).append(r)
    out = []
    for s in rows:
        unit = plan.unit(s["unit"])
        if unit is None:  # only a database edited by hand
            raise RecordError(LabelText("details.record_unit", unit=s["unit"], period=period))
        mine = claimed.get(unit.name, [])
        used: Optional[ReturnResult] = None
        if s["status"] not in ("missing", "duplicate"):
            used = next((r for r in mine if r.file == s["file"]), mine[0] if mine else None)
        out.append(Submission(unit, s["status"], used, [r.file for r in mine]))
    return out


def _reports(plan: Plan, rows: list[dict]) -> tuple[dict, dict, dict]:
    """The used returns' answers as the reports consolidation.summarize takes, by item id."""
    tasks: dict[str, list[TaskReport]] = {}
    indicators: dict[str, list[IndicatorReport]] = {}
    targets: dict[str, list[TargetReport]] = {}
    task_of = {x.id: t.id for t in plan.tasks for x in t.targets}
    for a in rows:
        item, unit, role = a["item_id"], a["unit"], a["role"]
        if a["kind"] == "task":
            tasks.setdefault(item, []).append(TaskReport(
                task_id=item, unit=unit, role=role, status=a["status"], progress=a["progress"], work=a["work"],
                problems=a["problems"], next_steps=a["next_steps"]))
        elif a["kind"] == "indicator":
            indicators.setdefault(item, []).append(IndicatorReport(
                indicator_id=item, unit=unit, role=role, actual=a["value"], note=a["note"]))
        else:
            targets.setdefault(item, []).append(TargetReport(
                target_id=item, task_id=task_of.get(item, ""), unit=unit, role=role, actual=a["value"], note=a["note"]))
    return tasks, indicators, targets


def _decided(summary, r: dict):
    """A summary with what the merge decided, as recorded (never recomputed)."""
    if isinstance(summary, TaskSummary):
        return dataclasses.replace(summary, status=r["status"], progress=r["progress"],
                                   disagreement=bool(r["disagreement"]))
    return dataclasses.replace(summary, actual=r["value"], assessment=r["assessment"], expected=r["expected"],
                               source=r["source"])
