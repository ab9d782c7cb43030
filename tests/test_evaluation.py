"""The plan's own evaluation (规划评估): year-end periods recorded, indicators over the years, average
annual rates, the mid-term review's four groups, binding indicators that lag first."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from test_history import fill_period
from xltoolkit.cli import main
from xltoolkit.evaluation import average_annual_rate, evaluate, group_of


def test_average_annual_rate_is_the_geometric_mean():
    assert average_annual_rate([7.0, 7.0]) == pytest.approx(7.0)
    assert average_annual_rate([10.0, 0.0]) == pytest.approx((1.1 ** 0.5 - 1) * 100)
    assert average_annual_rate([]) is None


@pytest.mark.parametrize("assessment, year, group", [
    ("achieved", 2023, "achieved_early"), ("achieved", 2025, "as_expected"), ("ahead", 2023, "ahead"),
    ("on_track", 2023, "as_expected"), ("behind", 2023, "lagging"), ("overdue", 2026, "lagging"),
    ("qualitative", 2023, "to_assess"), (None, None, "to_assess")])
def test_groups_follow_the_latest_assessment(assessment, year, group):
    assert group_of(assessment, year, 2025) == group


def test_binding_indicators_that_lag_come_first(plan14):
    rows = evaluate(plan14, [{"year": 2022, "item_id": "B06", "value": 30.0, "assessment": "behind",
                              "period_end": "2022-12-31"},
                             {"year": 2022, "item_id": "E01", "value": 7.5, "assessment": "on_track",
                              "period_end": "2022-12-31"},
                             {"year": 2021, "item_id": "E01", "value": 6.5, "assessment": "behind",
                              "period_end": "2021-12-31"}])
    assert rows[0].indicator_id == "B06" and rows[0].group == "lagging"
    e01 = next(r for r in rows if r.indicator_id == "E01")
    assert e01.years == {2021: 6.5, 2022: 7.5} and e01.group == "as_expected"
    assert e01.average_rate == pytest.approx(((1.065 * 1.075) ** 0.5 - 1) * 100)


def _two_years(plan14, labels, tmp_path, units):
    """2021 and 2022 filled by `units` and merged into a database (summaries tmp_path/<year>.xlsx)."""
    db = tmp_path / "h.db"
    for seed, year in enumerate(("2021", "2022")):
        inbox = fill_period(plan14, year, tmp_path / year, labels, seed=seed, units=units)
        r = CliRunner().invoke(main, ["merge", str(inbox), "--out", str(tmp_path / f"{year}.xlsx"), "--db", str(db)])
        assert r.exit_code in (0, 1), r.output
    return db


def test_history_evaluate_over_two_recorded_years(plan14, labels, tmp_path):
    db = _two_years(plan14, labels, tmp_path, ("区发改局", "区城管局"))
    result = CliRunner().invoke(main, ["history", "--evaluate", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["years"] == [2021, 2022] and len(data["indicators"]) == len(plan14.indicators)
    e01 = next(i for i in data["indicators"] if i["indicator_id"] == "E01")  # led by 区发改局: reported
    assert set(e01["years"]) == {"2021", "2022"} and all(v is not None for v in e01["years"].values())
    assert e01["average_rate"] is not None and e01["group_label"]
    text = CliRunner().invoke(main, ["history", "--evaluate", "--db", str(db)])
    assert text.exit_code == 0 and "2021年" in text.output


def test_history_evaluate_needs_a_year_end_period(plan14, labels, tmp_path):
    db = tmp_path / "h.db"
    inbox = fill_period(plan14, "2022Q3", tmp_path / "q3", labels, seed=1, units=("区发改局",))
    CliRunner().invoke(main, ["merge", str(inbox), "--out", str(tmp_path / "s.xlsx"), "--db", str(db)])
    result = CliRunner().invoke(main, ["history", "--evaluate", "--db", str(db)])
    assert result.exit_code == 2 and "DB_NO_YEAR_END" in result.output


def test_year_end_summary_has_the_evaluation_sheet_over_the_recorded_years(plan14, labels, tmp_path):
    import openpyxl

    db = _two_years(plan14, labels, tmp_path, ("区发改局",))
    wb = openpyxl.load_workbook(tmp_path / "2022.xlsx", read_only=True)
    rows = list(wb[labels["summary_book.sheets.evaluation"]].iter_rows(values_only=True))
    header = list(rows[2])
    assert labels.fmt("evaluation.year_column", year=2021) in header and labels.fmt(
        "evaluation.year_column", year=2022) in header
    ids = [r[0] for r in rows[3:] if r[0]]
    assert sorted(ids) == sorted(i.id for i in plan14.indicators)
    e01 = next(r for r in rows[3:] if r[0] == "E01")
    assert e01[header.index(labels.fmt("evaluation.year_column", year=2021))] is not None


def test_the_ranking_lists_units_with_overdue_items_first(plan14, labels, tmp_path):
    from xltoolkit.briefing import unit_ranking
    from xltoolkit.consolidation import consolidate
    from xltoolkit.merge import check_files, collect_inputs, scan_inputs
    from xltoolkit.model import Period

    inbox = fill_period(plan14, "2025", tmp_path / "y", labels, seed=3, units=("区科经局", "区发改局"))
    period = Period.parse("2025")
    files = scan_inputs(collect_inputs([inbox]), labels, need_meta=False)
    c = consolidate(plan14, period, check_files(files, plan14, period, labels))
    ranking = unit_ranking(c)
    overdue = [r for r in ranking if r[1]]
    assert overdue and all(a[1] >= b[1] for a, b in zip(ranking, ranking[1:]))  # most overdue first
    owners = {u for x in c.targets if x.assessment == "overdue" for u in x.deciding_units}
    owners |= {u for i in c.indicators if i.assessment == "overdue" for u in plan14.deciding_units(i.indicator)}
    assert {r[0] for r in overdue} == owners  # every unit that decides an overdue item, and only those


def test_year_end_report_groups_agree_with_history_evaluate(plan14, labels, tmp_path):
    """The report's 六、规划实施评估 over two recorded years says what `history --evaluate` says."""
    from docx import Document

    db = _two_years(plan14, labels, tmp_path, ("区发改局", "区城管局"))
    result = CliRunner().invoke(main, ["report", "--db", str(db), "-o", str(tmp_path / "r.docx")])
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in Document(str(tmp_path / "r.docx")).paragraphs)
    section = text[text.index("六、规划实施评估"):]
    evaluated = json.loads(CliRunner().invoke(main, ["history", "--evaluate", "--db", str(db), "--json"]).output)
    for group in ("achieved_early", "ahead", "as_expected", "lagging", "to_assess"):
        names = [i["name"] for i in evaluated["indicators"] if i["group"] == group]
        if names:
            assert f"{labels['evaluation.group.' + group]}{len(names)}项：{'、'.join(names)}。" in section
    assert any(i["group"] != "to_assess" for i in evaluated["indicators"])  # the comparison is not all 待评估
