"""The history database (xltoolkit/history.py, `merge --db`, `xltool history`): real returns, real
SQLite files, real processes for concurrent and killed merges."""

from __future__ import annotations

import copy
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import cli_output
from conftest import BASE_PLAN
from filler import answers, fill_openpyxl
from xltoolkit import history as store
from xltoolkit.cli import main
from xltoolkit.generate import generate
from xltoolkit.lights import lights_for
from xltoolkit.model import Period
from xltoolkit.plans import load_plan
from xltoolkit.reading import read_return

PERIODS = ("2022Q2", "2022Q3", "2022Q4")
XLTOOL = [sys.executable, "-c", "from xltoolkit.cli import main; main()"]


def run(*args, env=None):
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    assert "Traceback" not in result.output, result.output
    return result


def fill_period(plan, period: str, out: Path, labels, seed: int, units=None) -> Path:
    """Generate `period` for `plan` and fill every return (or those of `units`) into out/inbox."""
    per = Period.parse(period)
    gen = generate(plan, per, out / "gen", labels=labels)
    inbox = out / "inbox"
    inbox.mkdir(parents=True)
    for n, path in enumerate(gen.returns):
        if units is None or any(path.stem.endswith(u) for u in units):
            fill_openpyxl(path, inbox / path.name, answers(read_return(path, labels), plan, per, labels, seed=seed + n))
    return inbox


@pytest.fixture(scope="module")
def sequence(plan14, labels, tmp_path_factory):
    """The default plan merged for three quarters (answers change every quarter) into one database;
    the merge JSON of each period beside it."""
    root = tmp_path_factory.mktemp("history")
    db = root / "xltool.db"
    inboxes, results = {}, {}
    for k, code in enumerate(PERIODS):
        inboxes[code] = fill_period(plan14, code, root / code, labels, seed=7 * k)
        result = run("merge", inboxes[code], "--out", root / f"{code}.xlsx", "--json", root / f"{code}.json",
                     "--db", db)
        assert result.exit_code == 0, result.output
        assert cli_output.count(result.output, labels, "history.recorded") == 1
        results[code] = json.loads((root / f"{code}.json").read_text(encoding="utf-8"))
    return {"root": root, "db": db, "inboxes": inboxes, "json": results}


def dump(path: Path) -> dict:
    with store.reading(path) as db:
        return store.dump(db)


def quick_check(path: Path) -> list:
    db = sqlite3.connect(path)
    try:
        return [r[0] for r in db.execute("PRAGMA quick_check")]
    finally:
        db.close()


# --------------------------------------------------------------------------- the store and its queries


def test_file_is_plain_sqlite_wal_strict_versioned(sequence):
    db = sqlite3.connect(sequence["db"])
    assert db.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION == 3
    assert db.execute("PRAGMA application_id").fetchone()[0] == store.APPLICATION_ID
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {name: sql for name, sql in db.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table'")}
    assert set(tables) == set(store.TABLES)
    assert all(sql.rstrip().endswith("STRICT") for sql in tables.values())
    assert db.execute("SELECT count(*) FROM merges").fetchone()[0] == 3
    assert db.execute("SELECT count(*) FROM plans").fetchone()[0] == 1
    # Keys inside, labels at the edges.
    statuses = {r[0] for r in db.execute("SELECT DISTINCT status FROM answers WHERE kind = 'task'")}
    assert statuses <= {"not_started", "on_track", "done", "lagging"} and statuses
    files = db.execute("SELECT count(*), sum(used), min(length(sha256)) FROM input_files").fetchone()
    assert files == (3 * 47, 3 * 47, 64)
    db.close()


def test_history_lists_the_three_periods_with_counts(sequence, labels):
    result = run("history", "--db", sequence["db"], "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [p["period"] for p in data["periods"]] == list(PERIODS)
    for p in data["periods"]:
        merged = sequence["json"][p["period"]]
        assert p["submissions"] == {"ok": 47} and p["units"] == 47 and p["submitted"] == 47
        tasks = {}
        for t in merged["tasks"]:
            tasks[t["status"] or "none"] = tasks.get(t["status"] or "none", 0) + 1
        assert p["tasks"] == tasks
        assessed = {}
        for i in merged["indicators"]:
            assessed[i["assessment"]] = assessed.get(i["assessment"], 0) + 1
        assert p["indicators"] == assessed
    text = run("history", "--db", sequence["db"]).output
    assert labels.fmt("history.periods_title", path=sequence["db"], count=3) in text
    lines = text.splitlines()
    assert [next(n for n, line in enumerate(lines) if code in line) for code in PERIODS] == [2, 3, 4]
    assert labels["status.on_track"] in text and labels["assessment.achieved"] in text


def test_history_of_a_task_shows_each_period_and_unit(sequence, labels):
    result = run("history", "T1.1", "--db", sequence["db"], "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["item"] == "T1.1" and data["kind"] == "task"
    assert [p["period"] for p in data["periods"]] == list(PERIODS)
    for p in data["periods"]:
        merged = next(t for t in sequence["json"][p["period"]]["tasks"] if t["id"] == "T1.1")
        assert (p["status"], p["progress"], p["disagreement"]) == (
            merged["status"], merged["progress"], merged["disagreement"])
        assert {r["unit"]: (r["status"], r["progress"], r["work"]) for r in p["reports"]} == {
            r["unit"]: (r["status"], r["progress"], r["text"]) for r in merged["reports"]}
    # The answers changed from quarter to quarter, and the history shows it.
    by_period = [{r["unit"]: r["status"] for r in p["reports"]} for p in data["periods"]]
    assert by_period[0] != by_period[1] != by_period[2]
    text = run("history", "T1.1", "--db", sequence["db"]).output
    assert labels.fmt("history.item_title", item="T1.1", kind=labels["history.kinds.task"], count=3) in text
    assert all(code in text for code in PERIODS) and labels["history.consolidated"] in text


def test_history_of_an_indicator_and_a_target(sequence, plan14, labels):
    ind = plan14.indicators[0].id
    data = json.loads(run("history", ind, "--db", sequence["db"], "--json").output)
    assert data["kind"] == "indicator"
    for p in data["periods"]:
        merged = next(i for i in sequence["json"][p["period"]]["indicators"] if i["id"] == ind)
        assert (p["value"], p["assessment"], p["expected"]) == (merged["value"], merged["assessment"],
                                                                merged["expected"])
        assert sorted(r["value"] for r in p["reports"]) == sorted(r["value"] for r in merged["reports"])
    target = next(t for t in plan14.tasks if t.targets).targets[0].id
    data = json.loads(run("history", target, "--db", sequence["db"], "--json").output)
    assert data["kind"] == "target" and len(data["periods"]) == 3
    text = run("history", ind, "--db", sequence["db"]).output
    assert labels["history.columns.expected"] in text


def test_history_of_a_unit(sequence, labels):
    data = json.loads(run("history", "--unit", "区发改局", "--db", sequence["db"], "--json").output)
    assert [(p["period"], p["status"], p["errors"]) for p in data["periods"]] == [
        (code, "ok", 0) for code in PERIODS]
    assert all(p["file"].endswith("区发改局.xlsx") for p in data["periods"])
    text = run("history", "--unit", "区发改局", "--db", sequence["db"]).output
    assert labels["submission.ok"] in text


def test_unknown_item_unit_and_missing_database_are_coded_exit_2(sequence, tmp_path):
    for args, code in ((["NOPE9"], "DB_ITEM_UNKNOWN"), (["--unit", "区无此局"], "DB_UNIT_UNKNOWN")):
        result = run("history", *args, "--db", sequence["db"])
        assert result.exit_code == 2 and code in result.output
    result = run("history", "--db", tmp_path / "none.db")
    assert result.exit_code == 2 and "DB_NOT_FOUND" in result.output
    assert not (tmp_path / "none.db").exists()


def test_remerge_is_idempotent_and_touches_only_its_period(sequence, plan14, tmp_path):
    db = tmp_path / "copy.db"
    with sqlite3.connect(sequence["db"]) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    before = dump(db)
    result = run("merge", sequence["inboxes"]["2022Q3"], "--out", tmp_path / "s.xlsx", "--db", db)
    assert result.exit_code == 0, result.output
    assert dump(db) == before  # the same inputs again: the same contents, apart from merged_at
    # Fewer returns for 2022Q3: its record is replaced; 2022Q2 and 2022Q4 are untouched.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in sorted(sequence["inboxes"]["2022Q3"].iterdir())[:5]:
        (inbox / path.name).write_bytes(path.read_bytes())
    result = run("merge", inbox, "--out", tmp_path / "s.xlsx", "--db", db)
    assert result.exit_code == 0, result.output
    with store.reading(db) as conn:
        counts = {p["period"]: p["submissions"] for p in store.periods(conn)}
        assert counts == {"2022Q2": {"ok": 47}, "2022Q3": {"missing": 42, "ok": 5}, "2022Q4": {"ok": 47}}
        q3 = conn.execute("SELECT id FROM merges WHERE period = '2022Q3'").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM input_files WHERE merge = ?", (q3,)).fetchone()[0] == 5
    after = dump(db)
    merges = {r[0]: r for r in before["merges"]}
    for table in ("answers", "submissions", "input_files"):
        old = [r for r in before[table] if r[0] != q3]
        assert [r for r in after[table] if r[0] != q3] == old, table
    # Results of the other periods are as recorded, apart from the lights after 2022Q3 (each light
    # follows the previous period's): 2022Q4's are recomputed from the new 2022Q3.
    assert [r[:-1] for r in after["results"] if r[0] != q3] == [r[:-1] for r in before["results"] if r[0] != q3]
    assert [r for r in after["results"] if r[0] < q3] == [r for r in before["results"] if r[0] < q3]
    with store.reading(db) as conn:
        q4 = conn.execute("SELECT id FROM merges WHERE period = '2022Q4'").fetchone()[0]
        previous = store.previous_period(conn, plan14.id, "2022-10-01")
        rows = conn.execute("SELECT kind, item_id, status, assessment, light FROM results WHERE merge = ?",
                            (q4,)).fetchall()
    assert previous["period"] == "2022Q3"
    expected = lights_for([tuple(r)[:4] for r in rows], previous["results"])
    assert {(r["kind"], r["item_id"]): r["light"] for r in rows} == expected
    assert [r for r in after["merges"] if r[0] != q3] == [m for k, m in merges.items() if k != q3]


def test_no_db_records_nothing(sequence, tmp_path):
    db = tmp_path / "x.db"
    result = run("merge", sequence["inboxes"]["2022Q2"], "--out", tmp_path / "s.xlsx", "--no-db", "--db", db)
    assert result.exit_code == 0 and not db.exists()


def test_db_from_environment_and_default_location(sequence, tmp_path, monkeypatch, labels):
    db = tmp_path / "env.db"
    result = run("merge", sequence["inboxes"]["2022Q2"], "--out", tmp_path / "s.xlsx", env={"XLTOOL_DB": str(db)})
    assert result.exit_code == 0 and db.exists()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XLTOOL_DB", raising=False)
    result = run("merge", sequence["inboxes"]["2022Q2"], "--out", tmp_path / "s.xlsx")
    assert result.exit_code == 0 and (tmp_path / "generated" / "xltool.db").exists()
    data = json.loads(run("history", "--json").output)
    assert [p["period"] for p in data["periods"]] == ["2022Q2"]


def test_db_cannot_be_another_output(sequence, tmp_path):
    result = run("merge", sequence["inboxes"]["2022Q2"], "--out", tmp_path / "s.xlsx", "--json", tmp_path / "x.db",
                 "--db", tmp_path / "x.db")
    assert result.exit_code == 2 and "OUTPUT_TWICE" in result.output


# --------------------------------------------------------------------------- plan versions


def test_a_period_merged_under_an_older_plan_version_stays_readable(labels, tmp_path, write_plan):
    old_data = copy.deepcopy(BASE_PLAN)
    new_data = copy.deepcopy(BASE_PLAN)
    new_data["chapters"][0]["tasks"][1]["text"] = "任务二的内容（修订）。"
    db = tmp_path / "x.db"
    for code, data, name in (("2022Q3", old_data, "old.yaml"), ("2022Q4", new_data, "new.yaml")):
        plan_file = write_plan(data, name)
        plan = load_plan(str(plan_file))
        inbox = fill_period(plan, code, tmp_path / code, labels, seed=3)
        result = run("merge", inbox, "--plan", plan_file, "--out", tmp_path / f"{code}.xlsx", "--db", db)
        assert result.exit_code == 0, result.output
    with store.reading(db) as conn:
        plans = conn.execute("SELECT plan_id, fingerprint, plan_json FROM plans ORDER BY id").fetchall()
        assert len(plans) == 2 and plans[0][1] != plans[1][1]
        assert "任务二的内容。" in plans[0][2] and "（修订）" in plans[1][2]
        assert [(p["period"], p["fingerprint"]) for p in store.periods(conn)] == [
            ("2022Q3", plans[0][1]), ("2022Q4", plans[1][1])]
    data = json.loads(run("history", "T1.2", "--db", db, "--plan", "test-plan", "--json").output)
    assert [p["period"] for p in data["periods"]] == ["2022Q3", "2022Q4"]


# --------------------------------------------------------------------------- damaged and foreign files


def test_newer_schema_is_refused_and_left_byte_identical(sequence, tmp_path):
    db = tmp_path / "newer.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA application_id = {store.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    out = tmp_path / "s.xlsx"
    result = run("merge", sequence["inboxes"]["2022Q2"], "--out", out, "--db", db)
    assert result.exit_code == 2 and "DB_NEWER" in result.output and "99" in result.output
    assert not out.exists()  # nothing done
    result = run("history", "--db", db)
    assert result.exit_code == 2 and "DB_NEWER" in result.output
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newer.db"]


@pytest.mark.parametrize("damage", ["not_sqlite", "empty_header", "damaged_pages", "foreign"])
def test_damaged_or_foreign_file_is_refused_and_unchanged(sequence, tmp_path, damage):
    db = tmp_path / "x.db"
    if damage == "not_sqlite":
        db.write_bytes(b"PK\x03\x04 this is a zip file, not a database" * 100)
        code = "DB_CORRUPT"
    elif damage == "empty_header":
        db.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
        code = "DB_CORRUPT"
    elif damage == "foreign":
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE contacts (name TEXT)")
        conn.commit()
        conn.close()
        code = "DB_NOT_HISTORY"
    else:
        with sqlite3.connect(sequence["db"]) as src, sqlite3.connect(db) as dst:
            src.backup(dst)
        dst.close()
        data = bytearray(db.read_bytes())
        page = 4096
        for n in range(3, len(data) // page, 2):  # scramble the b-tree headers of every other page
            data[n * page:n * page + 12] = b"\x0d\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00"
        db.write_bytes(bytes(data))
        code = "DB_CORRUPT"
    before = db.read_bytes()
    out = tmp_path / "s.xlsx"
    result = run("merge", sequence["inboxes"]["2022Q2"], "--out", out, "--db", db)
    assert result.exit_code == 2 and code in result.output, result.output
    assert not out.exists()
    result = run("history", "--db", db)
    assert result.exit_code == 2 and code in result.output, result.output
    assert db.read_bytes() == before


def test_migrations_run_forward_from_an_empty_file(tmp_path):
    db = tmp_path / "x.db"
    db.write_bytes(b"")  # an empty file is an empty database: version 0, migrated to the current one
    store.open_history(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(store.MIGRATIONS)
    conn.close()


# --------------------------------------------------------------------------- real processes


@pytest.fixture(scope="module")
def tiny(labels, tmp_path_factory):
    """The small test plan as a file, with filled returns for 2022Q3 and 2022Q4 (two variants)."""
    root = tmp_path_factory.mktemp("tiny")
    plan_file = root / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(BASE_PLAN, allow_unicode=True), encoding="utf-8")
    plan = load_plan(str(plan_file))
    return {"root": root, "plan": plan_file,
            "2022Q3": fill_period(plan, "2022Q3", root / "q3", labels, seed=1),
            "2022Q4": fill_period(plan, "2022Q4", root / "q4", labels, seed=2),
            "2022Q4b": fill_period(plan, "2022Q4", root / "q4b", labels, seed=5, units=["区甲局"])}


def start(tiny, inbox: Path, out: Path, db: Path, **env) -> subprocess.Popen:
    environ = {**os.environ, **{k: str(v) for k, v in env.items()}}
    environ.pop("XLTOOL_DB", None)
    return subprocess.Popen([*XLTOOL, "merge", str(inbox), "--plan", str(tiny["plan"]), "--out", str(out),
                             "--db", str(db), "--jobs", "1"], env=environ, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for_lock(db: Path, proc: subprocess.Popen, limit: float = 30.0) -> None:
    """Until `proc` holds the database's write lock (inside its recording transaction)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if db.exists():
            conn = sqlite3.connect(db, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            except sqlite3.OperationalError:
                return  # locked: the other process is recording
            finally:
                conn.close()
        time.sleep(0.05)
    pytest.fail("the merge never took the lock")


def test_two_concurrent_merges_one_waits_both_recorded(tiny, tmp_path):
    db = tmp_path / "x.db"
    first = start(tiny, tiny["2022Q3"], tmp_path / "q3.xlsx", db, XLTOOL_TEST_PAUSE_IN_RECORD=1.5)
    wait_for_lock(db, first)
    second = start(tiny, tiny["2022Q4"], tmp_path / "q4.xlsx", db)
    for proc in (first, second):
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    assert quick_check(db) == ["ok"]
    with store.reading(db) as conn:
        assert [p["period"] for p in store.periods(conn)] == ["2022Q3", "2022Q4"]


def test_a_merge_that_cannot_get_the_lock_fails_coded_and_writes_nothing(tiny, tmp_path):
    db = tmp_path / "x.db"
    first = start(tiny, tiny["2022Q3"], tmp_path / "q3.xlsx", db, XLTOOL_TEST_PAUSE_IN_RECORD=4)
    wait_for_lock(db, first)
    second = start(tiny, tiny["2022Q4"], tmp_path / "q4.xlsx", db, XLTOOL_DB_TIMEOUT=0.3)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 2 and "DB_BUSY" in err and "Traceback" not in err
    assert not (tmp_path / "q4.xlsx").exists()  # all or nothing: no summary without its record
    first.communicate(timeout=60)
    assert first.returncode == 0
    with store.reading(db) as conn:
        assert [p["period"] for p in store.periods(conn)] == ["2022Q3"]


def test_a_merge_killed_while_recording_leaves_the_old_period(tiny, tmp_path):
    db = tmp_path / "x.db"
    summary = tmp_path / "q4.xlsx"
    proc = start(tiny, tiny["2022Q4"], summary, db)
    assert proc.wait(timeout=60) == 0, proc.communicate()
    before, summary_before = dump(db), summary.read_bytes()
    proc = start(tiny, tiny["2022Q4b"], summary, db, XLTOOL_TEST_PAUSE_IN_RECORD=30)
    wait_for_lock(db, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert quick_check(db) == ["ok"]
    assert dump(db) == before  # the old period, whole
    assert summary.read_bytes() == summary_before  # the files were not committed either
    # The lock died with the process: the next merge records the new period.
    proc = start(tiny, tiny["2022Q4b"], summary, db)
    assert proc.wait(timeout=60) == 0, proc.communicate()
    with store.reading(db) as conn:
        assert store.periods(conn)[0]["submissions"] == {"missing": 2, "ok": 1}


def test_files_that_cannot_be_committed_roll_the_record_back(sequence, tmp_path, monkeypatch):
    """The record is committed only after the files: a failing file commit leaves the old period."""
    from xltoolkit import files
    from xltoolkit.files import OutputError

    db = tmp_path / "copy.db"
    with sqlite3.connect(sequence["db"]) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    dst.close()
    before = dump(db)

    def failing_commit(self):
        raise OutputError("OUTPUT_UNWRITABLE", path=tmp_path / "s.xlsx", reason="ENOSPC")

    monkeypatch.setattr(files.Staging, "commit", failing_commit)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in sorted(sequence["inboxes"]["2022Q3"].iterdir())[:3]:
        (inbox / path.name).write_bytes(path.read_bytes())
    result = run("merge", inbox, "--out", tmp_path / "s.xlsx", "--db", db)
    assert result.exit_code == 2 and "OUTPUT_UNWRITABLE" in result.output
    assert dump(db) == before and quick_check(db) == ["ok"]
