"""Judging a reported number against its deadline: 序时进度 ("时间过半、任务过半"). Pure: no files,
inputs are never modified.

A numeric commitment is judged against the share of the time to its deadline that has passed:

* elapsed share ``e`` = days from 1 January of the plan's first year to the end of the reporting
  period, over days from that start to 31 December of the target's deadline year (both counted
  inclusively, so a year-end period of the deadline year gives exactly 1; see `elapsed_share`);
  a target without a deadline year is due at the end of the plan horizon;
* expected = baseline + (target − baseline) × e, with baseline 0 for `cumulative` targets and the
  target's own `baseline` for `level` targets;
* the value is `ahead` when beyond expected (in the good direction) by at least ``pace_band`` (10 %)
  of |target − baseline|, `behind` when short of it by more than that, else `on_track`.

The verdict, by measure (``final`` = the reporting period ends on or after 31 December of the
deadline year, i.e. the deadline's last period has ended):

=============  ==========================================================================
qualitative    `qualitative` (left to people)
no value       `no_data`
cumulative     met → `achieved`; not met: final → `overdue`, else the pace
level          met → `achieved`; not met: final → `overdue`; without a baseline → `not_due`
               (the gap is still given), else the pace
rate           this period's rate against the target rate: met → `on_track` (`achieved` when
               final), not met → `behind` (`overdue` when final)
=============  ==========================================================================

"Met" is judged by comparator exactly as `consolidation.attainment` does: ``>=``/``>``/``<=``/``<``
as written; ``=`` when the value reaches the target in the good direction; ``~`` (左右) within
``approx_tolerance`` (5 %) of the target on the bad side; a range from its low end for higher-better
targets (up to its high end for lower-better ones). A met cumulative or level target is `achieved`
whenever it is reported, even after the deadline: the report does not say when it was reached.

When the baseline already meets the target (nothing left to cover, e.g. keep 失业率 within 4 % from
3.5 %), expected is the target itself and a value that is not met is `behind`.

Thresholds live in `model.AssessmentSettings` (the only place their defaults are written) and can be
overridden per plan (``Plan.assessment``). `conflict` is produced by consolidation when units
disagree; it is listed here so every assessment key has one home. Keys are stable English words;
the zh-CN labels (已实现, 快于序时进度 …) are added where a workbook or message is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Optional

from .model import AssessmentSettings, Comparator, Direction, Measure, Period, Plan, Target

__all__ = ["Assessment", "AssessmentSettings", "Judgement", "assess", "assess_in_plan", "elapsed_share",
           "is_met", "plan_start"]

DEFAULT_SETTINGS = AssessmentSettings()


class Assessment(str, Enum):
    """How a reported value stands against its target and deadline (label in parentheses)."""

    achieved = "achieved"  # 已实现: the target is met
    ahead = "ahead"  # 快于序时进度
    on_track = "on_track"  # 符合序时进度
    behind = "behind"  # 滞后于序时进度
    overdue = "overdue"  # 逾期未完成: the deadline's last period has ended and it is not met
    not_due = "not_due"  # 未到期: a level target with no baseline, before its deadline
    no_data = "no_data"  # 无数据
    qualitative = "qualitative"  # 定性指标待评估: left to people
    conflict = "conflict"  # 数据不一致: units disagree (set by consolidation)


@dataclass(frozen=True)
class Judgement:
    """The verdict on one value, with the numbers behind it.

    Attributes:
        assessment: the verdict.
        expected: the value the pace calls for at the end of the period (baseline + (target −
            baseline) × elapsed); None for rates, qualitative targets and levels without baseline.
        elapsed: share of the time from the plan start to the deadline that has passed at the end of
            the period, 0–1; None for qualitative targets.
        gap: how far the value is from the target in the good direction (target − value for
            higher-better targets, value − target for lower-better ones; the low end of a range for
            higher-better, the high end for lower-better): positive while short of it, zero or
            negative once there. None without a value or for qualitative targets.
        deadline_year: the year the target is due (the plan's last year when the target has none).
    """

    assessment: Assessment
    expected: Optional[float] = None
    elapsed: Optional[float] = None
    gap: Optional[float] = None
    deadline_year: Optional[int] = None


# Public API.


def plan_start(plan_horizon: tuple[int, int]) -> dt.date:
    """The first day of the plan period.

    Args:
        plan_horizon: (first year, last year) of the plan, as `Plan.horizon`.

    Returns:
        1 January of the first year.
    """
    return dt.date(plan_horizon[0], 1, 1)


def elapsed_share(start: dt.date, period: Period, deadline_year: int) -> float:
    """Share of the time from `start` to the deadline that has passed at the end of `period`.

    Days are counted inclusively on both sides: from 1 Jan 2021 to the end of 2022Q4 is 730 days,
    to the end of 2025 is 1826, so 2022Q4 in a 2021–2025 plan gives 730/1826 ≈ 0.3998 and a
    year-end period of the deadline year gives exactly 1.

    Args:
        start: the first day of the plan period (`plan_start`).
        period: the reporting period.
        deadline_year: the year the target is due (by 31 December).

    Returns:
        The share, clamped to 0–1 (1 for any period ending at or after the deadline, and when the
        deadline falls before `start`).
    """
    total = (dt.date(deadline_year, 12, 31) - start).days + 1
    if total <= 0:
        return 1.0
    passed = (period.end - start).days + 1
    return min(1.0, max(0.0, passed / total))


def is_met(target: Target, value: Optional[float], settings: AssessmentSettings = DEFAULT_SETTINGS) -> Optional[bool]:
    """Whether `value` meets `target` by its comparator and direction (the rules in the module doc).

    Args:
        target: the target; its `measure` does not matter here.
        value: the reported value, or None.
        settings: thresholds (`approx_tolerance`, `float_eps`).

    Returns:
        True or False; None for a qualitative target or a missing value.
    """
    if target.comparator is Comparator.qualitative or value is None:
        return None
    c, eps, higher = target.comparator, settings.float_eps, target.direction is Direction.higher_better
    if c is Comparator.range:
        return value >= target.low - eps if higher else value <= target.high + eps
    v = target.value
    if c is Comparator.approx:
        slack = abs(v) * settings.approx_tolerance
        return value >= v - slack - eps if higher else value <= v + slack + eps
    if c is Comparator.gt:
        return value > v + eps
    if c is Comparator.lt:
        return value < v - eps
    if c is Comparator.ge or (c is Comparator.eq and higher):
        return value >= v - eps
    return value <= v + eps  # <=, or = for a lower-better target


def assess(target: Target, value: Optional[float], period: Period, plan_horizon: tuple[int, int],
           settings: AssessmentSettings = DEFAULT_SETTINGS) -> Judgement:
    """Judge one reported value against its target and deadline (the rules in the module doc).

    Args:
        target: the target. Its `measure` should be set (a loaded `Plan` sets it); a target without
            one is judged as `level`, or `qualitative` for a qualitative comparator.
        value: the reported value for `period` (the total so far for cumulative targets, the
            current value for levels, this period's rate for rates), or None when nothing was
            reported.
        period: the reporting period; periods after the deadline or the horizon are allowed.
        plan_horizon: (first year, last year) of the plan; the plan period starts on 1 January of
            the first year, and a target without `deadline_year` is due at the end of the last.
        settings: thresholds, normally the plan's (`Plan.assessment`).

    Returns:
        The Judgement.
    """
    measure = target.measure or (Measure.qualitative if target.comparator is Comparator.qualitative
                                 else Measure.level)
    if measure is Measure.qualitative or target.comparator is Comparator.qualitative:
        return Judgement(Assessment.qualitative)
    deadline = target.deadline_year or plan_horizon[1]
    elapsed = elapsed_share(plan_start(plan_horizon), period, deadline)
    final = period.end >= dt.date(deadline, 12, 31)
    if value is None:
        return Judgement(Assessment.no_data, elapsed=elapsed, deadline_year=deadline)

    sign = 1.0 if target.direction is Direction.higher_better else -1.0
    goal = _goal(target)
    gap = sign * (goal - value)
    met = is_met(target, value, settings)

    def judged(assessment: Assessment, expected: Optional[float] = None) -> Judgement:
        return Judgement(assessment, expected=expected, elapsed=elapsed, gap=gap, deadline_year=deadline)

    if measure is Measure.rate:
        if met:
            return judged(Assessment.achieved if final else Assessment.on_track)
        return judged(Assessment.overdue if final else Assessment.behind)

    baseline = 0.0 if measure is Measure.cumulative else target.baseline
    expected = None if baseline is None else _expected(baseline, goal, sign, elapsed, settings)
    if met:
        return judged(Assessment.achieved, expected)
    if final:
        return judged(Assessment.overdue, expected)
    if baseline is None:
        return judged(Assessment.not_due)
    return judged(_pace(value, expected, baseline, goal, sign, settings), expected)


def assess_in_plan(plan: Plan, target: Target, value: Optional[float], period: Period) -> Judgement:
    """`assess` with the plan's horizon and its assessment settings.

    Args:
        plan: the plan the target belongs to.
        target: the target (an indicator's `target` or one of a task's `targets`).
        value: the reported value, or None.
        period: the reporting period.

    Returns:
        The Judgement.
    """
    return assess(target, value, period, plan.horizon, plan.assessment)


# Internals.


def _goal(target: Target) -> float:
    """The number the pace heads for: the value, or the end of a range that counts as met."""
    if target.comparator is Comparator.range:
        return target.low if target.direction is Direction.higher_better else target.high
    return float(target.value)


def _expected(baseline: float, goal: float, sign: float, elapsed: float, settings: AssessmentSettings) -> float:
    if sign * (goal - baseline) <= settings.float_eps:
        return goal  # the baseline already meets the target: nothing to cover, hold the target
    return baseline + (goal - baseline) * elapsed


def _pace(value: float, expected: float, baseline: float, goal: float, sign: float,
          settings: AssessmentSettings) -> Assessment:
    eps = settings.float_eps
    span = sign * (goal - baseline)
    if span <= eps:
        return Assessment.behind  # not met although the baseline met it: it has slipped back
    band = settings.pace_band * span
    lead = sign * (value - expected)  # beyond expected in the good direction when positive
    if lead >= band - eps:
        return Assessment.ahead
    if lead < -band - eps:
        return Assessment.behind
    return Assessment.on_track
