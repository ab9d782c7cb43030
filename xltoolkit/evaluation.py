"""The plan's own evaluation (规划评估): each main indicator of a multi-year plan over its years, in the
four groups of the national 14th-FYP mid-term review — 提前实现 (achieved ahead of the deadline), 快于预期
(ahead of pace), 基本符合预期 (on pace), 滞后 (behind) — with binding (约束性) indicators that lag first.
Pure: the recorded year-end results in, rows out.

* yearly values: the indicator's consolidated value in each year-end period recorded (a year, a
  second half or a fourth quarter; the latest of them for a year);
* rates: the average annual rate so far, the geometric mean of the yearly rates:
  ((1 + r1/100)(1 + r2/100)…)^(1/n) − 1, in percent;
* the group follows the latest year's assessment (assessment.py): achieved before the deadline year
  → 提前实现 (in the deadline year → 基本符合预期, met on time); ahead → 快于预期; on_track → 基本符合预期;
  behind or overdue → 滞后; anything else (qualitative, no data, not due, conflict) → 待评估 (left to
  people).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from .model import IndicatorKind, Measure, Plan

GROUPS = ("achieved_early", "ahead", "as_expected", "lagging", "to_assess")  # label keys evaluation.group.*


@dataclass(frozen=True)
class EvaluationRow:
    indicator_id: str
    name: str
    kind: str  # binding / expected
    measure: str
    target: str  # the target as written
    years: dict[int, Optional[float]] = field(default_factory=dict)
    average_rate: Optional[float] = None  # rates: geometric mean of the yearly rates so far
    assessment: Optional[str] = None  # the latest year's assessment key
    group: str = "to_assess"


def average_annual_rate(rates: list[float]) -> Optional[float]:
    """Geometric mean of yearly growth rates given in percent (None when there is none)."""
    if not rates or any(r <= -100 for r in rates):
        return None
    product = math.prod(1 + r / 100 for r in rates)
    return round((product ** (1 / len(rates)) - 1) * 100, 6)


def group_of(assessment: Optional[str], year: Optional[int], deadline: int) -> str:
    if assessment == "achieved":
        return "achieved_early" if year is not None and year < deadline else "as_expected"
    return {"ahead": "ahead", "on_track": "as_expected", "behind": "lagging", "overdue": "lagging"}.get(
        assessment or "", "to_assess")


def evaluate(plan: Plan, year_end: list[dict]) -> list[EvaluationRow]:
    """`year_end`: recorded results of year-end periods, each {"year", "item_id", "value",
    "assessment", "period_end"} (later periods of a year win). Rows in plan order, binding indicators
    that lag first."""
    by_item: dict[str, dict[int, dict]] = {}
    for r in sorted(year_end, key=lambda r: (r["year"], r.get("period_end") or "")):
        by_item.setdefault(r["item_id"], {})[r["year"]] = r
    rows = []
    for ind in plan.indicators:
        years = by_item.get(ind.id, {})
        values = {y: years[y]["value"] for y in sorted(years)}
        latest_year = max(years) if years else None
        assessment = years[latest_year]["assessment"] if latest_year is not None else None
        rates = [v for v in values.values() if v is not None]
        avg = average_annual_rate(rates) if ind.target.measure is Measure.rate else None
        rows.append(EvaluationRow(ind.id, ind.name, ind.kind.value, ind.target.measure.value, ind.target.text,
                                  values, avg, assessment,
                                  group_of(assessment, latest_year, ind.target.deadline_year or plan.horizon[1])))
    first = [r for r in rows if r.kind == IndicatorKind.binding.value and r.group == "lagging"]
    return first + [r for r in rows if r not in first]


def evaluates(consolidation) -> bool:
    """Whether a period gets the plan's evaluation: a year-end period of a multi-year plan."""
    c = consolidation
    return c.period.is_year_end and c.plan.horizon[1] > c.plan.horizon[0]


def evaluate_period(consolidation, earlier_year_end: list[dict]) -> list[EvaluationRow]:
    """The evaluation as of this year-end period: the recorded year-end results of earlier years
    (history.year_end_results; a record of this period's own year is replaced) and this period's
    indicator results."""
    c = consolidation
    year_end = [r for r in earlier_year_end if r["year"] != c.period.year]
    year_end += [{"year": c.period.year, "item_id": i.indicator.id, "value": i.actual, "assessment": i.assessment,
                  "period_end": c.period.end.isoformat()} for i in c.indicators]
    return evaluate(c.plan, year_end)
