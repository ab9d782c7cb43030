"""Plan-file errors are data: a code, the file, the place (path in the data, line) and parameters,
rendered from the label file. Every template is rendered with the parameters the code passes."""

from __future__ import annotations

import json
import string

import pytest
from click.testing import CliRunner

from xltoolkit import planerrors, plans
from xltoolkit.cli import main
from xltoolkit.labels import LocaleError, get_labels, set_locale
from xltoolkit.model import Period, PeriodError
from xltoolkit.planerrors import LabelledError
from xltoolkit.plans import PlanFileError, load_plan, plan_from_data


def _task(data, ci=0, ti=0):
    return data["chapters"][ci]["tasks"][ti]


def _fails(path) -> PlanFileError:
    with pytest.raises(PlanFileError) as info:
        load_plan(str(path))
    return info.value


# Mutations of the small test plan -> (problem code, where). One per kind of error a plan file can hit.
CASES = [
    ("extra_suggest", lambda d: d["indicators"][0].update(lead_unit=["区甲局"]), "FIELD_UNKNOWN_SUGGEST", "indicators[0]"),
    ("extra", lambda d: _task(d).update(owner="x"), "FIELD_UNKNOWN", "chapters[0].tasks[0]"),
    ("extra_top", lambda d: d.update(colour="red"), "FIELD_UNKNOWN", ""),
    ("missing", lambda d: d["units"][0].pop("kind"), "FIELD_MISSING", "units[0]"),
    ("missing_top", lambda d: d.pop("title"), "FIELD_MISSING", ""),
    ("tuple_item_missing", lambda d: d.update(horizon=[2022]), "ITEM_MISSING", "horizon"),
    ("tuple_too_long", lambda d: d.update(horizon=[2022, 2023, 2024]), "TOO_MANY_ITEMS", "horizon"),
    ("string_type", lambda d: d.update(title=5), "NOT_TEXT", "title"),
    ("empty", lambda d: d["units"][1].update(name="  "), "TEXT_EMPTY", "units[1].name"),
    ("too_long", lambda d: d["units"][1].update(name="区" * 101), "TEXT_TOO_LONG", "units[1].name"),
    ("invisible", lambda d: d["units"][1].update(name="区\u200b乙局"), "TEXT_INVISIBLE_CHAR", "units[1].name"),
    ("pattern", lambda d: d["units"][0].update(id="1x"), "ID_INVALID", "units[0].id"),
    ("enum", lambda d: d["units"][0].update(kind="dept"), "NOT_ONE_OF", "units[0].kind"),
    ("int_parsing", lambda d: d.update(horizon=[2022, "x"]), "NOT_INTEGER", "horizon[1]"),
    ("int_from_float", lambda d: d["indicators"][0]["target"].update(deadline_year=2025.5), "NOT_INTEGER",
     "indicators[0].target.deadline_year"),
    ("float_parsing", lambda d: d["indicators"][0]["target"].update(baseline="abc"), "NOT_NUMBER",
     "indicators[0].target.baseline"),
    ("union", lambda d: d["indicators"][0]["target"].update(value="abc"), "VALUE_NOT_NUMBER_OR_RANGE",
     "indicators[0].target.value"),
    ("ge", lambda d: d["indicators"][0]["target"].update(deadline_year=1999), "NUMBER_TOO_SMALL",
     "indicators[0].target.deadline_year"),
    ("le", lambda d: d["indicators"][0]["target"].update(deadline_year=2101), "NUMBER_TOO_LARGE",
     "indicators[0].target.deadline_year"),
    ("tuple_type", lambda d: d.update(horizon="2022-2025"), "NOT_LIST", "horizon"),
    ("list_type", lambda d: d["units"][0].update(aliases="甲"), "NOT_LIST", "units[0].aliases"),
    ("dict_type", lambda d: d["indicators"][0].update(target=7), "NOT_MAPPING", "indicators[0].target"),
    ("bool", lambda d: d.update(units_assigned="maybe"), "NOT_BOOLEAN", "units_assigned"),
    ("nan", lambda d: d["indicators"][0]["target"].update(value=float("nan")), "NUMBER_NOT_FINITE",
     "indicators[0].target.value"),
    ("inf", lambda d: _task(d)["targets"][0].update(baseline=float("inf"), measure="level"), "NUMBER_NOT_FINITE",
     "chapters[0].tasks[0].targets[0].baseline"),
    # The model's own rules (model.PlanError through pydantic's ctx["error"]).
    ("unknown_unit", lambda d: _task(d)["lead_units"].append("区不存在局"), "UNIT_UNKNOWN",
     "chapters[0].tasks[0].lead_units[1]"),
    ("spelling", lambda d: d["units"][1].update(aliases=["甲局"]), "UNIT_SPELLING_TWICE", "units[1]"),
    ("dup_id", lambda d: d["indicators"][0].update(id="T1.2"), "ID_DUPLICATE", "chapters[0].tasks[1].id"),
    ("both", lambda d: _task(d)["responsible_units"].append("甲局"), "UNIT_LEAD_AND_RESPONSIBLE",
     "chapters[0].tasks[0].responsible_units"),
    ("measure", lambda d: d["indicators"][0]["target"].update(measure="qualitative"), "TARGET_MEASURE_COMPARATOR",
     "indicators[0].target.measure"),
    ("baseline", lambda d: d["indicators"][0]["target"].update(measure="rate", baseline=3), "TARGET_BASELINE_NOT_LEVEL",
     "indicators[0].target.baseline"),
    ("qual_value", lambda d: d["indicators"][0]["target"].update(comparator="qualitative", direction="qualitative"),
     "TARGET_QUALITATIVE_HAS_VALUE", "indicators[0].target.value"),
    ("qual_direction", lambda d: d["indicators"][0]["target"].update(comparator="qualitative", value=None),
     "TARGET_QUALITATIVE_DIRECTION", "indicators[0].target.direction"),
    ("needs_direction", lambda d: d["indicators"][0]["target"].update(direction="qualitative"),
     "TARGET_NEEDS_DIRECTION", "indicators[0].target.direction"),
    ("needs_value", lambda d: d["indicators"][0]["target"].update(value=None), "TARGET_NEEDS_VALUE",
     "indicators[0].target.value"),
    ("range", lambda d: d["indicators"][0]["target"].update(comparator="range", value=[5, 3]), "TARGET_RANGE_ORDER",
     "indicators[0].target.value"),
    ("single", lambda d: d["indicators"][0]["target"].update(value=[3, 5]), "TARGET_SINGLE_VALUE",
     "indicators[0].target.value"),
    ("contradicts", lambda d: d["indicators"][0]["target"].update(direction="lower_better"),
     "TARGET_DIRECTION_CONTRADICTS", "indicators[0].target.direction"),
    ("horizon", lambda d: d.update(horizon=[2025, 2022]), "HORIZON_ORDER", "horizon"),
]


@pytest.mark.parametrize("name, mutate, code, where", CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_plan_error_is_coded_and_located(make_plan, write_plan, name, mutate, code, where):
    data = make_plan()
    mutate(data)
    path = write_plan(data, f"{name}.yaml")
    error = _fails(path)
    assert error.code == "PLAN_INVALID" and error.path == str(path)
    assert [(p.code, p.where) for p in error.problems] == [(code, where)]
    problem = error.problems[0]
    assert problem.path == str(path)
    assert isinstance(problem.line_no, int) and problem.line_no >= 1
    _check_template(problem)
    text = error.render(get_labels())
    assert "Error" not in text and "Input should" not in text and "Value error" not in text


def test_unknown_field_message_reads_as_in_the_issue(write_plan):
    """Wording: file, line of the field, place, the field and the closest allowed name."""
    path = write_plan("id: t\ntitle: T\nhorizon: [2022, 2025]\nunits: []\nindicators:\n  - id: E1\n"
                      "    kind: expected\n    name: n\n    lead_unit: []\n"
                      "    target: {text: t, comparator: qualitative, direction: qualitative}\n", "wuchang.yaml")
    error = _fails(path)
    assert error.problems[0].line(get_labels()) == f"{path}：第 9 行 indicators[0]：未知字段“lead_unit”，是否想写“lead_units”？"
    assert error.render(get_labels()).splitlines()[0] == get_labels().fmt("errors.PLAN_INVALID", path=path, count=1)


def test_lines_follow_the_yaml_file(write_plan, make_plan):
    import yaml

    data = make_plan()
    data["units"][0]["kind"] = "dept"
    _task(data)["lead_units"] = ["区不存在局"]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path = write_plan(text, "lines.yaml")
    lines = text.splitlines()
    error = _fails(path)
    kinds = {p.code: p for p in error.problems}
    # pydantic stops at the field error; the model rules run only on a well-typed plan.
    assert set(kinds) == {"NOT_ONE_OF"}
    assert "kind: dept" in lines[kinds["NOT_ONE_OF"].line_no - 1]
    data["units"][0]["kind"] = "department"
    path = write_plan(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "lines2.yaml")
    problem = _fails(path).problems[0]
    assert problem.code == "UNIT_UNKNOWN"
    assert "区不存在局" in path.read_text(encoding="utf-8").splitlines()[problem.line_no - 1]


def test_several_problems_are_all_reported_in_file_order(write_plan, make_plan):
    data = make_plan()
    data["units"][2]["kind"] = "x"
    data["title"] = ""
    error = _fails(write_plan(data, "two.yaml"))
    assert [p.code for p in error.problems] == ["TEXT_EMPTY", "NOT_ONE_OF"]
    assert error.problems[0].line_no < error.problems[1].line_no


def test_json_plan_errors_are_coded_without_lines(tmp_path, make_plan):
    data = make_plan()
    data["indicators"][0]["target"]["value"] = float("nan")
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")  # writes NaN
    error = _fails(path)
    assert [(p.code, p.where, p.line_no) for p in error.problems] == [
        ("NUMBER_NOT_FINITE", "indicators[0].target.value", None)]


# --------------------------------------------------------------------------- file-level failures


def _file_failures(tmp_path, monkeypatch) -> list[PlanFileError]:
    out = []

    def fails(ref):
        with pytest.raises(PlanFileError) as info:
            load_plan(str(ref))
        out.append(info.value)
        return info.value

    assert fails(tmp_path / "nope.yaml").code == "PLAN_NOT_FOUND"
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    assert fails(folder).code == "PLAN_IS_FOLDER"
    (tmp_path / "latin1.yaml").write_bytes("id: t\ntitle: caf\xe9\n".encode("latin-1"))
    error = fails(tmp_path / "latin1.yaml")
    assert error.code == "PLAN_NOT_UTF8" and error.params == {"byte": 16}
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    assert fails(tmp_path / "empty.yaml").code == "PLAN_EMPTY"
    (tmp_path / "list.yaml").write_text("- a\n", encoding="utf-8")
    assert fails(tmp_path / "list.yaml").code == "PLAN_NOT_MAPPING"
    (tmp_path / "tab.yaml").write_text("id: t\ntitle:\n\t- x\n", encoding="utf-8")
    error = fails(tmp_path / "tab.yaml")
    assert error.code == "YAML_SYNTAX" and error.params["hint"] == "tab" and error.line_no == 3
    (tmp_path / "indent.yaml").write_text("id: t\nunits:\n  - id: a\n   name: b\n", encoding="utf-8")
    error = fails(tmp_path / "indent.yaml")
    assert error.code == "YAML_SYNTAX" and error.params["hint"] == "indent" and error.line_no == 4
    (tmp_path / "bad.json").write_text('{\n  "id": "t",\n  "title": \n}\n', encoding="utf-8")
    error = fails(tmp_path / "bad.json")
    assert error.code == "JSON_SYNTAX" and (error.line_no, error.column) == (4, 1)
    error = fails("no-such-plan")
    assert error.code == "PLAN_BUNDLED_NOT_FOUND" and error.params["bundled"] == plans.bundled_plan_names()
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(  # billion laughs: 10^9 nodes in 300 bytes
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    (tmp_path / "laughs.yaml").write_text(laughs, encoding="utf-8")
    assert fails(tmp_path / "laughs.yaml").code == "PLAN_TOO_MANY_NODES"
    (tmp_path / "deep.json").write_text("[" * 100 + "]" * 100, encoding="utf-8")
    assert fails(tmp_path / "deep.json").code == "PLAN_TOO_DEEP"
    small = tmp_path / "small.yaml"
    small.write_text("id: t\n", encoding="utf-8")
    monkeypatch.setattr(plans, "MAX_PLAN_BYTES", 3)
    error = fails(small)
    assert error.code == "PLAN_TOO_LARGE" and error.params == {"size": 6, "limit": 3}
    monkeypatch.setattr(plans, "MAX_PLAN_BYTES", 1000)

    def refuse(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(small), "read_bytes", refuse)
    error = fails(small)
    assert error.code == "PLAN_UNREADABLE" and error.params == {"reason": "Permission denied"}
    return out


def test_file_level_failures_are_coded(tmp_path, monkeypatch):
    for error in _file_failures(tmp_path, monkeypatch):
        assert not error.problems
        _check_template(error)
        assert error.render(get_labels()).strip()


# --------------------------------------------------------------------------- every template, by the code paths


def _placeholders(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


SEEN: dict[str, set[str]] = {}


def _check_template(error) -> None:
    """The template of `error` uses exactly the parameters the code passed (besides the file path)."""
    labels = get_labels()
    template = labels[f"{error.group}.{error.code}"]
    used = _placeholders(template) - {"path"}
    assert used == set(error.params), (error.code, used, set(error.params))
    SEEN.setdefault(error.group, set()).add(error.code)
    line = error.render(labels) if hasattr(error, "render") else error.line(labels)
    assert "{" not in line.replace("{…}", "")


def _synthetic(kind, **ctx):
    """Pydantic error types the plan model cannot produce today (no such constraint), through the same code."""
    err = {"type": kind, "loc": ("title",), "input": "x", "msg": "some pydantic text", "ctx": ctx}
    return planerrors._problem(err, {"title": "x"}, "p.yaml")


def test_every_template_is_rendered_by_the_code_that_uses_it(tmp_path, monkeypatch, make_plan, write_plan):
    for name, mutate, _code, _where in CASES:
        data = make_plan()
        mutate(data)
        for problem in _fails(write_plan(data, f"{name}.yaml")).problems:
            _check_template(problem)
    for error in _file_failures(tmp_path, monkeypatch):
        _check_template(error)
    for problem in (_synthetic("string_pattern_mismatch", pattern="^a$"), _synthetic("too_short", min_length=2,
                    actual_length=1), _synthetic("greater_than", gt=0), _synthetic("less_than", lt=9),
                    _synthetic("a_new_pydantic_type")):
        _check_template(problem)
    plan = plan_from_data(make_plan(period_kinds=["year"]))
    with pytest.raises(PeriodError) as info:
        Period.parse("2022Q5")
    for reason in (info.value, plan.accepts(Period.parse("2030")), plan.accepts(Period.parse("2023Q1"))):
        _check_template(LabelledError(reason.code, **reason.params))
    with pytest.raises(LocaleError) as info:
        set_locale("fr")
    _check_template(LabelledError(info.value.code, locale=info.value.locale, available=info.value.available))
    PlanFileError("PLAN_INVALID", path="p.yaml", problems=[_synthetic("missing")]).render(get_labels())
    # merge.find_plan: the parameters it passes (its behaviour: tests/test_planbook.py)
    _check_template(LabelledError("PLAN_OF_RETURNS_NOT_FOUND", plan="p", fingerprint="f"))
    _check_template(LabelledError("PLAN_VERSION_MISMATCH", plan="p", fingerprint="f", found="a（g）", suggestion="a"))

    labels = get_labels()
    plan_codes = {k for k in labels["plan_errors"] if not k.startswith("_")}
    assert SEEN["plan_errors"] == plan_codes
    new_error_codes = {k for k in labels["errors"]
                       if k.split("_")[0] in ("PLAN", "YAML", "JSON", "PERIOD", "LOCALE")} - {"PLAN_INVALID"}
    assert SEEN["errors"] == new_error_codes
    assert _placeholders(labels["errors.PLAN_INVALID"]) == {"path", "count"}


# --------------------------------------------------------------------------- the command line


def test_cli_shows_plan_errors_in_chinese_with_exit_2(make_plan, write_plan):
    data = make_plan()
    data["indicators"][0]["lead_unit"] = ["区甲局"]
    path = write_plan(data, "typo.yaml")
    result = CliRunner().invoke(main, ["plan", "show", str(path)])
    assert result.exit_code == 2
    assert "lead_units" in result.output and "第 " in result.output
    assert "Extra inputs" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("period, code", [("2030", "PERIOD_OUTSIDE_HORIZON"), ("2020Q1", "PERIOD_OUTSIDE_HORIZON")])
def test_cli_period_not_accepted_is_coded(period, code, tmp_path):
    result = CliRunner().invoke(main, ["generate", "--period", period, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    labels = get_labels()
    expected = labels.fmt(f"errors.{code}", period=period, start=2021, end=2025)
    assert labels.fmt("cli.error_coded", code=code, message=expected) in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("text", ["2022Q5", "2022H3", "abc"])
def test_cli_bad_period_text_is_a_usage_error_in_chinese(text):
    result = CliRunner().invoke(main, ["generate", "--period", text])
    assert result.exit_code == 2
    assert get_labels().fmt("errors.PERIOD_INVALID", text=text) in result.output
    assert "Invalid value" not in result.output
