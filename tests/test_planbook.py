"""The plan workbook (xltool plan export / plan import): round trips, coded problems by cell, the 2022
annual plan taken from the document to a consolidated summary without writing YAML, collectives
member by member, plan identity by id and fingerprint, duplicates by the workbook's saved time."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cli_output import codes
from filler import answers, fill_openpyxl
from planbook_filler import WUCHANG_STREETS, example_assignment_2022, fill_planbook
from xltoolkit.cli import main
from xltoolkit.consolidation import consolidate
from xltoolkit.model import Period
from xltoolkit.plans import fingerprint, load_plan, plan_from_data
from xltoolkit.reading import read_return
from xltoolkit.suggest import suggest
from xltoolkit.validation import ReturnResult, TargetReport, TaskReport


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def lineage_free(plan) -> str:
    return fingerprint(plan.model_copy(update={"id": "x", "derived_from": None}))


@pytest.mark.parametrize("name", ["wuchang-14fyp", "wuchang-2022"])
def test_export_then_import_without_edits_gives_the_same_plan(tmp_path, name):
    book, out = tmp_path / "分工.xlsx", tmp_path / "plan.yaml"
    assert run("plan", "export", name, "-o", book).exit_code == 0
    result = run("plan", "import", book, "-o", out)
    assert result.exit_code == 0, result.output
    source, again = load_plan(name), load_plan(str(out))
    assert lineage_free(again) == lineage_free(source)
    assert again.id == f"{name}-fengong" and again.derived_from.id == name
    assert again.derived_from.fingerprint == fingerprint(source)
    assert again.decisions[:-1] == source.decisions and "分工.xlsx" in again.decisions[-1]
    assert [(u.id, u.name) for u in again.units] == [(u.id, u.name) for u in source.units]


def test_import_problems_are_coded_by_cell_and_nothing_is_written(tmp_path, labels):
    book, bad, out = tmp_path / "f.xlsx", tmp_path / "bad.xlsx", tmp_path / "p.yaml"
    run("plan", "export", "wuchang-14fyp", "-o", book)
    fill_planbook(book, bad, labels,
                  units=[{"name": "新集合", "kind": "collective", "members": ["不存在的局"]},
                         {"name": "环甲", "kind": "collective", "members": ["环乙"]},
                         {"name": "环乙", "kind": "collective", "members": ["环甲"]}],
                  assign={"T1.1": {"lead_units": ["区科技局"]},
                          "T1.2": {"lead_units": ["区发改局"], "responsible_units": ["区发改局"]},
                          "B06": {"baseline": "约四成"}})
    result = run("plan", "import", bad, "-o", out)
    assert result.exit_code == 2, result.output
    found = set(codes(result.output, labels))
    assert {"PLANBOOK_UNIT_UNKNOWN", "PLANBOOK_MEMBER_UNKNOWN", "PLANBOOK_MEMBER_LOOP", "PLANBOOK_UNIT_BOTH_ROLES",
            "PLANBOOK_BASELINE_NOT_NUMBER"} <= found, result.output
    assert "任务分工!F" in result.output and "区科经局" in result.output  # the cell, and the closest name
    assert not out.exists()


def test_baselines_and_contacts_come_back(tmp_path, labels):
    book, filled, out = tmp_path / "f.xlsx", tmp_path / "g.xlsx", tmp_path / "p.yaml"
    run("plan", "export", "wuchang-14fyp", "-o", book)
    fill_planbook(book, filled, labels, edit_units={"区发改局": {"contact": "王五", "phone": "027-88881234"}},
                  assign={"B06": {"baseline": 40.5, "baseline_year": 2020}})
    assert run("plan", "import", filled, "-o", out).exit_code == 0
    plan = load_plan(str(out))
    b06 = next(i for i in plan.indicators if i.id == "B06")
    assert (b06.target.baseline, b06.target.baseline_year) == (40.5, 2020)
    u = plan.unit("区发改局")
    assert (u.contact, u.phone) == ("王五", "027-88881234")
    assert fingerprint(plan.model_copy(update={"id": "wuchang-14fyp", "derived_from": None})) != fingerprint(
        load_plan("wuchang-14fyp"))  # a baseline changes how targets are judged: a new version


def test_the_2022_annual_plan_end_to_end(tmp_path, labels):
    """Export with suggestions, assign in the workbook, import, show, generate, fill, merge, assess."""
    plan22, plan14 = load_plan("wuchang-2022"), load_plan("wuchang-14fyp")
    book, filled, plan_file = tmp_path / "分工.xlsx", tmp_path / "分工_已填.xlsx", tmp_path / "wuchang-2022-fg.yaml"
    assert run("plan", "export", "wuchang-2022", "-o", book, "--suggest-from", "wuchang-14fyp").exit_code == 0
    units, edit_units, assign = example_assignment_2022(plan22, suggest(plan22, plan14))
    fill_planbook(book, filled, labels, units=units, edit_units=edit_units, assign=assign)
    result = run("plan", "import", filled, "-o", plan_file, "--id", "wuchang-2022-fg")
    assert result.exit_code == 0, result.output
    assert "PLANBOOK_UNIT_UNUSED" in codes(result.output, labels)
    assert run("plan", "show", plan_file).exit_code == 0
    plan = load_plan(str(plan_file))
    assert not plan.unassigned_tasks and not plan.unassigned_indicators
    assert plan.members_of("各街道") == WUCHANG_STREETS
    out = tmp_path / "gen"
    gen = run("generate", "--plan", plan_file, "--period", "2022", "--out", out)
    assert gen.exit_code == 0, gen.output
    returns = sorted((out / "returns").glob("*.xlsx"))
    names = {p.stem.split("_", 2)[2] for p in returns}
    assert names == {u.name for u in plan.reporting_units} and "各街道" not in names
    assert set(WUCHANG_STREETS) <= names and all(p.name.startswith("wuchang-2022-fg_2022_") for p in returns)
    street = read_return(next(p for p in returns if p.stem.endswith("积玉桥街道")), labels)
    assert [r.item_id for r in street.rows] == ["T5.3"]
    assert labels.fmt("role_via", role=labels["role.responsible"], via="各街道") in [
        c.value for r in street.rows for c in r.values.values()]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    period = Period.parse("2022")
    for n, src in enumerate(returns):
        fill_openpyxl(src, inbox / src.name, answers(read_return(src, labels), plan, period, labels, seed=n))
    js = tmp_path / "r.json"
    moved = tmp_path / "elsewhere" / plan_file.name
    moved.parent.mkdir()
    shutil.move(plan_file, moved)  # not bundled and not beside the returns: say so
    merged = run("merge", inbox, "--out", tmp_path / "s.xlsx", "--json", js)
    assert merged.exit_code == 2 and "PLAN_OF_RETURNS_NOT_FOUND" in merged.output, merged.output
    shutil.copy(moved, inbox / plan_file.name)  # beside the returns: found by id and fingerprint, no --plan
    merged = run("merge", inbox, "--out", tmp_path / "s.xlsx", "--json", js)
    assert merged.exit_code == 0, merged.output
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["plan"] == "wuchang-2022-fg"
    targets = {t["id"]: t for t in data["targets"]}
    assert len(targets) == sum(len(t.targets) for t in plan.tasks) and all(t["reports"] for t in targets.values())
    # The year's last period has ended for a 2022 target: met or overdue, nothing in between.
    judged = {t["assessment"] for t in targets.values()}
    assert judged <= {"achieved", "overdue", "on_track", "qualitative", "conflict"} and "achieved" in judged
    assert {t["assessment"] for t in targets.values() if t["measure"] == "cumulative"} <= {
        "achieved", "overdue", "conflict"}  # conflict: two lead units gave different numbers


def test_two_plans_share_a_folder(tmp_path):
    out = tmp_path / "gen"
    assert run("generate", "--plan", "wuchang-14fyp", "--period", "2022Q4", "--out", out).exit_code == 0
    first = set((out / "returns").iterdir())
    tiny = tmp_path / "t.yaml"
    data = load_plan("wuchang-14fyp").model_dump(mode="json")
    data["id"] = "other-plan"
    tiny.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert run("generate", "--plan", tiny, "--period", "2022Q4", "--out", out).exit_code == 0
    second = set((out / "returns").iterdir()) - first
    assert len(second) == len(first) and all(p.name.startswith("other-plan_") for p in second)


def test_merge_finds_the_returns_plan_or_names_the_version_it_needs(tmp_path, labels):
    """A plan that is not bundled: found beside the returns by id and fingerprint; when only an
    edited copy is there, merge says which versions it found and what to pass."""
    data = load_plan("wuchang-14fyp").model_dump(mode="json")
    data["id"] = "custom-plan"
    original = tmp_path / "plans" / "custom.yaml"
    original.parent.mkdir()
    original.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run("generate", "--plan", original, "--period", "2022Q4", "--out", tmp_path / "gen")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    src = next((tmp_path / "gen" / "returns").glob("*区发改局.xlsx"))
    plan, period = load_plan(str(original)), Period.parse("2022Q4")
    fill_openpyxl(src, inbox / src.name, answers(read_return(src, labels), plan, period, labels))
    shutil.copy(original, inbox / "custom.yaml")
    found = run("merge", inbox, "--out", tmp_path / "s.xlsx")
    assert found.exit_code == 0, found.output  # found beside the returns, same version
    data["title"] += "（修订）"
    (inbox / "custom.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    other = run("merge", inbox, "--out", tmp_path / "s.xlsx")
    assert other.exit_code == 2 and "PLAN_VERSION_MISMATCH" in other.output, other.output
    assert fingerprint(plan) in other.output and "--plan" in other.output
    forced = run("validate", inbox / src.name, "--plan", inbox / "custom.yaml")
    assert "META_OLD_VERSION" in codes(forced.output, labels)


def _with_saved_time(src: Path, dst: Path, when: str) -> None:
    """A copy whose docProps/core.xml says it was saved at `when` (as an office program writes it)."""
    import re

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{when}\g<2>", text)
                data = text.encode("utf-8")
            zout.writestr(info, data)


def test_newest_duplicate_is_chosen_by_the_workbooks_saved_time(tmp_path, filled14, labels):
    inbox = tmp_path / "inbox"
    (inbox / "again").mkdir(parents=True)
    src = filled14.valid
    old, new = inbox / src.name, inbox / "again" / src.name
    _with_saved_time(src, new, "2023-01-09T10:00:00Z")
    _with_saved_time(src, old, "2023-01-05T10:00:00Z")
    import os

    os.utime(new, (1_600_000_000, 1_600_000_000))  # copied back: the file time says it is older
    js = tmp_path / "r.json"
    result = run("merge", inbox, "--out", tmp_path / "s.xlsx", "--json", js, "--on-duplicate", "newest")
    data = json.loads(js.read_text(encoding="utf-8"))
    sub = next(s for s in data["submissions"] if s["file"] and s["unit"] == "区发改局")
    assert sub["file"] == f"again/{src.name}", result.output
    superseded = [i for i in data["issues"] if i["code"] == "META_DUPLICATE_SUPERSEDED"]
    assert superseded and superseded[0]["params"]["rule"] == ["duplicate_rule.saved_at"]


def test_collective_members_sum_a_cumulative_target_and_missing_members_are_listed():
    plan = plan_from_data({
        "id": "c", "title": "集合", "horizon": [2022, 2022],
        "units": [{"id": "jd", "name": "各街道", "kind": "collective", "members": ["甲街道", "乙街道", "丙街道"]},
                  {"id": "a", "name": "甲街道", "kind": "street_office"},
                  {"id": "b", "name": "乙街道", "kind": "street_office"},
                  {"id": "c", "name": "丙街道", "kind": "street_office"},
                  {"id": "d", "name": "区丁局", "kind": "department"}],
        "chapters": [{"id": "C1", "title": "一", "tasks": [
            {"id": "T1.1", "title": "改造", "text": "改造老旧小区10个。", "lead_units": ["各街道"],
             "responsible_units": ["区丁局"],
             "targets": [{"text": "改造老旧小区10个", "value": 10, "unit": "个", "comparator": ">=",
                          "direction": "higher_better", "measure": "cumulative", "deadline_year": 2022}]}]}]})
    assert [u.name for u in plan.reporting_units] == ["甲街道", "乙街道", "丙街道", "区丁局"]
    assert plan.role_in(plan.tasks[0], "乙街道") == ("lead", "各街道")

    def result(unit, status, value):
        u = plan.unit(unit)
        return ReturnResult(file=f"{unit}.xlsx", path=f"/x/{unit}.xlsx", status="ok", unit=u, sheet=unit,
                            tasks=[TaskReport("T1.1", unit, "lead", status=status, progress=50)],
                            targets=[TargetReport("T1.1-1", "T1.1", unit, "lead", actual=value)])

    c = consolidate(plan, Period.parse("2022"), [result("甲街道", "on_track", 4), result("乙街道", "lagging", 3)])
    target, task = c.targets[0], c.tasks[0]
    assert (target.actual, target.missing_units) == (7, ["丙街道"])
    assert target.assessment == "overdue"  # 7 of 10 at the year's end
    assert task.status == "lagging" and "丙街道" in task.missing_units  # the least advanced member decides
    c = consolidate(plan, Period.parse("2022"), [result("甲街道", "done", 6), result("乙街道", "done", 4),
                                                 result("丙街道", "done", 1)])
    assert (c.targets[0].actual, c.targets[0].assessment) == (11, "achieved")


def test_generate_warns_about_collectives_without_members(tmp_path):
    result = run("generate", "--plan", "wuchang-14fyp", "--period", "2022Q4", "--out", tmp_path / "g")
    assert result.exit_code == 0 and "各街道" in result.output and "plan export" in result.output


@pytest.mark.office
def test_a_plan_workbook_resaved_by_libreoffice_imports_the_same(tmp_path, labels, soffice_convert):
    book, filled, out_dir = tmp_path / "f.xlsx", tmp_path / "g.xlsx", tmp_path / "lo"
    run("plan", "export", "wuchang-14fyp", "-o", book)
    fill_planbook(book, filled, labels, edit_units={"区发改局": {"contact": "王五"}},
                  assign={"B06": {"baseline": 40.5, "baseline_year": 2020}, "T1.1": {"lead_units": ["区发改局"]}})
    resaved = soffice_convert([filled], "xlsx", out_dir)
    p1, p2 = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert run("plan", "import", filled, "-o", p1).exit_code == 0
    r = run("plan", "import", resaved / filled.name, "-o", p2)
    assert r.exit_code == 0, r.output
    assert lineage_free(load_plan(str(p1))) == lineage_free(load_plan(str(p2)))
