"""Periods and history: the next return starts from the last one (上期 columns, --prefill,
VALUE_UNCHANGED) and the summary shows time (趋势, 变化). Real files, a real database."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from filler import answers, fill_openpyxl
from xltoolkit.cli import main
from xltoolkit.generate import generate
from xltoolkit.model import Period
from xltoolkit.reading import read_return

PERIODS = ("2022Q2", "2022Q3", "2022Q4")
UNITS = ("区发改局", "区财政局", "区教育局")  # a few units keep the test fast


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def returns_of(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "returns").glob("*.xlsx") if any(p.stem.endswith(u) for u in UNITS))


def headers(path: Path) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb.worksheets[1]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def row_of(grid: list[list], item_id: str, header_text: str) -> tuple[list, list]:
    """(header row, item row) of the section that holds `header_text`."""
    header = None
    for row in grid:
        if header_text in row:
            header = row
        elif header is not None and row and row[0] == item_id:
            return header, row
    raise AssertionError(item_id)


@pytest.fixture(scope="module")
def sequence(plan14, labels, tmp_path_factory):
    root = tmp_path_factory.mktemp("trends")
    db = root / "x.db"
    out = {"root": root, "db": db, "typed": {}}
    for k, code in enumerate(PERIODS):
        gen = root / code / "gen"
        r = run("generate", "--period", code, "--out", gen, "--db", db)
        assert r.exit_code == 0, r.output
        inbox = root / code / "inbox"
        inbox.mkdir(parents=True)
        for n, path in enumerate(returns_of(gen)):
            a = answers(read_return(path, labels), plan14, Period.parse(code), labels, seed=5 * k + n)
            fill_openpyxl(path, inbox / path.name, a)
            out["typed"][(code, path.stem.rsplit("_", 1)[-1])] = a
        r = run("merge", inbox, "--plan", plan14.id, "--period", code, "--out", root / f"{code}.xlsx",
                "--json", root / f"{code}.json", "--db", db)
        assert r.exit_code in (0, 1), r.output
        out[code] = r
    return out


def test_next_period_shows_last_answers(sequence, labels):
    """Q3's returns (generated with --db after Q2 was merged) hold Q2's answers in locked 上期 columns."""
    root = sequence["root"]
    path = next(p for p in returns_of(root / "2022Q3" / "gen") if p.stem.endswith("区发改局"))
    grid = headers(path)
    typed = sequence["typed"][("2022Q2", "区发改局")]
    tasks = [(item, v) for (item, key), v in typed.items.items() if key == "status"]
    item, status = tasks[0]
    header, row = row_of(grid, item, labels["columns.last_status"])
    assert header.index(labels["columns.last_status"]) < header.index(labels["columns.status"])
    assert row[header.index(labels["columns.last_status"])] == labels["status." + status]
    assert row[header.index(labels["columns.last_next_steps"])] == typed.items[(item, "next_steps")]
    progress = typed.items[(item, "progress")]
    assert row[header.index(labels["columns.last_progress"])] == f"{progress}%"
    assert row[header.index(labels["columns.status"])] in (None, "")
    # Q2's returns (no earlier period) have no 上期 column.
    first = next(p for p in returns_of(root / "2022Q2" / "gen") if p.stem.endswith("区发改局"))
    assert not any(labels["columns.last_status"] in r for r in headers(first))


def sheet_rows(path: Path, name: str) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return [list(r) for r in wb[name].iter_rows(values_only=True)]


def test_summary_trends_and_changes(sequence, labels):
    root = sequence["root"]
    assert labels["summary_book.sheets.trends"] not in openpyxl.load_workbook(root / "2022Q2.xlsx").sheetnames
    q4 = root / "2022Q4.xlsx"
    trends = sheet_rows(q4, labels["summary_book.sheets.trends"])
    header = trends[2]
    cols = [labels.period(Period.parse(p)) for p in PERIODS]
    assert all(c in header for c in cols)
    q2 = json.loads((root / "2022Q2.json").read_text(encoding="utf-8"))
    q2_values = {i["id"]: i.get("value") for i in q2["indicators"]}
    checked = 0
    for row in trends[3:]:
        if row and row[0] in q2_values and q2_values[row[0]] is not None:
            assert row[header.index(cols[0])] == pytest.approx(q2_values[row[0]])
            checked += 1
    assert checked
    wb = openpyxl.load_workbook(q4)
    charts = wb[labels["summary_book.sheets.trends"]]._charts
    numeric = [r for r in trends[3:] if r and r[1] == labels["summary_book.trends.kind_indicator"]]
    assert numeric and len(charts) == min(12, len(numeric))  # one small chart per indicator with a number
    assert all(len(ch.series) >= 2 for ch in charts)  # its values and its target (and 序时进度 when paced)
    changes = sheet_rows(q4, labels["summary_book.sheets.changes"])
    assert changes[2][0] == labels["summary_book.columns.seq"]
    q3 = json.loads((root / "2022Q3.json").read_text(encoding="utf-8"))
    q4j = json.loads((root / "2022Q4.json").read_text(encoding="utf-8"))
    before = {t["id"]: t["status"] for t in q3["tasks"]}
    lagging = {t["id"] for t in q4j["tasks"] if t["status"] == "lagging" and before.get(t["id"]) not in (None, "lagging")}
    shown = {r[2] for r in changes[3:] if r[1] == labels["summary_book.changes.kinds.newly_lagging"]}
    assert shown == lagging
    tasks = sheet_rows(q4, labels["summary_book.sheets.tasks"])
    assert labels["columns.last_status"] in tasks[2]


def test_prefill_and_unchanged(sequence, labels, plan14, tmp_path):
    db, root = sequence["db"], sequence["root"]
    r = run("generate", "--period", "2023Q1", "--out", tmp_path / "gen", "--db", db, "--prefill")
    assert r.exit_code == 0, r.output
    assert labels["cli.generate_prefilled"] in r.output
    path = next(p for p in returns_of(tmp_path / "gen") if p.stem.endswith("区发改局"))
    grid = headers(path)
    assert labels.fmt("return_sheet.prefill_note", last=labels.period(Period.parse("2022Q4"))).strip() in grid[1][0]
    typed = sequence["typed"][("2022Q4", "区发改局")]
    item = next(i for (i, k), v in typed.items.items() if k == "work" and v)
    header, row = row_of(grid, item, labels["columns.work"])
    assert row[header.index(labels["columns.work"])] == typed.items[(item, "work")]
    # Merged as prefilled (work unchanged): VALUE_UNCHANGED warnings, not errors.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    import shutil
    shutil.copy(path, inbox / path.name)
    wb = openpyxl.load_workbook(inbox / path.name)
    ws = wb.worksheets[1]
    ws["C5"] = "027-87000001"
    wb.save(inbox / path.name)
    r = run("merge", inbox, "--plan", plan14.id, "--period", "2023Q1", "--out", tmp_path / "s.xlsx",
            "--json", tmp_path / "s.json", "--db", tmp_path / "copy.db")
    assert "VALUE_UNCHANGED" not in r.output  # a database without earlier periods: nothing to compare
    r = run("merge", inbox, "--plan", plan14.id, "--period", "2023Q1", "--out", tmp_path / "s.xlsx", "--db", db)
    assert "VALUE_UNCHANGED" in r.output, r.output


def _small_plan_two_quarters(tmp_path, labels, seeds=(1, 1)):
    """The small test plan as a file, every return filled for 2022Q3 and 2022Q4 (answers by `seeds`),
    2022Q3 merged into a database: (plan file, database, inbox by period code)."""
    import copy
    import json as _json

    from conftest import BASE_PLAN
    from xltoolkit.plans import plan_from_data

    plan = plan_from_data(copy.deepcopy(BASE_PLAN))
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(_json.dumps(plan.model_dump(mode="json"), ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "h.db"
    inboxes = {}
    for seed, code in zip(seeds, ("2022Q3", "2022Q4")):
        period = Period.parse(code)
        gen = generate(plan, period, tmp_path / code / "gen", labels=labels)
        inbox = tmp_path / code / "inbox"
        inbox.mkdir()
        for src in gen.returns:
            fill_openpyxl(src, inbox / src.name, answers(read_return(src, labels), plan, period, labels, seed=seed))
        inboxes[code] = inbox
    CliRunner().invoke(main, ["merge", str(inboxes["2022Q3"]), "--plan", str(plan_file), "--out",
                              str(tmp_path / "s3.xlsx"), "--db", str(db)])
    return plan_file, db, inboxes


def test_validate_warns_unchanged_work_with_the_database(tmp_path, labels):
    """A department checking its return sees VALUE_UNCHANGED too (validate reads the database, read-only)."""
    plan_file, db, inboxes = _small_plan_two_quarters(tmp_path, labels)  # the same texts both times
    before = db.read_bytes()
    result = CliRunner().invoke(main, ["validate", *map(str, inboxes["2022Q4"].glob("*.xlsx")), "--plan", str(plan_file),
                                       "--db", str(db)])
    assert "VALUE_UNCHANGED" in result.output, result.output
    assert db.read_bytes() == before  # validate only reads the database


def test_the_report_draws_indicators_over_the_recorded_periods(tmp_path, labels):
    """With earlier periods in the database the report has a third chart: the indicators over time."""
    import docx

    plan_file, db, inboxes = _small_plan_two_quarters(tmp_path, labels, seeds=(0, 1))
    images = {}
    for name, extra in (("with", ["--db", str(db)]), ("without", ["--db", str(tmp_path / "none.db")])):
        out = tmp_path / f"r_{name}.docx"
        r = CliRunner().invoke(main, ["report", str(inboxes["2022Q4"]), "--plan", str(plan_file), "-o", str(out),
                                      *extra])
        assert r.exit_code in (0, 1), r.output
        images[name] = len(docx.Document(str(out)).inline_shapes)
    assert images == {"with": 3, "without": 2}
