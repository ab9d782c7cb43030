"""briefing.changes: every kind of change since the previous period, and what is not a change;
briefing.unit_ranking: the 通报 order. Pure functions on a Consolidation of the small test plan."""

from __future__ import annotations

import dataclasses

import pytest

from xltoolkit.briefing import changes
from xltoolkit.consolidation import Submission, consolidate
from xltoolkit.model import Period
from xltoolkit.problems import Problem

PERIOD = Period.parse("2022Q4")


def _previous(results=None, submissions=None, codes=None) -> dict:
    return {"period": "2022Q3", "results": results or {}, "submissions": submissions or {},
            "problem_codes": codes or {}}


def _with_task(c, task_id: str, status):
    return dataclasses.replace(c, tasks=[dataclasses.replace(t, status=status) if t.task.id == task_id else t
                                         for t in c.tasks])


@pytest.mark.parametrize("before, now, expected", [
    ("on_track", "lagging", "newly_lagging"),
    ("not_started", "lagging", "newly_lagging"),
    ("lagging", "done", "newly_done"),
    ("on_track", "done", "newly_done"),
    ("on_track", "not_started", "regressed"),
    ("done", "on_track", "regressed"),
    ("not_started", "on_track", None),  # progress is not a change to report
    ("lagging", "on_track", None),
    ("lagging", "lagging", None),
    (None, "lagging", None),  # nothing to compare with
    ("on_track", None, None),  # not reported now: the submissions say so
])
def test_task_changes(tiny_plan, before, now, expected):
    c = _with_task(consolidate(tiny_plan, PERIOD, []), "T1.1", now)
    found = changes(c, _previous({("task", "T1.1"): {"status": before}}))
    assert [(k, item, b, a) for k, item, _, b, a in found] == ([(expected, "T1.1", before, now)] if expected else [])


@pytest.mark.parametrize("before, now, worse", [
    ("on_track", "behind", True),
    ("achieved", "overdue", True),
    ("ahead", "on_track", True),
    ("behind", "on_track", False),
    ("behind", "behind", False),
    ("not_due", "behind", False),  # not judged before: no comparison
    ("on_track", "conflict", False),
])
def test_assessment_changes(tiny_plan, before, now, worse):
    c = consolidate(tiny_plan, PERIOD, [])
    c = dataclasses.replace(c, indicators=[dataclasses.replace(i, assessment=now) for i in c.indicators])
    found = changes(c, _previous({("indicator", "E01"): {"assessment": before}}))
    assert found == ([("worse", "E01", "地区生产总值增长", before, now)] if worse else [])


@pytest.mark.parametrize("before, now, stopped", [
    ("ok", "missing", True), ("problems", "rejected", True), ("ok", "empty", True), ("ok", "duplicate", True),
    ("missing", "missing", False), ("rejected", "missing", False), ("ok", "problems", False), (None, "missing", False),
])
def test_units_that_stopped_reporting(tiny_plan, before, now, stopped):
    c = consolidate(tiny_plan, PERIOD, [])
    c = dataclasses.replace(c, submissions=[Submission(s.unit, now if s.unit.name == "区甲局" else "missing")
                                            for s in c.submissions])
    found = changes(c, _previous(submissions={"区甲局": before} if before else {}))
    assert found == ([("stopped", "区甲局", "区甲局", before, now)] if stopped else [])


def test_recurring_problems_are_the_codes_of_both_periods(tiny_plan):
    c = consolidate(tiny_plan, PERIOD, [])
    c = dataclasses.replace(c, problems=[Problem("VALUE_WORK_EMPTY", "a.xlsx", unit="区乙局"),
                                         Problem("VALUE_PROGRESS_NOT_NUMBER", "a.xlsx", unit="区乙局"),
                                         Problem("VALUE_WORK_EMPTY", "b.xlsx", unit="区甲局")])
    found = changes(c, _previous(codes={"区乙局": {"VALUE_WORK_EMPTY", "VALUE_PROGRESS_RANGE"}, "区丙办": {"VALUE_STATUS_EMPTY"}}))
    assert found == [("recurring", "区乙局", "区乙局", "VALUE_WORK_EMPTY", "VALUE_WORK_EMPTY")]


def test_changes_mutate_nothing(tiny_plan):
    c = _with_task(consolidate(tiny_plan, PERIOD, []), "T1.1", "lagging")
    previous = _previous({("task", "T1.1"): {"status": "on_track"}}, {"区甲局": "ok"}, {"区甲局": {"VALUE_STATUS_EMPTY"}})
    before_c, before_p = repr(c), repr(previous)
    changes(c, previous)
    assert repr(c) == before_c and repr(previous) == before_p
