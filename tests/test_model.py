"""The plan model and plan files: periods, validation with located messages, aliases, fingerprint,
and the `xltool plan show` command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import cli_output
from xltoolkit.cli import main
from xltoolkit.model import Comparator, Period, PeriodError, PeriodKind
from xltoolkit.plans import PlanFileError, fingerprint, load_plan, plan_from_data


def _error(path) -> PlanFileError:
    """Load a plan file that must fail; return the error (codes, places, parameters)."""
    with pytest.raises(PlanFileError) as info:
        load_plan(str(path))
    return info.value


def _only(error: PlanFileError):
    """The one located problem of a PLAN_INVALID error."""
    assert error.code == "PLAN_INVALID" and len(error.problems) == 1, error.problems
    return error.problems[0]


def _task(data, ci=0, ti=0):
    return data["chapters"][ci]["tasks"][ti]


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize("text, kind, index", [
    ("2022", PeriodKind.year, 0),
    ("2022H2", PeriodKind.half, 2),
    ("2022Q4", PeriodKind.quarter, 4),
    (" 2022q1 ", PeriodKind.quarter, 1),
])
def test_period_parse_accepts(text, kind, index):
    p = Period.parse(text)
    assert (p.year, p.kind, p.index) == (2022, kind, index)
    assert p.code == text.strip().upper()


def test_period_months():
    q4, h1, year = Period.parse("2022Q4"), Period.parse("2022H1"), Period.parse("2022")
    assert (q4.start_month, q4.end_month) == (10, 12)
    assert (h1.start_month, h1.end_month) == (1, 6)
    assert (year.start_month, year.end_month) == (1, 12)


@pytest.mark.parametrize("text", ["2022Q5", "2022Q0", "2022H3", "22Q1", "", "2022Q", "2022-Q4", "2022Q44", "Q4"])
def test_period_parse_rejects(text):
    with pytest.raises(PeriodError) as info:
        Period.parse(text)
    assert isinstance(info.value, ValueError)
    assert info.value.code == "PERIOD_INVALID" and info.value.params == {"text": text}


def test_plan_accepts_only_horizon_years_and_its_period_kinds(plan14, make_plan):
    assert plan14.accepts(Period.parse("2022Q4")) is None
    assert plan14.accepts(Period.parse("2021")) is None
    assert plan14.accepts(Period.parse("2025H2")) is None
    for outside in ("2020", "2026Q1", "2030"):
        reason = plan14.accepts(Period.parse(outside))
        assert reason.code == "PERIOD_OUTSIDE_HORIZON"
        assert reason.params == {"period": outside, "start": 2021, "end": 2025}
    yearly = plan_from_data(make_plan(period_kinds=["year"]))
    assert yearly.accepts(Period.parse("2023")) is None
    for text, kind in (("2023Q1", "quarter"), ("2023H1", "half")):
        reason = yearly.accepts(Period.parse(text))
        assert reason.code == "PERIOD_KIND_NOT_ACCEPTED"
        assert reason.params == {"period": text, "kind": kind, "accepted": ["year"]}


# --------------------------------------------------------------------------- validation


def test_base_test_plan_is_valid(make_plan, write_plan):
    plan = load_plan(str(write_plan(make_plan())))
    assert [u.name for u in plan.units] == ["区甲局", "区乙局", "区丙办"]
    assert [t.id for t in plan.tasks] == ["T1.1", "T1.2"]


@pytest.mark.parametrize("where, field, location", [
    ("task", "lead_units", "chapters.0.tasks.0.lead_units"),
    ("task", "responsible_units", "chapters.0.tasks.0.responsible_units"),
    ("indicator", "lead_units", "indicators.0.lead_units"),
])
def test_unknown_unit_is_located(make_plan, write_plan, where, field, location):
    data = make_plan()
    item = _task(data) if where == "task" else data["indicators"][0]
    item[field] = [*item[field], "区不存在局"]
    path = write_plan(data)
    problem = _only(_error(path))
    assert problem.path == str(path)
    assert problem.code == "UNIT_UNKNOWN" and problem.params == {"name": "区不存在局"}
    assert problem.where.startswith(location.replace(".0", "[0]"))
    assert problem.line_no  # found in the YAML


def test_duplicate_item_id_across_indicators_and_tasks(make_plan, write_plan):
    data = make_plan()
    data["indicators"][0]["id"] = "T1.2"
    path = write_plan(data)
    problem = _only(_error(path))
    assert problem.code == "ID_DUPLICATE" and problem.params["id"] == "T1.2"
    assert problem.where == "chapters[0].tasks[1].id"  # the second occurrence is reported …
    assert problem.params["first"] == "indicators[0].id"  # … with the first one


def test_duplicate_unit_id(make_plan, write_plan):
    data = make_plan()
    data["units"][2]["id"] = "ja"
    path = write_plan(data)
    problem = _only(_error(path))
    assert problem.code == "ID_DUPLICATE" and problem.where == "units[2].id" and problem.params["id"] == "ja"


def test_spelling_naming_two_units(make_plan, write_plan):
    data = make_plan()
    data["units"][1]["aliases"] = ["甲局"]  # already an alias of 区甲局
    path = write_plan(data)
    problem = _only(_error(path))
    assert problem.code == "UNIT_SPELLING_TWICE" and problem.where == "units[1]"
    assert problem.params == {"spelling": "甲局", "first": "units[0]", "first_name": "区甲局", "name": "区乙局"}


def test_two_units_with_the_same_name_are_rejected(make_plan, write_plan):
    data = make_plan()
    data["units"][2]["name"] = "区乙局"  # id 'bing', same name as unit 'yi'
    _task(data)["responsible_units"] = ["区乙局"]
    path = write_plan(data)
    problem = _only(_error(path))
    assert problem.code == "UNIT_SPELLING_TWICE" and problem.where == "units[2]"
    assert problem.params["spelling"] == "区乙局"


@pytest.mark.parametrize("mutate, location", [
    (lambda d: d["units"][0].update(name=""), "units.0.name"),
    (lambda d: d["units"][1].update(name="   "), "units.1.name"),
    (lambda d: _task(d).update(title=""), "chapters.0.tasks.0.title"),
    (lambda d: d["indicators"][0].update(name=""), "indicators.0.name"),
    (lambda d: d.update(title=""), "title"),
])
def test_empty_names_are_rejected(make_plan, write_plan, mutate, location):
    data = make_plan()
    mutate(data)
    path = write_plan(data)
    problem = _only(_error(path))
    assert problem.code == "TEXT_EMPTY"
    assert problem.where == location.replace(".0", "[0]").replace(".1", "[1]")


def test_unit_both_lead_and_responsible(make_plan, write_plan):
    data = make_plan()
    _task(data)["responsible_units"].append("甲局")  # alias of the lead 区甲局
    path = write_plan(data)
    problem = _only(_error(path))
    assert problem.code == "UNIT_LEAD_AND_RESPONSIBLE" and problem.params == {"units": ["区甲局"]}
    assert problem.where == "chapters[0].tasks[0].responsible_units"


@pytest.mark.parametrize("target, code", [
    ({"comparator": "qualitative", "direction": "qualitative", "value": 5}, "TARGET_QUALITATIVE_HAS_VALUE"),
    ({"comparator": "range", "value": [5, 3]}, "TARGET_RANGE_ORDER"),
    ({"comparator": "range", "value": [5, 5]}, "TARGET_RANGE_ORDER"),
    ({"comparator": ">=", "direction": "lower_better"}, "TARGET_DIRECTION_CONTRADICTS"),
    ({"comparator": ">", "direction": "lower_better"}, "TARGET_DIRECTION_CONTRADICTS"),
    ({"comparator": "<", "direction": "higher_better"}, "TARGET_DIRECTION_CONTRADICTS"),
    ({"comparator": "<=", "direction": "higher_better"}, "TARGET_DIRECTION_CONTRADICTS"),
    ({"comparator": "=", "value": None}, "TARGET_NEEDS_VALUE"),
    ({"comparator": "~", "value": None}, "TARGET_NEEDS_VALUE"),
    ({"comparator": ">=", "direction": "qualitative"}, "TARGET_NEEDS_DIRECTION"),
])
def test_target_coherence(make_plan, write_plan, target, code):
    data = make_plan()
    data["indicators"][0]["target"].update(target)
    path = write_plan(data)
    problem = _only(_error(path))
    assert problem.path == str(path) and problem.code == code
    assert problem.where.startswith("indicators[0].target.")
    # The same rule applies to task targets, located there.
    data = make_plan()
    _task(data)["targets"][0].update(target)
    problem = _only(_error(write_plan(data, "task-target.yaml")))
    assert problem.path.endswith("task-target.yaml") and problem.code == code
    assert problem.where.startswith("chapters[0].tasks[0].targets[0].")


def test_coherent_targets_are_accepted(make_plan):
    data = make_plan()
    data["indicators"][0]["target"].update(comparator="range", value=[3, 5])
    _task(data)["targets"][0].update(comparator="qualitative", direction="qualitative", value=None)
    plan = plan_from_data(data)
    assert plan.indicators[0].target.low == 3 and plan.indicators[0].target.high == 5
    assert plan.tasks[0].targets[0].comparator is Comparator.qualitative


def test_yaml_syntax_error_names_the_line(write_plan):
    lines = ["id: t", "title: T", "horizon: [2022, 2025]", "units:", "  - id: a", "   name: bad indent"]
    path = write_plan("\n".join(lines) + "\n", "broken.yaml")
    error = _error(path)
    assert error.code == "YAML_SYNTAX" and error.path == str(path) and error.line_no == len(lines)
    assert error.column and error.params["problem"]


def test_json_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "id": "t",\n  "title": \n}\n', encoding="utf-8")
    error = _error(path)
    assert error.code == "JSON_SYNTAX" and error.path == str(path) and error.line_no == 4


@pytest.mark.parametrize("content", ["- a\n- b\n", "", "just a string\n"])
def test_plan_file_must_be_a_mapping(write_plan, content):
    path = write_plan(content, "notamap.yaml")
    error = _error(path)
    assert error.path == str(path) and error.code == ("PLAN_EMPTY" if not content else "PLAN_NOT_MAPPING")


def test_missing_plan_file(tmp_path):
    path = tmp_path / "nope.yaml"
    error = _error(path)
    assert error.code == "PLAN_NOT_FOUND" and error.path == str(path)


def test_unknown_plan_name_lists_bundled_plans():
    error = _error("no-such-plan")
    assert error.code == "PLAN_BUNDLED_NOT_FOUND" and error.path == "no-such-plan"
    assert "wuchang-14fyp" in error.params["bundled"]


def test_json_plan_file_works(make_plan, write_plan):
    data = make_plan()
    yaml_plan = load_plan(str(write_plan(data, "p.yaml")))
    json_plan = load_plan(str(write_plan(data, "p.json")))
    assert json_plan.model_dump() == yaml_plan.model_dump()
    assert fingerprint(json_plan) == fingerprint(yaml_plan)


def test_extra_field_is_rejected_with_location(make_plan, write_plan):
    data = make_plan()
    _task(data)["owner"] = "x"
    path = write_plan(data)
    problem = _only(_error(path))
    assert problem.code == "FIELD_UNKNOWN" and problem.where == "chapters[0].tasks[0]"
    assert problem.params["field"] == "owner" and "lead_units" in problem.params["allowed"]


# --------------------------------------------------------------------------- normalization


def test_aliases_normalize_to_canonical_names(make_plan, write_plan):
    data = make_plan()
    _task(data, 0, 1)["lead_units"] = ["甲局"]
    _task(data, 0, 1)["responsible_units"] = ["区乙局"]
    data["indicators"][0]["responsible_units"] = ["区乙局", "区丙办", "区乙局"]  # a repeat
    plan = load_plan(str(write_plan(data)))
    t = plan.tasks[1]
    assert t.lead_units == ["区甲局"]
    assert t.role_of("区甲局") == "lead" and t.role_of("甲局") is None
    assert plan.indicators[0].responsible_units == ["区乙局", "区丙办"]
    assert [i.id for i in plan.items_for("区甲局")[1]] == ["T1.1", "T1.2"]


def test_bundled_plan_unit_lists_hold_canonical_names(plan14):
    names = {u.name for u in plan14.units}
    aliases = {a for u in plan14.units for a in u.aliases}
    assert aliases, "the default plan has aliases"
    for item in [*plan14.indicators, *plan14.tasks]:
        assert set(item.lead_units) | set(item.responsible_units) <= names
    # 区委组织部(人才科) is written in T1.2 but is an alias: the task names the department.
    t12 = next(t for t in plan14.tasks if t.id == "T1.2")
    assert "区委组织部" in t12.lead_units and "区委组织部(人才科)" not in t12.lead_units


# --------------------------------------------------------------------------- fingerprint


def test_fingerprint_is_stable_across_loads(plan14):
    again = load_plan("wuchang-14fyp")
    assert again is not plan14
    assert fingerprint(again) == fingerprint(plan14)
    assert len(fingerprint(plan14)) == 16


def test_fingerprint_follows_form_content_not_notes(make_plan):
    base = fingerprint(plan_from_data(make_plan()))

    changed_text = make_plan()
    _task(changed_text)["text"] += "补充一句。"
    assert fingerprint(plan_from_data(changed_text)) != base

    changed_assignment = make_plan()
    _task(changed_assignment, 0, 1)["responsible_units"] = ["区丙办"]
    assert fingerprint(plan_from_data(changed_assignment)) != base

    changed_target = make_plan()
    _task(changed_target)["targets"][0]["value"] = 11
    assert fingerprint(plan_from_data(changed_target)) != base

    annotated = make_plan(decisions=["another decision", "and one more"])
    _task(annotated)["notes"] = ["a note on the task"]
    annotated["indicators"][0]["notes"] = ["a note on the indicator"]
    assert fingerprint(plan_from_data(annotated)) == base

    # Naming a unit by alias is the same plan.
    by_alias = make_plan()
    _task(by_alias)["lead_units"] = ["甲局"]
    assert fingerprint(plan_from_data(by_alias)) == base


# --------------------------------------------------------------------------- plan show


@pytest.fixture(scope="module")
def shown_json():
    result = CliRunner().invoke(main, ["plan", "show", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_plan_show_json_shape(shown_json):
    data = shown_json
    assert list(data) == ["id", "title", "units", "indicators", "chapters"]
    assert data["id"] == "wuchang-14fyp"
    for u in data["units"]:
        assert set(u) == {"id", "name", "kind", "aliases"}
    allowed_comparators = {c.value for c in Comparator}
    targets = []
    for ind in data["indicators"]:
        assert set(ind) == {"id", "kind", "name", "target", "lead_units", "responsible_units"}
        assert ind["kind"] in {"binding", "expected"}
        targets.append(ind["target"])
    for ch in data["chapters"]:
        assert set(ch) == {"id", "title", "tasks"}
        for t in ch["tasks"]:
            assert set(t) == {"id", "title", "text", "lead_units", "responsible_units", "targets"}
            targets += t["targets"]
    assert targets
    for tg in targets:
        assert set(tg) == {"text", "value", "unit", "comparator", "direction", "deadline_year"}
        assert tg["comparator"] in allowed_comparators
        assert tg["direction"] in {"higher_better", "lower_better", "qualitative"}
        if tg["comparator"] == "range":
            assert isinstance(tg["value"], list) and len(tg["value"]) == 2
        elif tg["comparator"] == "qualitative":
            assert tg["value"] is None


def test_plan_show_json_counts_and_canonical_names(shown_json, plan14):
    data = shown_json
    assert len(data["indicators"]) == 17
    assert sum(len(c["tasks"]) for c in data["chapters"]) == 23
    assert len(data["units"]) == len(plan14.units)
    names = {u["name"] for u in data["units"]}
    assert len(names) == len(data["units"])
    items = [*data["indicators"], *(t for c in data["chapters"] for t in c["tasks"])]
    used = {n for item in items for n in item["lead_units"] + item["responsible_units"]}
    assert used and used <= names
    aliases = {a for u in data["units"] for a in u["aliases"]}
    assert not (used & (aliases - names))


def test_plan_show_human(labels):
    result = CliRunner().invoke(main, ["plan", "show"])
    assert result.exit_code == 0
    out = result.output
    assert "wuchang-14fyp" in out
    counts = cli_output.fields(out, labels, "cli.plan_counts")
    assert counts is not None, out
    assert (counts["indicators"], counts["tasks"]) == ("17", "23")
    assert labels["cli.plan_not_assigned"] not in out
    assert "Traceback" not in out


def test_plan_show_2022_says_no_units_assigned(labels):
    result = CliRunner().invoke(main, ["plan", "show", "wuchang-2022"])
    assert result.exit_code == 0
    assert labels["cli.plan_not_assigned"] in result.output
    assert cli_output.fields(result.output, labels, "cli.plan_counts")["tasks"] == "21"
    assert labels.fmt("cli.plan_unassigned", indicators=7, tasks=21) in result.output


def test_plan_show_broken_file_exits_2(make_plan, write_plan):
    data = make_plan()
    _task(data)["lead_units"] = ["区不存在局"]
    path = write_plan(data, "bad-plan.yaml")
    result = CliRunner().invoke(main, ["plan", "show", str(path)])
    assert result.exit_code == 2
    assert "bad-plan.yaml" in result.output and "区不存在局" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_plan_show_missing_file_exits_2():
    result = CliRunner().invoke(main, ["plan", "show", "missing-plan.yaml"])
    assert result.exit_code == 2
    assert "missing-plan.yaml" in result.output and "Traceback" not in result.output


def test_unit_ids_differing_only_in_case_are_rejected(make_plan):
    """Spreadsheet lookups (COUNTIFS in 汇总) ignore case, so ids must be unique ignoring case."""
    data = make_plan()
    data["units"][1]["id"] = data["units"][0]["id"].upper()
    with pytest.raises(PlanFileError) as info:
        plan_from_data(data, "p.yaml")
    problem = _only(info.value)
    assert problem.code == "ID_DUPLICATE" and problem.where == "units[1].id"
