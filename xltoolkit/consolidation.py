"""Plan + checked returns -> one consolidated view: who reported, task status, indicator attainment.

Pure logic: no files. Rules, stated once here and in the README:

* Duplicates: two usable returns for one unit are a conflict. By default neither is used (both
  reported, status "duplicate"); with ``on_duplicate="newest"`` the most recently modified file wins
  and the others are reported as superseded.
* Task status comes from the lead units' reports (from the responsible units' when the task has no
  lead unit). Leads that disagree give the least advanced status (滞后 before 未启动 before 正常推进
  before 已完成) and the task is flagged; so is any disagreement among all reporting units.
  Progress is the lowest progress among the deciding reports.
* Indicator actual value: the lead unit's; with no lead unit, the responsible units' value where
  they agree. Differing values are flagged ("conflict"), never averaged.
* Attainment against the target, by comparator and direction:
  ``>=``/``>``/``<=``/``<`` as written; ``=`` counts as met when the value reaches the target in the
  good direction (12.6 years against "12.5年" is met); ``~`` (左右) is met within
  ``APPROX_TOLERANCE`` (5 %) of the target on the bad side, and anything beyond it on the good side;
  a range [low, high] is met at or beyond its low end for higher-better targets (at or below its
  high end for lower-better ones). Qualitative targets are "待评估" (assessed by people).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .assessment import DEFAULT_SETTINGS, is_met
from .model import Comparator, Indicator, Period, Plan, Target, Task, Unit
from .problems import Problem, ProblemSink
from .validation import IndicatorReport, ReturnResult, TaskReport

APPROX_TOLERANCE = DEFAULT_SETTINGS.approx_tolerance  # relative tolerance for "~" (左右) targets


@dataclass
class Submission:
    unit: Unit
    status: str  # "ok", "problems", "rejected", "missing", "duplicate"
    result: Optional[ReturnResult] = None  # the return used (or rejected), if any
    files: list[str] = field(default_factory=list)  # every file that claimed this unit

    @property
    def file(self) -> Optional[str]:
        return self.result.file if self.result else (self.files[0] if self.files else None)


@dataclass
class TaskSummary:
    task: Task
    chapter_id: str
    status: Optional[str]  # None: no deciding unit has reported
    progress: Optional[float]
    disagreement: bool
    reports: list[TaskReport]
    missing_units: list[str]


@dataclass
class IndicatorSummary:
    indicator: Indicator
    actual: Optional[float]
    attainment: str  # "met", "not_met", "no_data", "qualitative", "conflict"
    source: Optional[str]  # unit whose value is used
    reports: list[IndicatorReport]
    missing_units: list[str]


@dataclass
class Consolidation:
    plan: Plan
    period: Period
    submissions: list[Submission]
    tasks: list[TaskSummary]
    indicators: list[IndicatorSummary]
    results: list[ReturnResult]  # every file read, in input order
    problems: list[Problem]  # every problem, files in input order

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity.value == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity.value == "warning")

    def submission_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for s in self.submissions:
            counts[s.status] = counts.get(s.status, 0) + 1
        return counts


def attainment(target: Target, actual: Optional[float]) -> str:
    """Whether `actual` meets `target`: "met", "not_met", "no_data" or "qualitative" (the comparator
    rules and thresholds are assessment.py's: one definition)."""
    if target.comparator is Comparator.qualitative:
        return "qualitative"
    met = is_met(target, actual)
    return "no_data" if met is None else ("met" if met else "not_met")


# Least advanced first: a task that some deciding unit calls 滞后 is 滞后.
STATUS_RANK = {"lagging": 0, "not_started": 1, "on_track": 2, "done": 3}


def resolve_duplicates(results: list[ReturnResult], on_duplicate: str
                       ) -> tuple[dict[str, list[ReturnResult]], dict[int, list[Problem]]]:
    """Group usable returns by unit: unit name -> [winner first, others]; and the conflict problems
    this adds, by the index of the result they belong to. The results are not changed."""
    by_unit: dict[str, list[ReturnResult]] = {}
    index = {id(r): n for n, r in enumerate(results)}
    for r in results:
        if r.usable and r.unit is not None:
            by_unit.setdefault(r.unit.name, []).append(r)
    added: dict[int, list[Problem]] = {}
    for unit_name, group in by_unit.items():
        if len(group) < 2:
            continue
        if on_duplicate == "newest":
            group = by_unit[unit_name] = sorted(group, key=lambda r: r.mtime, reverse=True)
            winner = group[0]
            for loser in group[1:]:
                sink = ProblemSink(loser.file, unit=unit_name)
                sink.add("META_DUPLICATE_SUPERSEDED", other=winner.file, unit_name=unit_name)
                added.setdefault(index[id(loser)], []).extend(sink.problems)
        else:
            for r in group:
                others = "、".join(o.file for o in group if o is not r)
                sink = ProblemSink(r.file, unit=unit_name)
                sink.add("META_DUPLICATE_UNIT", other=others, unit_name=unit_name)
                added.setdefault(index[id(r)], []).extend(sink.problems)
    return by_unit, added


def consolidate(plan: Plan, period: Period, results: list[ReturnResult], on_duplicate: str = "error"
                ) -> Consolidation:
    """Decide who reported and what each task, indicator and target stands at. Pure: `results` and
    the plan are not changed; problems this step adds (duplicates) are in `Consolidation.problems`."""
    by_unit, added = resolve_duplicates(results, on_duplicate)
    claimed: dict[str, list[ReturnResult]] = {}
    for r in results:
        if r.unit is not None:
            claimed.setdefault(r.unit.name, []).append(r)

    submissions: list[Submission] = []
    used: dict[str, ReturnResult] = {}
    for unit in plan.reporting_units:
        files = [r.file for r in claimed.get(unit.name, [])]
        group = by_unit.get(unit.name, [])
        if len(group) > 1 and on_duplicate != "newest":
            submissions.append(Submission(unit, "duplicate", None, files))
        elif group:
            used[unit.name] = group[0]
            submissions.append(Submission(unit, group[0].status, group[0], files))
        elif claimed.get(unit.name):
            submissions.append(Submission(unit, "rejected", claimed[unit.name][0], files))
        else:
            submissions.append(Submission(unit, "missing", None, []))

    task_reports: dict[str, list[TaskReport]] = {}
    ind_reports: dict[str, list[IndicatorReport]] = {}
    for r in used.values():
        for tr in r.tasks:
            task_reports.setdefault(tr.task_id, []).append(tr)
        for ir in r.indicators:
            ind_reports.setdefault(ir.indicator_id, []).append(ir)

    rank = STATUS_RANK
    tasks = []
    for chapter in plan.chapters:
        for task in chapter.tasks:
            reports = sorted(task_reports.get(task.id, []), key=lambda x: task.units.index(x.unit))
            tasks.append(_summarize_task(task, chapter.id, reports, rank))
    indicators = [_summarize_indicator(ind, sorted(ind_reports.get(ind.id, []),
                                                   key=lambda x: ind.units.index(x.unit)))
                  for ind in plan.indicators]
    problems = [p for n, r in enumerate(results) for p in (*r.problems, *added.get(n, ()))]
    return Consolidation(plan=plan, period=period, submissions=submissions, tasks=tasks, indicators=indicators,
                         results=list(results), problems=problems)


def _summarize_task(task: Task, chapter_id: str, reports: list[TaskReport], rank: dict[str, int]) -> TaskSummary:
    deciding_units = task.lead_units or task.responsible_units
    deciding = [r for r in reports if r.unit in deciding_units and r.status]
    statuses = {r.status for r in reports if r.status}
    status = min((r.status for r in deciding), key=lambda s: rank[s]) if deciding else None
    progresses = [r.progress for r in deciding if r.progress is not None]
    reported = {r.unit for r in reports}
    return TaskSummary(task=task, chapter_id=chapter_id, status=status,
                       progress=min(progresses) if progresses else None, disagreement=len(statuses) > 1,
                       reports=reports, missing_units=[u for u in task.units if u not in reported])


def _summarize_indicator(ind: Indicator, reports: list[IndicatorReport]) -> IndicatorSummary:
    reported = {r.unit for r in reports}
    missing = [u for u in ind.units if u not in reported]
    with_value = [r for r in reports if r.actual is not None]
    leads = [r for r in with_value if r.unit in ind.lead_units]
    pool = leads if ind.lead_units else with_value
    values = {round(r.actual, 9) for r in pool}
    if len(values) > 1:
        return IndicatorSummary(ind, None, "conflict", None, reports, missing)
    if not pool:
        return IndicatorSummary(ind, None, attainment(ind.target, None), None, reports, missing)
    actual = pool[0].actual
    return IndicatorSummary(ind, actual, attainment(ind.target, actual), pool[0].unit, reports, missing)
