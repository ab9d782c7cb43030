"""The report from the history database alone (`xltool report --db`, no returns), and 督办通知单 chosen by
the recorded lights.

Two periods of a small plan are merged for real (filled returns, the history database a real SQLite
file): 区乙局 reports its task T1.2 滞后 in 2022Q3 and again in 2022Q4 (yellow, then red), 区甲局's
target of T1.1 is due in 2022 and not met at 2022Q4 (overdue: red), 区丙办 sends nothing in 2022Q4 and
区乙局's 2022Q4 return is saved after the due date (late). The period restored from the database must
say exactly what the merge said: the same JSON, the same ReportData, the same lights, the same report.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from conftest import BASE_PLAN
from filler import answers, fill_openpyxl
from test_planbook import _with_saved_time
from xltoolkit import history as store
from xltoolkit.cli import main
from xltoolkit.generate import generate
from xltoolkit.lights import period_lights
from xltoolkit.merge import (HistoryOutput, JsonOutput, MergeOptions, MergeRequest, ReportOutput, SummaryOutput,
                             collect_inputs, merge, scan_inputs, to_json)
from xltoolkit.model import Period
from xltoolkit.plans import plan_from_data
from xltoolkit.reading import read_return
from xltoolkit.recorded import restore
from xltoolkit.report.data import from_consolidation, notices

Q3, Q4 = Period.parse("2022Q3"), Period.parse("2022Q4")
SAVED = {("2022Q3", "区甲局"): "2022-10-05T09:00:00Z", ("2022Q3", "区乙局"): "2022-10-06T09:00:00Z",
         ("2022Q3", "区丙办"): "2022-10-07T09:00:00Z",
         ("2022Q4", "区甲局"): "2023-01-05T09:00:00Z", ("2022Q4", "区乙局"): "2023-01-15T09:00:00Z"}  # due 01-10


def _plan():
    data = copy.deepcopy(BASE_PLAN)
    data["chapters"][0]["tasks"][0]["targets"][0]["deadline_year"] = 2022  # T1.1-1: 新增10家 by 2022
    return plan_from_data(data)


def _fill(plan, period, root: Path, labels) -> Path:
    gen = generate(plan, period, root / "gen", labels=labels)
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    for src in gen.returns:
        unit = src.stem.rsplit("_", 1)[-1]
        when = SAVED.get((period.code, unit))
        if when is None:
            continue  # 区丙办 sends nothing in 2022Q4
        raw = read_return(src, labels)
        a = answers(raw, plan, period, labels, seed=3)
        for row in raw.rows:
            if row.item_id == "T1.2" and row.form == "tasks":
                a.cells[row.values["status"].ref] = labels["status.lagging"]
                a.cells[row.values["progress"].ref] = 30
                a.cells[row.values["problems"].ref] = "资金未到位，{{ 7*7 }} 待协调。"
                a.cells[row.values["next_steps"].ref] = "下季度完成招标。"
            if row.item_id == "T1.1" and row.form == "tasks":
                a.cells[row.values["status"].ref] = labels["status.on_track"]
            if row.form == "targets" and row.item_id == "T1.1-1":
                a.cells[row.values["actual"].ref] = 3
        filled = root / "filled" / src.name
        filled.parent.mkdir(exist_ok=True)
        fill_openpyxl(src, filled, a)
        _with_saved_time(filled, inbox / src.name, when)
    return inbox


@pytest.fixture(scope="module")
def recorded(labels, tmp_path_factory):
    root = tmp_path_factory.mktemp("report-history")
    plan = _plan()
    db = root / "h.db"
    plan_file = root / "plan.json"
    plan_file.write_text(json.dumps(plan.model_dump(mode="json"), ensure_ascii=False), encoding="utf-8")
    out = {}
    for period, stamp in ((Q3, dt.datetime(2022, 10, 12, 9)), (Q4, dt.datetime(2023, 1, 16, 9))):
        inbox = _fill(plan, period, root / period.code, labels)
        files = scan_inputs(collect_inputs([inbox]), labels)
        earlier = store.earlier_periods(db, plan.id, period.start.isoformat())
        folder = root / period.code
        outputs = [JsonOutput(folder / "r.json"), SummaryOutput(folder / "s.xlsx", earlier=earlier),
                   ReportOutput(folder / "报告.docx", notices=folder / "notices", earlier=earlier),
                   HistoryOutput(db)]
        result = merge(MergeRequest(plan, period, files, MergeOptions(jobs=1, now=stamp, earlier=earlier)),
                       outputs, labels)
        out[period.code] = {"result": result, "earlier": earlier, "folder": folder, "inbox": inbox}
    return {"plan": plan, "db": db, "root": root, "plan_file": plan_file, **out}


def _copy(db: Path, to: Path) -> Path:
    """A copy of the database (SQLite's backup: consistent even with a WAL beside it)."""
    with sqlite3.connect(db) as src, sqlite3.connect(to) as dst:
        src.backup(dst)
    dst.close()
    return to


def _restored(db: Path, code: str):
    with store.reading(db) as conn:
        record = store.period_record(conn, "test-plan", code)
    return restore(plan_from_data(json.loads(record["merge"]["plan_json"])), record)


def _text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.mark.parametrize("code", ["2022Q3", "2022Q4"])
def test_restored_period_gives_the_merges_json(recorded, labels, code):
    merged = json.loads((recorded[code]["folder"] / "r.json").read_text(encoding="utf-8"))
    again = json.loads(json.dumps(to_json(_restored(recorded["db"], code).consolidation, labels), ensure_ascii=False))
    assert again == merged
    assert merged["issues"] and merged["submissions"]  # the comparison covers problems and submissions


def test_recorded_parameters_come_back_as_the_objects_the_merge_had(labels):
    """A problem's parameters as the history database keeps them (the JSON of Problem.as_dict) turn back
    into LabelRef and LabelText (also nested), so the restored problem renders the same message
    (tests/test_bad_inputs.py does the same through a real merge and database)."""
    from xltoolkit.problems import LabelRef, LabelText, ProblemSink
    from xltoolkit.recorded import _params

    sink = ProblemSink("r.xlsx")
    problems = [sink.add("FILE_TOO_LARGE", detail=LabelText("details.sheet_rows", part="xl/worksheets/sheet2.xml",
                                                              limit=10_000)),
                sink.add("FILE_NOT_XLSX", detail=LabelText("details.not_xlsx", what=LabelText("details.no_workbook"))),
                sink.add("FILE_NOT_REGULAR", kind=LabelRef("file_kind.fifo")),
                sink.add("FILE_CORRUPT", detail="BadZipFile: File is not a zip file")]
    for p in problems:
        again = _params(json.dumps(p.as_dict()["params"], ensure_ascii=False, sort_keys=True))
        assert again == dict(p.params)
        assert dataclasses.replace(p, params=again).message(labels) == p.message(labels)


@pytest.mark.parametrize("code", ["2022Q3", "2022Q4"])
def test_restored_period_gives_the_merges_report_data_and_lights(recorded, code):
    run = recorded[code]
    c = run["result"].consolidation
    earlier = run["earlier"] or {}
    lights = period_lights(c, (earlier.get("previous") or {}).get("results"))
    r = _restored(recorded["db"], code)
    assert r.lights == lights  # the database records the lights the summary and the report show
    stamp = run["result"].generated_at
    assert from_consolidation(r.consolidation, stamp, earlier.get("series"), r.lights) == \
        from_consolidation(c, stamp, earlier.get("series"), lights)


def test_lights_over_the_two_periods(recorded, labels):
    assert _restored(recorded["db"], "2022Q3").lights[("task", "T1.2")] == "yellow"
    q4 = _restored(recorded["db"], "2022Q4").lights
    assert q4[("task", "T1.2")] == "red"  # 滞后 two periods running
    assert q4[("target", "T1.1-1")] == "red"  # due in 2022, not met: overdue
    assert q4[("task", "T1.1")] == "green"
    # The summary's 督办灯 column says the same.
    ws = openpyxl.load_workbook(recorded["2022Q4"]["folder"] / "s.xlsx", read_only=True)[
        labels["summary_book.sheets.tasks"]]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[2])
    shown = {r[0]: r[header.index(labels["summary_book.columns.light"])] for r in rows[3:] if r[0]}
    assert shown["T1.2"] == labels["lights.red"] and shown["T1.1"] == labels["lights.green"]


def test_report_from_the_database_alone(recorded, tmp_path, labels):
    out = tmp_path / "报告.docx"
    result = CliRunner().invoke(main, ["report", "--db", str(recorded["db"]), "-o", str(out),
                                       "--notices", str(tmp_path / "n"), "--reply-by", "2023-01-25"])
    assert result.exit_code == 0, result.output
    assert "历史数据库" in result.output and "2022年第四季度" in result.output  # the latest period
    merged = _text(recorded["2022Q4"]["folder"] / "报告.docx")
    alone = _text(out)
    date = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")  # the day each was written
    assert date.sub("D", alone) == date.sub("D", merged)
    assert "按时报送1个，逾期报送1个" in alone and "报送截止日期为2023年1月10日" in alone
    lights = list(_restored(recorded["db"], "2022Q4").lights.values())
    assert (f"红灯{lights.count('red')}项，黄灯{lights.count('yellow')}项，绿灯{lights.count('green')}项，"
            f"其余{lights.count('none')}项不亮灯") in alone and lights.count("red") == 2
    assert "{{ 7*7 }}" in alone and "49" not in alone  # department text stays text
    assert "六、规划实施评估" in alone  # 2022Q4 ends a year of the 2022–2025 plan
    annex = Document(str(out)).tables[-1]
    states = {row.cells[1].text: row.cells[2].text for row in annex.rows[1:]}
    yi_status = next(x["status"] for x in json.loads((recorded["2022Q4"]["folder"] / "r.json").read_text(
        encoding="utf-8"))["submissions"] if x["unit"] == "区乙局")
    assert states == {"区乙局": f"{labels['submission.' + yi_status]}，逾期报送（2023年1月15日）",
                      "区丙办": labels["submission.missing"]}
    # Notices: the units deciding a red item, nothing for yellow ones.
    written = {p.stem.rsplit("_", 1)[-1]: p for p in (tmp_path / "n").glob("*.docx")}
    assert set(written) == {"区甲局", "区乙局"}
    yi = Document(str(written["区乙局"]))
    rows = [[c.text for c in row.cells] for row in yi.tables[0].rows[1:]]
    assert [(r[1], r[4]) for r in rows] == [("任务二", "红灯")]
    assert "2023年1月25日前" in _text(written["区乙局"])
    ja = [[c.text for c in row.cells] for row in Document(str(written["区甲局"])).tables[0].rows[1:]]
    assert [(r[1], r[3], r[4]) for r in ja] == [("任务一", "2022", "红灯")]


def test_notices_by_light_for_an_earlier_period(recorded, tmp_path):
    """2022Q3: T1.2 滞后 once and T1.1-1 behind pace are yellow; nothing is red, so no notice unless
    --chase yellow."""
    red = CliRunner().invoke(main, ["report", "--db", str(recorded["db"]), "--period", "2022q3",
                                    "-o", str(tmp_path / "q3.docx"), "--notices", str(tmp_path / "red")])
    assert red.exit_code == 0, red.output
    assert not list((tmp_path / "red").glob("*.docx"))
    assert "规划实施评估" not in _text(tmp_path / "q3.docx")  # not a year-end period
    yellow = CliRunner().invoke(main, ["report", "--db", str(recorded["db"]), "--period", "2022Q3", "--chase",
                                       "yellow", "-o", str(tmp_path / "q3y.docx"), "--notices", str(tmp_path / "y")])
    assert yellow.exit_code == 0, yellow.output
    assert sorted(p.stem.rsplit("_", 1)[-1] for p in (tmp_path / "y").glob("*.docx")) == ["区乙局", "区甲局"]
    data = from_consolidation(_restored(recorded["db"], "2022Q3").consolidation, "2022-10-12 09:00:00",
                              lights=_restored(recorded["db"], "2022Q3").lights)
    assert notices(data) == [] and [n.unit.name for n in notices(data, "yellow")] == ["区甲局", "区乙局"]


def test_report_from_the_database_with_merge_report_says_the_same(recorded, tmp_path):
    """`merge --db --report` and then `report --db` (the CLI path both ways)."""
    db = _copy(recorded["db"], tmp_path / "copy.db")
    first = CliRunner().invoke(main, ["merge", str(recorded["2022Q4"]["inbox"]), "--plan", str(recorded["plan_file"]),
                                      "--db", str(db), "--out", str(tmp_path / "s.xlsx"),
                                      "--report", str(tmp_path / "m.docx")])
    assert first.exit_code in (0, 1), first.output
    second = CliRunner().invoke(main, ["report", "--db", str(db), "--period", "2022Q4", "-o", str(tmp_path / "r.docx")])
    assert second.exit_code == 0, second.output
    assert _text(tmp_path / "m.docx") == _text(tmp_path / "r.docx")


def test_status_from_the_database_agrees_with_the_report(recorded, tmp_path, labels):
    out = tmp_path / "c.xlsx"
    result = CliRunner().invoke(main, ["status", "--db", str(recorded["db"]), "-o", str(out)])
    assert result.exit_code == 1, result.output
    ws = openpyxl.load_workbook(out)[labels["chase.sheet"]]
    header = [c.value for c in ws[3]]
    t = header.index(labels["chase.columns.timeliness"])
    rows = {r[header.index(labels["chase.columns.unit"])]: r[t] for r in ws.iter_rows(min_row=4, values_only=True)}
    assert rows == {"区甲局": labels["chase.timeliness.on_time"], "区乙局": labels["chase.timeliness.late"],
                    "区丙办": labels["chase.timeliness.none"]}


def test_no_such_record_is_a_coded_error_and_writes_nothing(recorded, tmp_path):
    out = tmp_path / "r.docx"
    for args, code in ((["--db", str(recorded["db"]), "--period", "2021Q1"], "DB_PERIOD_UNKNOWN"),
                       (["--db", str(tmp_path / "none.db")], "DB_NOT_FOUND"),
                       (["--db", str(recorded["db"]), "--plan", "wuchang-2022"], "DB_PERIOD_UNKNOWN")):
        result = CliRunner().invoke(main, ["report", *args, "-o", str(out)])
        assert result.exit_code == 2 and code in result.output and "Traceback" not in result.output, result.output
        assert not out.exists()
    assert not (tmp_path / "none.db").exists()  # reading never creates a database
    bad = CliRunner().invoke(main, ["report", "--db", str(recorded["db"]), "--period", "2022Q9", "-o", str(out)])
    assert bad.exit_code == 2 and "--period" in bad.output and not out.exists()
    # The database itself is an input: the report may not be written over it.
    clash = CliRunner().invoke(main, ["report", "--db", str(recorded["db"]), "-o", str(recorded["db"])])
    assert clash.exit_code == 2 and "OUTPUT_" in clash.output and "Traceback" not in clash.output
    assert store.check_history(recorded["db"]) is None


def test_a_version_2_database_is_migrated_and_reports(recorded, tmp_path):
    """A database written before 填报日期 was kept (schema 2) reports as before; reading migrates it."""
    db = _copy(recorded["db"], tmp_path / "v2.db")
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE input_files DROP COLUMN filled_on")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    result = CliRunner().invoke(main, ["report", "--db", str(db), "-o", str(tmp_path / "r.docx")])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION == 3
    assert {r[1] for r in conn.execute("PRAGMA table_info(input_files)")} >= {"filled_on", "saved_at"}
    conn.close()
    assert "逾期报送1个" in _text(tmp_path / "r.docx")  # the saved times were already kept


def test_the_default_plan_is_the_one_merged_last(recorded, tmp_path, labels, tiny_plan):
    """Two plans in one database: without --plan, the report is of the plan merged most recently."""
    db = _copy(recorded["db"], tmp_path / "two.db")
    other = tiny_plan.model_copy(update={"id": "another-plan"})
    files = scan_inputs(collect_inputs([recorded["2022Q3"]["inbox"]]), labels)
    merge(MergeRequest(other, Q3, files, MergeOptions(jobs=1)), [HistoryOutput(db)], labels)
    result = CliRunner().invoke(main, ["report", "--db", str(db), "-o", str(tmp_path / "r.docx")])
    assert result.exit_code == 0, result.output
    assert "计划 another-plan 2022年第三季度" in result.output
    result = CliRunner().invoke(main, ["report", "--db", str(db), "--plan", "test-plan", "-o", str(tmp_path / "t.docx")])
    assert result.exit_code == 0 and "计划 test-plan 2022年第四季度" in result.output, result.output


def test_a_record_changed_by_hand_is_refused_coded(recorded, tmp_path):
    db = _copy(recorded["db"], tmp_path / "edited.db")
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM results WHERE item_id = 'T1.2'")  # the record no longer covers its plan
    conn.commit()
    conn.close()
    for command in (["report", "-o", str(tmp_path / "r.docx")], ["status", "-o", str(tmp_path / "c.xlsx")]):
        result = CliRunner().invoke(main, [*command, "--db", str(db)])
        assert result.exit_code == 2 and "DB_CORRUPT" in result.output and "Traceback" not in result.output
        assert "2022Q4 的记录中的事项与一同记录的计划不一致" in result.output
    assert not (tmp_path / "r.docx").exists() and not (tmp_path / "c.xlsx").exists()


def test_a_unit_not_in_the_recorded_plan_is_refused_coded(recorded, tmp_path):
    db = _copy(recorded["db"], tmp_path / "renamed.db")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE submissions SET unit = '区丁局' WHERE unit = '区甲局'")
    conn.commit()
    conn.close()
    result = CliRunner().invoke(main, ["report", "--db", str(db), "-o", str(tmp_path / "r.docx")])
    assert result.exit_code == 2 and "DB_CORRUPT" in result.output and "单位“区丁局”" in result.output
    assert not (tmp_path / "r.docx").exists()
