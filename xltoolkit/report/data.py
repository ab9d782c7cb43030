"""Consolidation -> ReportData: everything a report shows, as plain values (keys, numbers, the units'
own words), with no file, no library and no label rendering. Pure.

Every count is taken from the Consolidation's own fields and counting methods
(`submission_counts()`, `assessment_counts()`, task statuses), so the report says what the summary
workbook and the JSON say; a period restored from the history database (recorded.restore) is a
Consolidation too, so it gives the same ReportData (tests/test_report_history.py compares them).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Optional

from ..consolidation import SUBMISSION_KEYS, SUBMITTED, Consolidation
from ..forms import STATUS_KEYS

# Targets and indicators a report names as behind pace, and a notice chases.
BEHIND = ("behind", "overdue")
NOT_ACCEPTED = ("missing", "empty", "rejected", "duplicate")  # units listed in the annex
SHORT_LIMIT = 120
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")  # not allowed in Word's XML
_SENTENCE_END = re.compile(r"[。！？；]")  # full-width only: "&amp;" or a URL is not a sentence


def clean(text: Optional[str]) -> str:
    """A department's text as one line of plain text: control characters dropped, whitespace folded.
    Nothing in it is interpreted (the writer escapes it; formulas and template tags stay literal)."""
    return " ".join(_CONTROL.sub("", str(text or "")).split())


def shorten(text: Optional[str], limit: int = SHORT_LIMIT) -> str:
    """The first sentence, or at most `limit` characters ending in "…"."""
    text = clean(text)
    m = _SENTENCE_END.search(text)
    if m and m.end() < len(text):
        first = text[:m.end()]
        if len(first) >= 8:  # a very short first "sentence" (e.g. "一是；") says too little
            text = first
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class UnitWords:
    """One unit's own words on an item (shortened): what it did, its problems, its next steps."""

    unit: str
    role: str  # lead / responsible
    status: Optional[str]
    work: str = ""
    problems: str = ""
    next_steps: str = ""


@dataclass(frozen=True)
class TaskItem:
    id: str
    title: str
    chapter_id: str
    chapter_title: str
    status: Optional[str]
    progress: Optional[float]
    lead_units: list[str]
    deciding_units: list[str]
    deadline: Optional[int]  # the latest deadline year of its targets, else the plan's last year
    words: list[UnitWords] = field(default_factory=list)
    light: str = "none"  # lights.LIGHTS: this period's light


@dataclass(frozen=True)
class MeasureItem:
    """An indicator or a task target with its value and assessment (as in the summary's 指标完成/目标进度)."""

    id: str
    kind: str  # "indicator" or "target"
    name: str  # indicator name, or the target's task title
    target_text: str
    unit_of_measure: str
    value: Optional[float]
    expected: Optional[float]
    assessment: str
    deadline: Optional[int]
    lead_units: list[str]
    deciding_units: list[str]
    task_id: Optional[str] = None
    notes: list[UnitWords] = field(default_factory=list)
    light: str = "none"


@dataclass(frozen=True)
class UnitRow:
    id: str
    name: str
    status: str  # submission key
    contact: str = ""
    phone: str = ""
    timeliness: str = "none"  # chase.TIMELINESS: on_time, late, unknown (no date), none (nothing arrived)
    delivered: Optional[str] = None  # ISO date the return was saved / filled in


@dataclass(frozen=True)
class ChapterCounts:
    id: str
    title: str
    statuses: dict[str, int]  # task status key (and "no_report") -> count


@dataclass(frozen=True)
class ProblemLine:
    chapter_id: str
    chapter_title: str
    task_id: str
    task_title: str
    unit: str
    text: str


@dataclass(frozen=True)
class ReportData:
    plan_id: str
    plan_title: str
    issuer: str
    period_code: str
    period_start: str
    period_end: str
    horizon_end: int
    generated_at: str
    submissions: dict[str, int]  # Consolidation.submission_counts(): every key + submitted, accepted
    units_due: int
    task_statuses: dict[str, int]  # STATUS_KEYS + "no_report"
    tasks_total: int
    chapters: list[ChapterCounts]
    indicator_assessments: dict[str, int]  # Consolidation.assessment_counts("indicators")
    target_assessments: dict[str, int]
    indicators: list[MeasureItem]
    targets: list[MeasureItem]
    done_tasks: list[TaskItem]
    lagging_tasks: list[TaskItem]
    behind: list[MeasureItem]  # indicators and targets behind pace or overdue
    problems: list[ProblemLine]
    late_units: list[UnitRow]  # units whose return is not used (missing, empty, rejected, duplicate) or came late
    units: dict[str, UnitRow]  # every reporting unit by name (contacts for notices)
    due: str = ""  # ISO date returns were due (Plan.due_date)
    timeliness: dict[str, int] = field(default_factory=dict)  # submitted units: on_time, late, unknown
    lights: dict[str, int] = field(default_factory=dict)  # tasks, indicators and targets by light
    watched: list[TaskItem] = field(default_factory=list)  # tasks with a red or yellow light
    history: list = field(default_factory=list)  # HistorySeries: headline indicators over the periods
    # Year-end periods of a multi-year plan: the plan's evaluation (evaluation.py), group key ->
    # indicator names in plan order (binding ones that lag first); empty otherwise.
    evaluation: dict[str, list[str]] = field(default_factory=dict)
    binding_lagging: list[str] = field(default_factory=list)

    def problems_by_chapter(self) -> list[tuple[str, list[ProblemLine]]]:
        groups: dict[str, list[ProblemLine]] = {}
        titles: dict[str, str] = {}
        for p in self.problems:
            groups.setdefault(p.chapter_id, []).append(p)
            titles[p.chapter_id] = p.chapter_title
        return [(titles[k], v) for k, v in groups.items()]


def _words(r) -> UnitWords:
    return UnitWords(unit=r.unit, role=r.role, status=getattr(r, "status", None), work=shorten(getattr(r, "work", "")),
                     problems=shorten(getattr(r, "problems", "")), next_steps=shorten(getattr(r, "next_steps", "")))


HISTORY_SERIES = 6  # indicators drawn over the periods (six panels stay readable on one A4 page)


@dataclass(frozen=True)
class HistorySeries:
    """One headline indicator over the recorded periods and this one, against its target."""

    id: str
    name: str
    unit_of_measure: str
    periods: list[str]  # the recorded periods and this one, in time order (the x axis)
    values: list[tuple[str, float]]  # (period code, value)
    expected: list[tuple[str, float]]  # (period code, 序时进度) where there is a pace
    target: Optional[float]  # the target's number, a range's lower end (None: qualitative)
    target_high: Optional[float]  # a range's upper end (None otherwise)
    target_text: str


def history_series(c: Consolidation, series: Optional[dict]) -> list[HistorySeries]:
    """The indicators with a value in at least two of the recorded periods (history.value_series)
    and this period; those with a numeric target first (they can be drawn against it), plan order
    otherwise, at most HISTORY_SERIES."""
    if not series or not series.get("periods"):
        return []
    numeric, other = [], []
    for i in c.indicators:
        key = ("indicator", i.indicator.id)
        past, paced = series["values"].get(key, {}), series.get("expected", {}).get(key, {})
        values = [(p, past[p]) for p in series["periods"] if past.get(p) is not None]
        expected = [(p, paced[p]) for p in series["periods"] if paced.get(p) is not None]
        if i.actual is not None:
            values.append((c.period.code, i.actual))
        if i.expected is not None:
            expected.append((c.period.code, i.expected))
        if len(values) < 2:
            continue
        target, high = i.target.low, i.target.high
        item = HistorySeries(i.indicator.id, clean(i.indicator.name), i.target.unit or "",
                             [*series["periods"], c.period.code], values, expected,
                             target, high if high != target else None, clean(i.target.text))
        (numeric if target is not None else other).append(item)
    return (numeric + other)[:HISTORY_SERIES]


def from_consolidation(c: Consolidation, generated_at: str, series: Optional[dict] = None,
                       lights: Optional[dict] = None, due: Optional[dt.date] = None,
                       year_end: Optional[list] = None) -> ReportData:
    """Everything the report shows, from one merge's consolidation (or one restored from the history
    database: recorded.restore). `series`: the database's values of earlier periods (the chart over
    time); `lights`: this period's lights by (kind, item id) (lights.period_lights; without it, as
    if no period had been recorded before); `due`: when returns were due (default the plan's);
    `year_end`: earlier years' recorded year-end results (history.year_end_results), for the plan's
    evaluation in a year-end report."""
    from ..chase import chase_rows
    from ..evaluation import GROUPS, evaluate_period, evaluates
    from ..lights import LIGHTS, period_lights

    plan = c.plan
    chapters = {ch.id: ch for ch in plan.chapters}
    statuses = (*STATUS_KEYS, "no_report")
    lights = lights if lights is not None else period_lights(c)
    due = due or plan.due_date(c.period)

    def task_item(t) -> TaskItem:
        years = [x.deadline_year for x in t.task.targets if x.deadline_year]
        return TaskItem(id=t.task.id, title=clean(t.task.title), chapter_id=t.chapter_id,
                        chapter_title=clean(chapters[t.chapter_id].title), status=t.status, progress=t.progress,
                        lead_units=list(t.task.lead_units), deciding_units=list(t.deciding_units),
                        deadline=max(years) if years else plan.horizon[1],
                        words=[_words(r) for r in t.reports if r.unit in t.deciding_units],
                        light=lights.get(("task", t.task.id), "none"))

    task_statuses = {k: 0 for k in statuses}
    per_chapter: dict[str, dict[str, int]] = {ch.id: {k: 0 for k in statuses} for ch in plan.chapters}
    for t in c.tasks:
        key = t.status or "no_report"
        task_statuses[key] += 1
        per_chapter[t.chapter_id][key] += 1

    indicators = [MeasureItem(
        id=s.indicator.id, kind="indicator", name=clean(s.indicator.name), target_text=clean(s.target.text),
        unit_of_measure=s.target.unit or "", value=s.actual, expected=s.expected, assessment=s.assessment,
        deadline=s.target.deadline_year, lead_units=list(s.indicator.lead_units),
        deciding_units=list(s.deciding_units),
        notes=[UnitWords(r.unit, r.role, None, work=shorten(r.note)) for r in s.reports if r.note],
        light=lights.get(("indicator", s.indicator.id), "none"))
        for s in c.indicators]
    targets = [MeasureItem(
        id=s.target.id, kind="target", name=clean(s.task.title), target_text=clean(s.target.text),
        unit_of_measure=s.target.unit or "", value=s.actual, expected=s.expected, assessment=s.assessment,
        deadline=s.target.deadline_year, lead_units=list(s.task.lead_units), deciding_units=list(s.deciding_units),
        task_id=s.task.id, notes=[UnitWords(r.unit, r.role, None, work=shorten(r.note)) for r in s.reports if r.note],
        light=lights.get(("target", s.target.id), "none"))
        for s in c.targets]

    problems = [ProblemLine(t.chapter_id, clean(chapters[t.chapter_id].title), t.task.id, clean(t.task.title),
                            r.unit, shorten(r.problems))
                for t in c.tasks for r in t.reports if clean(r.problems)]
    chase = {r.unit: r for r in chase_rows(c, due)}
    units = {s.unit.name: UnitRow(s.unit.id, s.unit.name, s.status, clean(s.unit.contact), clean(s.unit.phone),
                                  chase[s.unit.name].timeliness, chase[s.unit.name].delivered)
             for s in c.submissions}
    timeliness = {k: 0 for k in ("on_time", "late", "unknown")}
    for u in units.values():
        if u.status in SUBMITTED:
            timeliness[u.timeliness] += 1
    light_counts = {k: 0 for k in LIGHTS}
    for key in lights.values():
        light_counts[key] += 1
    counts = c.submission_counts()
    assert set(SUBMISSION_KEYS) <= set(counts)
    tasks = [task_item(t) for t in c.tasks]
    evaluation: dict[str, list[str]] = {}
    binding_lagging: list[str] = []
    if evaluates(c):
        rows = evaluate_period(c, year_end or [])
        evaluation = {g: [clean(r.name) for r in rows if r.group == g] for g in GROUPS}
        binding_lagging = [clean(r.name) for r in rows if r.group == "lagging" and r.kind == "binding"]
    return ReportData(
        plan_id=plan.id, plan_title=clean(plan.title), issuer=clean(plan.issuer), period_code=c.period.code,
        period_start=str(c.period.start), period_end=str(c.period.end), horizon_end=plan.horizon[1],
        generated_at=generated_at, submissions=counts, units_due=len(c.submissions),
        task_statuses=task_statuses, tasks_total=len(c.tasks),
        chapters=[ChapterCounts(ch.id, clean(ch.title), per_chapter[ch.id]) for ch in plan.chapters if ch.tasks],
        indicator_assessments=c.assessment_counts("indicators"), target_assessments=c.assessment_counts("targets"),
        indicators=indicators, targets=targets,
        done_tasks=[t for t in tasks if t.status == "done"],
        lagging_tasks=[t for t in tasks if t.status == "lagging"],
        behind=[m for m in (*indicators, *targets) if m.assessment in BEHIND],
        problems=problems,
        late_units=[u for u in units.values() if u.status in NOT_ACCEPTED or u.timeliness == "late"],
        history=history_series(c, series),
        units=units, due=due.isoformat(), timeliness=timeliness, lights=light_counts,
        watched=[t for t in tasks if t.light in ("red", "yellow")], evaluation=evaluation,
        binding_lagging=binding_lagging)


# Notices (督办通知单) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """What one unit is asked about: the tasks, indicators and targets it decides whose light calls
    for a notice."""

    unit: UnitRow
    tasks: list[TaskItem]
    measures: list[MeasureItem]


CHASED_LIGHTS = {"red": ("red",), "yellow": ("red", "yellow")}  # --chase: the lights that get a notice


def notices(data: ReportData, chase: str = "red") -> list[Notice]:
    """One notice per reporting unit that decides an item whose light is red (overdue, 滞后 two
    periods running, or red and not caught up yet: lights.py), or with ``chase="yellow"`` red or
    yellow. In the plan's unit order; the items in plan order, tasks first."""
    chased = CHASED_LIGHTS[chase]
    out = []
    for name, unit in data.units.items():
        tasks = [t for t in data.watched if t.light in chased and name in t.deciding_units]
        measures = [m for m in (*data.indicators, *data.targets) if m.light in chased and name in m.deciding_units]
        if tasks or measures:
            out.append(Notice(unit, tasks, measures))
    return out
