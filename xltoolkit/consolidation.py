"""Plan + checked returns -> one consolidated view: who reported, task status, indicator and target
values with their assessment against the deadline.

Pure logic: no files, and neither the plan nor the results are changed. Rules, stated once here and
in the README:

* A blank return (nothing filled in) is `empty`, not a submission. Duplicates: two usable returns
  for one unit are a conflict. By default neither is used (both reported, status "duplicate"); with
  ``on_duplicate="newest"`` the most recently modified file wins and the others are superseded.
* Task status comes from the lead units' reports (from the responsible units' when the task has no
  lead unit). Leads that disagree give the least advanced status (滞后 before 未启动 before 正常推进
  before 已完成) and the task is flagged; so is any disagreement among all reporting units.
  Progress is the lowest progress among the deciding reports.
* Indicator and target values: the lead units' value (a target's: its task's lead units); with no
  lead unit, the responsible units' value where they agree. Differing values are `conflict`, never
  averaged.
* Each value is judged against its target and deadline by assessment.py (序时进度): achieved,
  ahead, on_track, behind, overdue, not_due, no_data, qualitative.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .assessment import DEFAULT_SETTINGS, Assessment, assess_in_plan, is_met
from .model import Comparator, Indicator, Measure, Period, Plan, Target, Task, Unit
from .problems import LabelRef, Problem, ProblemSink
from .validation import IndicatorReport, ReturnResult, TargetReport, TaskReport

APPROX_TOLERANCE = DEFAULT_SETTINGS.approx_tolerance  # relative tolerance for "~" (左右) targets


@dataclass
class Submission:
    unit: Unit
    status: str  # one of SUBMISSION_KEYS
    result: Optional[ReturnResult] = None  # the return used (or rejected), if any
    files: list[str] = field(default_factory=list)  # every file that claimed this unit

    @property
    def file(self) -> Optional[str]:
        return self.result.file if self.result else (self.files[0] if self.files else None)

    @property
    def submitted(self) -> bool:
        """A return of this unit arrived (used or not); blank ones do not count (see `empty`)."""
        return self.status in SUBMITTED

    @property
    def accepted(self) -> bool:
        """Its return is used in the consolidation (with or without problems)."""
        return self.status in ACCEPTED


# One vocabulary for the command line, the JSON, the summary and the README:
#   ok        accepted, no errors                  problems   accepted, with errors left out
#   rejected  returned for correction (not used)   duplicate  two returns, neither used
#   empty     a blank return arrived (not used)    missing    nothing arrived
# submitted = ok + problems + rejected + duplicate; accepted = ok + problems.
SUBMISSION_KEYS = ("ok", "problems", "rejected", "duplicate", "empty", "missing")
SUBMITTED = frozenset({"ok", "problems", "rejected", "duplicate"})
ACCEPTED = frozenset({"ok", "problems"})


@dataclass
class TaskSummary:
    task: Task
    chapter_id: str
    status: Optional[str]  # None: no deciding unit has reported
    progress: Optional[float]
    disagreement: bool
    reports: list[TaskReport]
    missing_units: list[str]
    deciders: list[str] = field(default_factory=list)

    @property
    def deciding_units(self) -> list[str]:
        """The reporting units whose reports decide the status: the lead units, else the responsible
        ones (a collective's members in its place)."""
        return self.deciders


@dataclass
class IndicatorSummary:
    indicator: Indicator
    actual: Optional[float]
    assessment: str  # assessment.Assessment key: achieved, ahead, on_track, behind, overdue, not_due …
    source: Optional[str]  # unit whose value is used
    reports: list[IndicatorReport]
    missing_units: list[str]
    expected: Optional[float] = None  # where the value should be by now (序时进度), when there is a pace
    deciders: list[str] = field(default_factory=list)

    @property
    def target(self) -> Target:
        return self.indicator.target

    @property
    def deciding_units(self) -> list[str]:
        """The reporting units whose value is used: the lead units, else the responsible ones."""
        return self.deciders


@dataclass
class TargetSummary:
    """A task's quantitative target: the deciding units' value and how it stands against its pace."""

    task: Task
    target: Target
    actual: Optional[float]
    assessment: str
    source: Optional[str]
    reports: list[TargetReport]
    missing_units: list[str]
    expected: Optional[float] = None
    deciders: list[str] = field(default_factory=list)

    @property
    def deciding_units(self) -> list[str]:
        return self.deciders


@dataclass
class Consolidation:
    plan: Plan
    period: Period
    submissions: list[Submission]
    tasks: list[TaskSummary]
    indicators: list[IndicatorSummary]
    targets: list[TargetSummary]
    results: list[ReturnResult]  # every file read, in input order
    problems: list[Problem]  # every problem, files in input order

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity.value == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity.value == "warning")

    def submission_counts(self) -> dict[str, int]:
        """Units by submission status (every key present), plus "submitted" and "accepted" totals."""
        counts = {k: 0 for k in SUBMISSION_KEYS}
        for s in self.submissions:
            counts[s.status] += 1
        counts["submitted"] = sum(counts[k] for k in SUBMITTED)
        counts["accepted"] = sum(counts[k] for k in ACCEPTED)
        return counts

    @property
    def unidentified_files(self) -> int:
        """Files that could not be attached to any unit (not returns, unreadable, other plans …)."""
        return sum(1 for r in self.results if r.unit is None)

    def assessment_counts(self, items: str) -> dict[str, int]:
        """Indicators or targets ("indicators" / "targets") by assessment key, every key present."""
        counts = {a.value: 0 for a in Assessment}
        for s in getattr(self, items):
            counts[s.assessment] += 1
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
            group = by_unit[unit_name] = sorted(group, key=_newness, reverse=True)
            winner = group[0]
            for loser in group[1:]:
                sink = ProblemSink(loser.file, unit=unit_name)
                sink.add("META_DUPLICATE_SUPERSEDED", other=winner.file, unit_name=unit_name,
                         rule=LabelRef(f"duplicate_rule.{_deciding_rule(winner, loser)}"))
                added.setdefault(index[id(loser)], []).extend(sink.problems)
        else:
            for r in group:
                others = "、".join(o.file for o in group if o is not r)
                sink = ProblemSink(r.file, unit=unit_name)
                sink.add("META_DUPLICATE_UNIT", other=others, unit_name=unit_name)
                added.setdefault(index[id(r)], []).extend(sink.problems)
    return by_unit, added


def _newness(r: ReturnResult) -> tuple:
    """Newer first: the workbook's own saved time (written by the office program on save), then the
    header's 填报日期, and the file system's time only as a last resort (copying files resets it)."""
    return (r.saved_at or "", r.header.get("date", ""), r.mtime)


def _deciding_rule(winner: ReturnResult, loser: ReturnResult) -> str:
    if (winner.saved_at or "") != (loser.saved_at or ""):
        return "saved_at"
    if winner.header.get("date", "") != loser.header.get("date", ""):
        return "filled_date"
    return "file_time"


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
            mine = claimed[unit.name]
            blank = all(r.status == "empty" for r in mine)
            submissions.append(Submission(unit, "empty" if blank else "rejected", mine[0], files))
        else:
            submissions.append(Submission(unit, "missing", None, []))

    task_reports: dict[str, list[TaskReport]] = {}
    ind_reports: dict[str, list[IndicatorReport]] = {}
    target_reports: dict[str, list[TargetReport]] = {}
    for r in used.values():
        for tr in r.tasks:
            task_reports.setdefault(tr.task_id, []).append(tr)
        for ir in r.indicators:
            ind_reports.setdefault(ir.indicator_id, []).append(ir)
        for xr in r.targets:
            target_reports.setdefault(xr.target_id, []).append(xr)

    tasks, indicators, targets = summarize(plan, period, task_reports, ind_reports, target_reports)
    problems = [p for n, r in enumerate(results) for p in (*r.problems, *added.get(n, ()))]
    return Consolidation(plan=plan, period=period, submissions=submissions, tasks=tasks, indicators=indicators,
                         targets=targets, results=list(results), problems=problems)


def summarize(plan: Plan, period: Period, task_reports: dict[str, list[TaskReport]],
              ind_reports: dict[str, list[IndicatorReport]], target_reports: dict[str, list[TargetReport]]
              ) -> tuple[list[TaskSummary], list[IndicatorSummary], list[TargetSummary]]:
    """Every task, indicator and target of the plan (plan order) from the used reports, by item id."""
    tasks = []
    for chapter in plan.chapters:
        for task in chapter.tasks:
            tasks.append(_summarize_task(plan, task, chapter.id, _in_plan_order(plan, task, task_reports.get(task.id))))
    indicators = [_summarize_indicator(plan, period, ind, _in_plan_order(plan, ind, ind_reports.get(ind.id)))
                  for ind in plan.indicators]
    targets = [_summarize_target(plan, period, task, target, _in_plan_order(plan, task, target_reports.get(target.id)))
               for task in plan.tasks for target in task.targets]
    return tasks, indicators, targets


def _in_plan_order(plan: Plan, item, reports: Optional[list]) -> list:
    """Reports in the order of the item's reporting units (leads first, members of a collective in
    the collective's place)."""
    order = {name: n for n, (name, _, _) in enumerate(plan.expanded(item))}
    return sorted(reports or [], key=lambda r: order.get(r.unit, len(order)))


def _summarize_task(plan: Plan, task: Task, chapter_id: str, reports: list[TaskReport]) -> TaskSummary:
    deciding_units = plan.deciding_units(task)  # a collective's members decide in its place
    deciding = [r for r in reports if r.unit in deciding_units and r.status]
    statuses = {r.status for r in reports if r.status}
    status = min((r.status for r in deciding), key=lambda s: STATUS_RANK[s]) if deciding else None
    progresses = [r.progress for r in deciding if r.progress is not None]
    reported = {r.unit for r in reports}
    return TaskSummary(task=task, chapter_id=chapter_id, status=status,
                       progress=min(progresses) if progresses else None, disagreement=len(statuses) > 1,
                       reports=reports, missing_units=[n for n, _, _ in plan.expanded(task) if n not in reported],
                       deciders=deciding_units)


def _decide_value(plan: Plan, item, target: Target, reports: list) -> tuple[Optional[float], Optional[str], bool]:
    """(value, where it comes from, conflict) for an indicator or task target.

    The deciding units' value (lead units, else responsible units) where they agree; differing values
    are a conflict, never averaged. Where the deciding unit is a collective whose members report, a
    `cumulative` target adds up the members that reported (the missing ones are listed apart); levels
    and rates are not added: the members' values must agree."""
    deciding = plan.deciding_units(item)
    pool = [r for r in reports if r.actual is not None and r.unit in deciding]
    if not pool:
        return None, None, False
    collective = {via for _, _, via in plan.expanded(item) if via}
    if collective and target.measure is Measure.cumulative and all(
            plan.role_in(item, r.unit)[1] for r in pool):
        return round(sum(r.actual for r in pool), 9), "、".join(sorted(collective)), False
    if len({round(r.actual, 9) for r in pool}) > 1:
        return None, None, True
    return pool[0].actual, pool[0].unit, False


def _judge(plan: Plan, period: Period, target: Target, value: Optional[float], conflict: bool
           ) -> tuple[str, Optional[float]]:
    if conflict:
        return Assessment.conflict.value, None
    j = assess_in_plan(plan, target, value, period)
    return j.assessment.value, j.expected


def _summarize_indicator(plan: Plan, period: Period, ind: Indicator,
                         reports: list[IndicatorReport]) -> IndicatorSummary:
    reported = {r.unit for r in reports}
    missing = [n for n, _, _ in plan.expanded(ind) if n not in reported]
    value, source, conflict = _decide_value(plan, ind, ind.target, reports)
    assessment, expected = _judge(plan, period, ind.target, value, conflict)
    return IndicatorSummary(ind, value, assessment, source, reports, missing, expected, plan.deciding_units(ind))


def _summarize_target(plan: Plan, period: Period, task: Task, target: Target,
                      reports: list[TargetReport]) -> TargetSummary:
    deciding = plan.deciding_units(task)
    reported = {r.unit for r in reports}
    missing = [u for u in deciding if u not in reported]
    value, source, conflict = _decide_value(plan, task, target, reports)
    assessment, expected = _judge(plan, period, target, value, conflict)
    return TargetSummary(task, target, value, assessment, source, reports, missing, expected, deciding)
