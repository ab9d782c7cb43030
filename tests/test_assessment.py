"""序时进度: judging a reported number against its deadline (xltoolkit/assessment.py)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xltoolkit.assessment import (Assessment as A, AssessmentSettings, Judgement, assess, assess_in_plan,
                                  elapsed_share, is_met, plan_start)
from xltoolkit.consolidation import attainment
from xltoolkit.model import Period, Plan, Target
from xltoolkit.plans import fingerprint, load_plan

HORIZON = (2021, 2025)
P = Period.parse


def target(**kw) -> Target:
    base = dict(text="t", comparator=">=", direction="higher_better", deadline_year=2025, measure="cumulative")
    base.update(kw)
    return Target(**base)


UNICORNS = target(text="独角兽或准独角兽企业6家以上", value=6, unit="家")
# 城镇调查失业率 from 5.0 toward at most 4.0 (a level that counts down).
UNEMPLOYMENT = target(text="城镇调查失业率控制在4.0%以内", value=4.0, unit="%", comparator="<=",
                      direction="lower_better", measure="level", baseline=5.0, baseline_year=2020)
GROWTH = target(text="年均增长7%", value=7, unit="%", measure="rate")


def verdict(t: Target, value, period: str, horizon=HORIZON, **overrides) -> A:
    return assess(t, value, P(period), horizon, AssessmentSettings(**overrides)).assessment


# The example the office works by: 6 unicorns by 2025, reported for 2022Q4.

def test_elapsed_share_counts_days_inclusively():
    assert elapsed_share(dt.date(2021, 1, 1), P("2022Q4"), 2025) == pytest.approx(730 / 1826)
    assert elapsed_share(dt.date(2021, 1, 1), P("2025"), 2025) == 1.0
    assert elapsed_share(dt.date(2021, 1, 1), P("2025Q4"), 2025) == 1.0
    assert elapsed_share(dt.date(2021, 1, 1), P("2026Q2"), 2025) == 1.0  # clamped after the deadline
    assert elapsed_share(dt.date(2021, 1, 1), P("2021Q1"), 2021) == pytest.approx(90 / 365)
    assert elapsed_share(dt.date(2021, 1, 1), P("2022"), 2020) == 1.0  # deadline before the plan start
    assert plan_start(HORIZON) == dt.date(2021, 1, 1)


@pytest.mark.parametrize("value, expected", [(1, A.behind), (2, A.on_track), (2.4, A.on_track), (4, A.ahead),
                                             (6, A.achieved), (7, A.achieved), (None, A.no_data)])
def test_unicorn_example(value, expected):
    j = assess(UNICORNS, value, P("2022Q4"), HORIZON)
    assert j.assessment is expected
    assert j.elapsed == pytest.approx(730 / 1826)
    if value is not None:
        assert j.expected == pytest.approx(6 * 730 / 1826)  # ≈ 2.4; the band is ± 0.6
        assert j.gap == pytest.approx(6 - value)


def test_unicorn_band_edges():
    expected = 6 * 730 / 1826
    assert verdict(UNICORNS, expected + 0.6, "2022Q4") is A.ahead  # "at least 10 %" beyond
    assert verdict(UNICORNS, expected + 0.59, "2022Q4") is A.on_track
    assert verdict(UNICORNS, expected - 0.6, "2022Q4") is A.on_track  # "more than 10 %" short
    assert verdict(UNICORNS, expected - 0.61, "2022Q4") is A.behind


def test_float_tolerance_at_the_band_edge():
    # 2097–2101 has no leap day (2100 is not a leap year): 2098Q4 is exactly 730/1825 = 0.4 of the way,
    # expected = 6 × 0.4 = 2.4000000000000004 and the band is 0.6: 3.0 and 1.8 sit on its edges.
    t = target(value=6, deadline_year=None)
    horizon = (2097, 2101)
    assert elapsed_share(plan_start(horizon), P("2098Q4"), 2101) == 0.4 and 6 * 0.4 != 2.4
    assert verdict(t, 3.0, "2098Q4", horizon) is A.ahead  # at least 10 % beyond
    assert verdict(t, 1.8, "2098Q4", horizon) is A.on_track  # not more than 10 % short
    assert verdict(t, 1.79, "2098Q4", horizon) is A.behind


def test_cumulative_overdue_after_the_deadline_and_period_beyond_the_horizon():
    assert verdict(UNICORNS, 5.5, "2025Q3") is A.on_track  # expected 6 × 1734/1826 ≈ 5.7
    assert verdict(UNICORNS, 5, "2025Q3") is A.behind
    assert verdict(UNICORNS, 5, "2025Q4") is A.overdue  # the deadline's last period has ended
    assert verdict(UNICORNS, 5, "2025") is A.overdue
    j = assess(UNICORNS, 5, P("2026"), HORIZON)
    assert (j.assessment, j.elapsed, j.expected, j.gap) == (A.overdue, 1.0, 6.0, 1.0)
    assert verdict(UNICORNS, 6, "2026Q1") is A.achieved


def test_target_without_deadline_uses_the_horizon_end():
    t = target(value=6, deadline_year=None)
    j = assess(t, 1, P("2022Q4"), HORIZON)
    assert j.deadline_year == 2025 and j.assessment is A.behind
    assert verdict(t, 1, "2023Q4", (2021, 2023)) is A.overdue


def test_lower_better_level_with_baseline_counts_down():
    # 5.0 → 4.0 over 2021–2025: at the end of 2022 the pace calls for 5.0 − 1.0 × 0.4 ≈ 4.6 (band ± 0.1).
    j = assess(UNEMPLOYMENT, 4.6, P("2022Q4"), HORIZON)
    assert j.assessment is A.on_track and j.expected == pytest.approx(5.0 - 730 / 1826)
    assert j.gap == pytest.approx(0.6)  # still 0.6 points above the ceiling
    assert verdict(UNEMPLOYMENT, 4.45, "2022Q4") is A.ahead  # lower is better: ahead
    assert verdict(UNEMPLOYMENT, 4.75, "2022Q4") is A.behind
    assert verdict(UNEMPLOYMENT, 5.2, "2022Q4") is A.behind
    assert verdict(UNEMPLOYMENT, 3.9, "2022Q4") is A.achieved
    assert verdict(UNEMPLOYMENT, 4.1, "2025Q4") is A.overdue
    assert verdict(UNEMPLOYMENT, 4.0, "2025Q4") is A.achieved


def test_level_with_baseline_higher_better():
    years = target(text="平均受教育年限达到12.5年", value=12.5, unit="年", measure="level", baseline=12.0)
    assert assess(years, 12.2, P("2022Q4"), HORIZON).expected == pytest.approx(12.0 + 0.5 * 730 / 1826)
    assert verdict(years, 12.2, "2022Q4") is A.on_track
    assert verdict(years, 12.0, "2022Q4") is A.behind
    assert verdict(years, 12.4, "2022Q4") is A.ahead
    assert verdict(years, 12.5, "2022Q4") is A.achieved


def test_level_without_baseline_is_not_due_until_its_last_period():
    cover = target(text="覆盖率达到41.51%", value=41.51, unit="%", measure="level")
    j = assess(cover, 38.0, P("2022Q4"), HORIZON)
    assert j.assessment is A.not_due and j.expected is None and j.gap == pytest.approx(3.51)
    assert verdict(cover, 38.0, "2025Q3") is A.not_due
    assert verdict(cover, 38.0, "2025H2") is A.overdue
    assert verdict(cover, 42.0, "2022Q4") is A.achieved
    assert verdict(cover, 42.0, "2025") is A.achieved


def test_baseline_already_meeting_the_target():
    keep = target(text="失业率控制在4.0%以内", value=4.0, comparator="<=", direction="lower_better",
                  measure="level", baseline=3.5)
    assert verdict(keep, 3.8, "2022Q4") is A.achieved
    j = assess(keep, 4.2, P("2022Q4"), HORIZON)
    assert j.assessment is A.behind and j.expected == 4.0


@pytest.mark.parametrize("value, period, expected", [
    (7.5, "2022Q4", A.on_track), (6.0, "2022Q4", A.behind),  # mid-plan
    (7.0, "2025Q3", A.on_track), (6.9, "2025Q3", A.behind),
    (7.5, "2025Q4", A.achieved), (6.0, "2025Q4", A.overdue),  # the deadline year's last period
    (7.5, "2025", A.achieved), (6.0, "2025H2", A.overdue),
    (7.5, "2026Q2", A.achieved), (6.0, "2026Q2", A.overdue),  # after the deadline year
])
def test_rate(value, period, expected):
    j = assess(GROWTH, value, P(period), HORIZON)
    assert j.assessment is expected and j.expected is None and j.gap == pytest.approx(7 - value)


def test_approx_rate_within_five_percent():
    t = target(text="增长7%左右", value=7, unit="%", comparator="~", measure="rate")
    assert verdict(t, 6.65, "2022Q4") is A.on_track  # 7 − 5 %
    assert verdict(t, 6.6, "2022Q4") is A.behind
    assert verdict(t, 6.6, "2022Q4", approx_tolerance=0.1) is A.on_track
    lower = target(text="能耗下降3%左右", value=3, comparator="~", direction="lower_better", measure="level")
    assert verdict(lower, 3.15, "2025") is A.achieved and verdict(lower, 3.2, "2025") is A.overdue


def test_range_targets():
    hb = target(text="增长6%-7%", value=(6, 7), unit="%", comparator="range", measure="rate")
    assert verdict(hb, 6.0, "2022Q4") is A.on_track and verdict(hb, 5.9, "2022Q4") is A.behind
    assert verdict(hb, 8.0, "2025Q4") is A.achieved
    assert assess(hb, 5.0, P("2022Q4"), HORIZON).gap == pytest.approx(1.0)  # to the low end
    lb = target(text="控制在3%-3.5%", value=(3, 3.5), unit="%", comparator="range", direction="lower_better",
                measure="level", baseline=4.5)
    assert verdict(lb, 3.5, "2022Q4") is A.achieved  # up to its high end
    j = assess(lb, 4.2, P("2022Q4"), HORIZON)  # heads for 3.5: 4.5 − 1.0 × 0.4 ≈ 4.1, band ± 0.1
    assert j.assessment is A.on_track and j.expected == pytest.approx(4.5 - 730 / 1826)
    assert verdict(lb, 4.3, "2022Q4") is A.behind


def test_strict_and_equal_comparators():
    gt = target(value=6, comparator=">")
    assert verdict(gt, 6, "2025") is A.overdue and verdict(gt, 6.01, "2025") is A.achieved
    eq = target(value=12.5, comparator="=", measure="level")
    assert verdict(eq, 12.6, "2025") is A.achieved and verdict(eq, 12.4, "2025") is A.overdue
    lt = target(value=4, comparator="<", direction="lower_better", measure="level", baseline=5)
    assert verdict(lt, 4, "2025") is A.overdue and verdict(lt, 3.99, "2025") is A.achieved


def test_qualitative_and_no_data():
    q = Target(text="完成市下达目标", comparator="qualitative", direction="qualitative", measure="qualitative")
    assert assess(q, None, P("2022Q4"), HORIZON) == Judgement(A.qualitative)
    assert assess(q, 3.0, P("2022Q4"), HORIZON).assessment is A.qualitative
    assert is_met(q, 3.0) is None and is_met(UNICORNS, None) is None
    assert verdict(UNEMPLOYMENT, None, "2026") is A.no_data
    assert "conflict" in {a.value for a in A}


def test_plan_override_of_the_band_changes_a_result(make_plan):
    data = make_plan()
    plan = Plan.model_validate(data)
    narrow = Plan.model_validate({**data, "assessment": {"pace_band": 0.05}})
    t = target(value=10, deadline_year=2025)  # horizon 2022–2025: 2023Q4 gives 730/1461 ≈ 0.5
    expected = 10 * 730 / 1461
    assert assess_in_plan(plan, t, expected + 0.7, P("2023Q4")).assessment is A.on_track
    assert assess_in_plan(narrow, t, expected + 0.7, P("2023Q4")).assessment is A.ahead
    assert assess_in_plan(narrow, t, expected - 0.7, P("2023Q4")).assessment is A.behind
    assert narrow.assessment.approx_tolerance == AssessmentSettings().approx_tolerance


def test_settings_defaults_stay_out_of_dumps_and_fingerprints(make_plan):
    data = make_plan()
    plain = Plan.model_validate(data)
    assert "assessment" not in plain.model_dump() and plain.assessment == AssessmentSettings()
    assert AssessmentSettings().pace_band == 0.10 and AssessmentSettings().approx_tolerance == 0.05
    custom = Plan.model_validate({**data, "assessment": {"pace_band": 0.2}})
    assert custom.model_dump(mode="json")["assessment"]["pace_band"] == 0.2
    assert Plan.model_validate(custom.model_dump(mode="json")) == custom
    with pytest.raises(ValueError):
        Plan.model_validate({**data, "assessment": {"pace_band": 2}})
    with pytest.raises(ValueError):
        Plan.model_validate({**data, "assessment": {"band": 0.2}})
    assert fingerprint(load_plan()) == fingerprint(Plan.model_validate(load_plan().model_dump()))


def test_inputs_are_not_mutated():
    t = UNEMPLOYMENT.model_copy(deep=True)
    before = copy.deepcopy(t.model_dump())
    period, s = P("2022Q4"), AssessmentSettings(pace_band=0.2)
    for value in (None, 3.0, 4.6, 6.0):
        assess(t, value, period, HORIZON, s)
        is_met(t, value, s)
    assert t.model_dump() == before and period == P("2022Q4") and s == AssessmentSettings(pace_band=0.2)


def test_every_bundled_target_can_be_judged():
    plan = load_plan()
    targets = [i.target for i in plan.indicators] + [t for task in plan.tasks for t in task.targets]
    for t in targets:
        for value in (None, 0.0, 1.0, 1e4):
            assert isinstance(assess_in_plan(plan, t, value, P("2022Q4")).assessment, A)


# Properties.

RANK = {A.overdue: 0, A.behind: 1, A.not_due: 1, A.on_track: 2, A.ahead: 3, A.achieved: 4}
PERIODS = st.builds(lambda y, q: Period.parse(f"{y}Q{q}"), st.integers(2020, 2027), st.integers(1, 4))
VALUES = st.floats(-1e4, 1e4, allow_nan=False)


@hsettings(max_examples=300, deadline=None)
@given(a=VALUES, b=VALUES, goal=st.floats(0.5, 1e3), period=PERIODS)
def test_higher_value_never_gives_a_worse_assessment(a, b, goal, period):
    low, high = sorted((a, b))
    t = target(value=goal)
    assert RANK[assess(t, low, period, HORIZON).assessment] <= RANK[assess(t, high, period, HORIZON).assessment]


@hsettings(max_examples=300, deadline=None)
@given(a=VALUES, b=VALUES, goal=st.floats(0.0, 100.0), rise=st.floats(0.1, 50.0), period=PERIODS)
def test_lower_value_never_gives_a_worse_assessment_when_lower_is_better(a, b, goal, rise, period):
    low, high = sorted((a, b))
    t = target(value=goal, comparator="<=", direction="lower_better", measure="level", baseline=goal + rise)
    assert RANK[assess(t, high, period, HORIZON).assessment] <= RANK[assess(t, low, period, HORIZON).assessment]


@hsettings(max_examples=300, deadline=None)
@given(value=VALUES, goal=st.floats(-100, 100), comparator=st.sampled_from(["<=", "<", "=", "~", ">=", ">"]),
       higher=st.booleans())
def test_is_met_agrees_with_consolidation_attainment(value, goal, comparator, higher):
    if (comparator in (">=", ">") and not higher) or (comparator in ("<=", "<") and higher):
        higher = not higher
    t = target(value=goal, comparator=comparator, direction="higher_better" if higher else "lower_better",
               measure="level")
    assert is_met(t, value) == (attainment(t, value) == "met")
