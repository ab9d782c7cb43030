"""Status lights: green / yellow / red per task and target, red for 滞后 two periods running or
overdue, a red that stays until the unit catches up, every period's light kept in the database."""

from __future__ import annotations

import copy

import pytest
from click.testing import CliRunner

from conftest import BASE_PLAN
from filler import answers, fill_openpyxl
from xltoolkit import history as store
from xltoolkit.cli import main
from xltoolkit.generate import generate
from xltoolkit.lights import light
from xltoolkit.model import Period
from xltoolkit.plans import plan_from_data
from xltoolkit.reading import read_return


@pytest.mark.parametrize("kind, status, assessment, prev, prev_status, expected", [
    ("task", "on_track", None, None, None, "green"),
    ("task", "done", None, None, None, "green"),
    ("task", "lagging", None, None, None, "yellow"),
    ("task", "lagging", None, "yellow", "lagging", "red"),  # 滞后 two periods running
    ("task", "on_track", None, "red", "lagging", "yellow"),  # caught up: red turns yellow first
    ("task", "lagging", None, "red", "lagging", "red"),
    ("task", None, None, "red", "lagging", "red"),  # no report: the red stays
    ("task", "not_started", None, None, None, "none"),
    ("target", None, "behind", None, None, "yellow"),
    ("target", None, "overdue", None, None, "red"),
    ("target", None, "on_track", "red", None, "yellow"),
    ("indicator", None, "achieved", "yellow", None, "green"),
    ("indicator", None, "qualitative", None, None, "none"),
])
def test_light_rules(kind, status, assessment, prev, prev_status, expected):
    assert light(kind, status, assessment, prev, prev_status) == expected


def _merge(tmp_path, plan, db, labels, code: str, status: str, folder: str = "") -> None:
    """区乙局 reports T1.2 with `status` for period `code`, merged into `db` (summary in code/s.xlsx)."""
    period = Period.parse(code)
    root = tmp_path / (folder or code)
    gen = generate(plan, period, root / "gen", labels=labels)
    inbox = root / "inbox"
    inbox.mkdir()
    src = next(p for p in gen.returns if p.stem.endswith("区乙局"))
    raw = read_return(src, labels)
    a = answers(raw, plan, period, labels)
    row = next(r for r in raw.rows if r.item_id == "T1.2")
    a.cells[row.values["status"].ref] = labels[f"status.{status}"]
    a.cells[row.values["progress"].ref] = 50
    a.cells[row.values["problems"].ref] = "资金未到位"
    fill_openpyxl(src, inbox / src.name, a)
    r = CliRunner().invoke(main, ["merge", str(inbox), "--plan", str(_plan_file(tmp_path, plan)),
                                  "--out", str(root / "s.xlsx"), "--db", str(db)])
    assert r.exit_code in (0, 1), r.output


def test_lights_are_kept_period_after_period(tmp_path, labels):
    plan = plan_from_data(copy.deepcopy(BASE_PLAN))
    db = tmp_path / "h.db"
    statuses = {"2022Q1": "lagging", "2022Q2": "lagging", "2022Q3": "on_track", "2022Q4": "on_track"}
    for code, status in statuses.items():
        _merge(tmp_path, plan, db, labels, code, status)
    with store.reading(db) as conn:
        series = store.item_series(conn, "T1.2")
    assert [(p["period"], p["status"], p["light"]) for p in series] == [
        ("2022Q1", "lagging", "yellow"), ("2022Q2", "lagging", "red"), ("2022Q3", "on_track", "yellow"),
        ("2022Q4", "on_track", "green")]
    # The summary of each period shows the same light (from the previous period's, in the database).
    import openpyxl

    shown = {}
    for code in statuses:
        ws = openpyxl.load_workbook(tmp_path / code / "s.xlsx", read_only=True)[labels["summary_book.sheets.tasks"]]
        rows = list(ws.iter_rows(values_only=True))
        header = list(rows[2])
        row = next(r for r in rows[3:] if r[0] == "T1.2")
        shown[code] = row[header.index(labels["summary_book.columns.light"])]
    assert shown == {"2022Q1": labels["lights.yellow"], "2022Q2": labels["lights.red"],
                     "2022Q3": labels["lights.yellow"], "2022Q4": labels["lights.green"]}
    # 2022Q1 merged again with T1.2 正常推进: the later periods' lights follow (Q2 is 滞后 once now).
    _merge(tmp_path, plan, db, labels, "2022Q1", "on_track", folder="2022Q1-again")
    with store.reading(db) as conn:
        series = store.item_series(conn, "T1.2")
    assert [(p["period"], p["status"], p["light"]) for p in series] == [
        ("2022Q1", "on_track", "green"), ("2022Q2", "lagging", "yellow"), ("2022Q3", "on_track", "green"),
        ("2022Q4", "on_track", "green")]


def _plan_file(root, plan):
    import json

    path = root / "plan.json"
    if not path.exists():
        path.write_text(json.dumps(plan.model_dump(mode="json"), ensure_ascii=False), encoding="utf-8")
    return path
