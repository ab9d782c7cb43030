"""Consolidation rules on hand-made reports (pure logic, no files)."""

from __future__ import annotations

import pytest

from xltoolkit.consolidation import APPROX_TOLERANCE, attainment, consolidate
from xltoolkit.model import Period, Target
from xltoolkit.plans import plan_from_data
from xltoolkit.validation import IndicatorReport, ReturnResult, TaskReport

PERIOD = Period.parse("2022Q4")

PLAN = plan_from_data({
    "id": "t", "title": "测试", "horizon": [2021, 2025],
    "units": [{"id": u, "name": n, "kind": "department"} for u, n in
              [("a", "甲局"), ("b", "乙局"), ("c", "丙局"), ("d", "丁局")]],
    "indicators": [
        {"id": "E01", "kind": "expected", "name": "增长", "lead_units": ["甲局"], "responsible_units": ["乙局"],
         "target": {"text": "7%左右", "value": 7, "unit": "%", "comparator": "~", "direction": "higher_better"}},
        {"id": "E02", "kind": "expected", "name": "比率", "responsible_units": ["乙局", "丙局"],
         "target": {"text": "大于10%", "value": 10, "unit": "%", "comparator": ">", "direction": "higher_better"}},
        {"id": "E03", "kind": "expected", "name": "同步", "responsible_units": ["丁局"],
         "target": {"text": "保持同步", "comparator": "qualitative", "direction": "qualitative"}},
    ],
    "chapters": [{"id": "C1", "title": "一章", "tasks": [
        {"id": "T1.1", "title": "甲", "text": "甲。", "lead_units": ["甲局", "乙局"], "responsible_units": ["丙局"]},
        {"id": "T1.2", "title": "乙", "text": "乙。", "responsible_units": ["丙局", "丁局"]},
    ]}],
})


def t(value, comparator, direction="higher_better"):
    return Target(text="x", value=value, unit="%", comparator=comparator, direction=direction)


@pytest.mark.parametrize("target,actual,expected", [
    (t(6, ">="), 6, "met"), (t(6, ">="), 5.99, "not_met"),
    (t(6, ">"), 6, "not_met"), (t(6, ">"), 6.01, "met"),
    (t(6, "<=", "lower_better"), 6, "met"), (t(6, "<=", "lower_better"), 6.1, "not_met"),
    (t(6, "<", "lower_better"), 6, "not_met"), (t(6, "<", "lower_better"), 5.9, "met"),
    (t(12.5, "="), 12.6, "met"), (t(12.5, "="), 12.4, "not_met"),
    (t(2.5, "=", "lower_better"), 2.4, "met"), (t(2.5, "=", "lower_better"), 2.6, "not_met"),
    (t(7, "~"), 7 * (1 - APPROX_TOLERANCE), "met"), (t(7, "~"), 6.6, "not_met"), (t(7, "~"), 9, "met"),
    (t(7, "~", "lower_better"), 7.35, "met"), (t(7, "~", "lower_better"), 7.4, "not_met"),
    (t((3, 5), "range"), 3, "met"), (t((3, 5), "range"), 2, "not_met"), (t((3, 5), "range"), 6, "met"),
    (t((3, 5), "range", "lower_better"), 5, "met"), (t((3, 5), "range", "lower_better"), 5.5, "not_met"),
    (t(6, ">="), None, "no_data"),
    (Target(text="完成市下达目标", comparator="qualitative", direction="qualitative"), 3, "qualitative"),
])
def test_attainment(target, actual, expected):
    assert attainment(target, actual) == expected


def result(unit, tasks=(), indicators=(), status="ok"):
    u = PLAN.unit(unit)
    return ReturnResult(file=f"{unit}.xlsx", path=f"/x/{unit}.xlsx", status=status, unit=u, sheet=unit,
                        tasks=[TaskReport(task_id=i, unit=unit, role=PLAN.tasks[0].role_of(unit) or "", status=s,
                                          progress=p) for i, s, p in tasks],
                        indicators=[IndicatorReport(indicator_id=i, unit=unit, role="", actual=v)
                                    for i, v in indicators])


def test_task_status_from_leads_least_advanced_and_disagreement_flagged():
    c = consolidate(PLAN, PERIOD, [
        result("甲局", tasks=[("T1.1", "on_track", 60)]),
        result("乙局", tasks=[("T1.1", "lagging", 40)]),
        result("丙局", tasks=[("T1.1", "done", 100), ("T1.2", "on_track", 50)]),
        result("丁局", tasks=[("T1.2", "on_track", 70)]),
    ])
    t11, t12 = c.tasks
    assert (t11.status, t11.progress, t11.disagreement) == ("lagging", 40, True)
    assert [r.unit for r in t11.reports] == ["甲局", "乙局", "丙局"]
    # No lead unit: the responsible units decide; they agree, lowest progress.
    assert (t12.status, t12.progress, t12.disagreement) == ("on_track", 50, False)


def test_task_without_deciding_reports_has_no_status_and_lists_missing_units():
    c = consolidate(PLAN, PERIOD, [result("丙局", tasks=[("T1.1", "on_track", 50)])])
    t11 = c.tasks[0]
    assert t11.status is None and t11.missing_units == ["甲局", "乙局"]


def test_indicator_lead_value_wins_and_responsible_conflict_is_flagged():
    c = consolidate(PLAN, PERIOD, [
        result("甲局", indicators=[("E01", 6.8)]),
        result("乙局", indicators=[("E01", 5.0), ("E02", 11.0)]),
        result("丙局", indicators=[("E02", 12.0)]),
        result("丁局", indicators=[("E03", 1.0)]),
    ])
    e01, e02, e03 = c.indicators
    # E01 年均7%左右 is a rate: met (within 5 %) before the deadline year is on pace.
    assert (e01.actual, e01.source, e01.assessment) == (6.8, "甲局", "on_track")
    assert (e02.actual, e02.assessment) == (None, "conflict")  # differing values are not averaged
    assert e03.assessment == "qualitative"


def test_responsible_units_that_agree_give_the_value():
    c = consolidate(PLAN, PERIOD, [result("乙局", indicators=[("E02", 11.0)]),
                                   result("丙局", indicators=[("E02", 11.0)])])
    assert (c.indicators[1].actual, c.indicators[1].assessment) == (11.0, "achieved")


def test_submissions_missing_rejected_and_ok():
    rejected = result("乙局", status="rejected")
    c = consolidate(PLAN, PERIOD, [result("甲局", tasks=[("T1.1", "on_track", 60)]), rejected])
    statuses = {s.unit.name: s.status for s in c.submissions}
    assert statuses == {"甲局": "ok", "乙局": "rejected", "丙局": "missing", "丁局": "missing"}
    counts = c.submission_counts()
    assert {k: v for k, v in counts.items() if v} == {"ok": 1, "rejected": 1, "missing": 2, "submitted": 2,
                                                      "accepted": 1}


def test_consolidate_is_pure_and_repeatable():
    """Duplicates add problems to the consolidation, never to the results it was given."""
    first = result("甲局", tasks=[("T1.1", "on_track", 60)])
    second = result("甲局", tasks=[("T1.1", "lagging", 40)])
    second.file = "甲局-副本.xlsx"
    before = (list(first.problems), list(second.problems))
    counts = [len(consolidate(PLAN, PERIOD, [first, second]).problems) for _ in range(3)]
    assert counts == [2, 2, 2]
    assert (first.problems, second.problems) == before
    c = consolidate(PLAN, PERIOD, [first, second], on_duplicate="newest")
    assert [p.code for p in c.problems] == ["META_DUPLICATE_SUPERSEDED"]
