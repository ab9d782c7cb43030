"""The history store: every merge, period after period, in one plain SQLite file.

One module owns the database (no SQL anywhere else): the schema and its forward migrations, opening
a file safely, recording a merge, and the queries `xltool history` shows. The file is the artifact
(sqlite-utils/Datasette style): tables named for the domain, keys inside (status ``on_track``,
problem codes with JSON parameters), readable with `sqlite3 generated/xltool.db` without xltool.
The schema is documented in the README ("History database").

Safety:

* WAL journal, ``foreign_keys=ON``, STRICT tables, ``PRAGMA user_version`` = schema version,
  ``PRAGMA application_id`` = xltool's. A file that is not a SQLite database, fails
  ``PRAGMA quick_check``, belongs to another program, or comes from a newer xltool is refused with a
  coded `HistoryError` before anything is written to it (DB_CORRUPT, DB_NOT_HISTORY, DB_NEWER).
* One period's record is written in one transaction (``BEGIN IMMEDIATE``): the period's old record
  is deleted and the new one inserted, so a reader, a killed process or a concurrent merge sees the
  old period or the new one, never half. A second writer waits for the lock (busy timeout, default
  30 s, `XLTOOL_DB_TIMEOUT`), then fails with DB_BUSY.
* `Recording` splits the transaction so the caller can commit it together with other outputs:
  `prepare` (lock, delete, insert: everything but COMMIT), then `commit` or `rollback`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from .problems import XltoolError

DEFAULT_DB = Path("generated") / "xltool.db"
DB_ENV = "XLTOOL_DB"
TIMEOUT_ENV = "XLTOOL_DB_TIMEOUT"
PAUSE_ENV = "XLTOOL_TEST_PAUSE_IN_RECORD"  # test hook: seconds to sleep inside the recording transaction
BUSY_TIMEOUT = 30.0
APPLICATION_ID = 0x786C746C  # "xltl": marks the file as xltool's history
HASH_LIMIT = 256 * 1024 * 1024  # input files above this size are recorded without a digest
SQLITE_HEADER = b"SQLite format 3\x00"


class HistoryError(XltoolError):
    """A history database that cannot be used: DB_CORRUPT, DB_NEWER, DB_NOT_HISTORY, DB_BUSY,
    DB_UNWRITABLE, DB_NOT_FOUND, DB_NOT_REGULAR, DB_COMMIT_FAILED (messages under ``errors.``)."""


# Schema ---------------------------------------------------------------------------------------------
#
# Migrations: MIGRATIONS[n] takes a database from version n to n + 1 (version 0: a new, empty file).
# Add a function at the end for each change; never edit one that has shipped.


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run DDL statements inside the caller's transaction (`executescript` would commit it first)."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    _script(db, """
        CREATE TABLE plans (
            id INTEGER PRIMARY KEY,
            plan_id TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            title TEXT NOT NULL,
            plan_json TEXT NOT NULL,
            UNIQUE (plan_id, fingerprint)
        ) STRICT;

        CREATE TABLE merges (
            id INTEGER PRIMARY KEY,
            plan INTEGER NOT NULL REFERENCES plans(id),
            plan_id TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            period TEXT NOT NULL,
            period_kind TEXT NOT NULL CHECK (period_kind IN ('year', 'half', 'quarter')),
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            merged_at TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            on_duplicate TEXT NOT NULL,
            files INTEGER NOT NULL,
            units INTEGER NOT NULL,
            submitted INTEGER NOT NULL,
            accepted INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            warnings INTEGER NOT NULL,
            UNIQUE (plan_id, period)
        ) STRICT;

        CREATE TABLE submissions (
            merge INTEGER NOT NULL REFERENCES merges(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            unit TEXT NOT NULL,
            unit_id TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('ok', 'problems', 'rejected', 'duplicate', 'empty', 'missing')),
            file TEXT,
            files INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            warnings INTEGER NOT NULL,
            PRIMARY KEY (merge, unit)
        ) STRICT;

        CREATE TABLE input_files (
            merge INTEGER NOT NULL REFERENCES merges(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            file TEXT NOT NULL,
            sha256 TEXT,
            size INTEGER,
            saved_at TEXT,
            unit TEXT,
            used INTEGER NOT NULL CHECK (used IN (0, 1)),
            status TEXT NOT NULL,
            errors INTEGER NOT NULL,
            warnings INTEGER NOT NULL,
            PRIMARY KEY (merge, position)
        ) STRICT;

        CREATE TABLE answers (
            merge INTEGER NOT NULL REFERENCES merges(id) ON DELETE CASCADE,
            unit TEXT NOT NULL,
            item_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('task', 'indicator', 'target')),
            role TEXT NOT NULL,
            status TEXT,
            progress REAL,
            value REAL,
            work TEXT NOT NULL DEFAULT '',
            problems TEXT NOT NULL DEFAULT '',
            next_steps TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (merge, kind, item_id, unit)
        ) STRICT;

        CREATE TABLE problems (
            merge INTEGER NOT NULL REFERENCES merges(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            file TEXT NOT NULL,
            unit TEXT,
            code TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
            sheet TEXT,
            cell TEXT,
            field TEXT,
            value TEXT,
            params TEXT NOT NULL,
            PRIMARY KEY (merge, position)
        ) STRICT;

        CREATE TABLE results (
            merge INTEGER NOT NULL REFERENCES merges(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('task', 'indicator', 'target')),
            task_id TEXT,
            status TEXT,
            progress REAL,
            value REAL,
            assessment TEXT,
            expected REAL,
            source TEXT,
            disagreement INTEGER NOT NULL CHECK (disagreement IN (0, 1)),
            PRIMARY KEY (merge, kind, item_id)
        ) STRICT;

        CREATE INDEX answers_by_item ON answers (item_id, merge);
        CREATE INDEX results_by_item ON results (item_id, merge);
        CREATE INDEX submissions_by_unit ON submissions (unit, merge);
        CREATE INDEX merges_by_plan ON merges (plan);
    """)


def _v2(db: sqlite3.Connection) -> None:
    """Version 2: every task, indicator and target result keeps its status light (lights.py)."""
    _script(db, "ALTER TABLE results ADD COLUMN light TEXT;")


def _v3(db: sqlite3.Connection) -> None:
    """Version 3: each input file keeps its header's 填报日期 (on time or late is judged by the saved
    time, else this date: a report or 催办名单 from the database alone says the same as one from the
    returns)."""
    _script(db, "ALTER TABLE input_files ADD COLUMN filled_on TEXT;")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3]
SCHEMA_VERSION = len(MIGRATIONS)
TABLES = ("plans", "merges", "submissions", "input_files", "answers", "problems", "results")


# Opening a file ------------------------------------------------------------------------------------


def database_path(given: Optional[Path] = None) -> Path:
    """The database to use: `given` (--db), else `XLTOOL_DB`, else generated/xltool.db."""
    if given is not None:
        return Path(given)
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEFAULT_DB


def _timeout() -> float:
    try:
        return max(0.0, float(os.environ.get(TIMEOUT_ENV, BUSY_TIMEOUT)))
    except ValueError:
        return BUSY_TIMEOUT


def _reason(exc: BaseException) -> str:
    return (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)[:200]


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _examine(path: Path) -> bool:
    """Whether `path` exists (as a regular file); refuses what is not a SQLite file, reading only
    its first 16 bytes (so a file of another kind is never opened by SQLite, let alone written)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise HistoryError("DB_UNWRITABLE", path=path, reason=_reason(exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise HistoryError("DB_NOT_REGULAR", path=path)
    if info.st_size == 0:
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise HistoryError("DB_UNWRITABLE", path=path, reason=_reason(exc)) from None
    if head != SQLITE_HEADER:
        raise HistoryError("DB_CORRUPT", path=path, reason="not a SQLite database")
    return True


def _connect(path: Path) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(str(path), timeout=_timeout(), isolation_level=None)
    except sqlite3.Error as exc:
        raise HistoryError("DB_UNWRITABLE", path=path, reason=_reason(exc)) from None
    db.row_factory = sqlite3.Row
    return db


def _check(db: sqlite3.Connection, path: Path) -> int:
    """The file's schema version, after checking it is a sound xltool history (read only)."""
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        app = db.execute("PRAGMA application_id").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").fetchone()[0]
        check = [row[0] for row in db.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
            raise HistoryError("DB_BUSY", path=path, seconds=_timeout()) from None
        raise HistoryError("DB_CORRUPT", path=path, reason=_reason(exc)) from None
    if check != ["ok"]:
        raise HistoryError("DB_CORRUPT", path=path, reason="; ".join(check)[:200])
    if app not in (0, APPLICATION_ID) or (app == 0 and (version or tables)):
        raise HistoryError("DB_NOT_HISTORY", path=path)
    if version > SCHEMA_VERSION:
        raise HistoryError("DB_NEWER", path=path, version=version, known=SCHEMA_VERSION)
    return version


def _migrate(db: sqlite3.Connection, path: Path, version: int) -> None:
    """Bring the file up to SCHEMA_VERSION, one migration at a time, all in one transaction."""
    if version == SCHEMA_VERSION:
        return
    try:
        db.execute("BEGIN IMMEDIATE")
        version = db.execute("PRAGMA user_version").fetchone()[0]  # another process may have done it
        if version > SCHEMA_VERSION:
            raise HistoryError("DB_NEWER", path=path, version=version, known=SCHEMA_VERSION)
        for step in MIGRATIONS[version:]:
            step(db)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("COMMIT")
    except BaseException as exc:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise _as_error(exc, path) from None
        raise


def _as_error(exc: sqlite3.Error, path: Path) -> HistoryError:
    if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
        return HistoryError("DB_BUSY", path=path, seconds=_timeout())
    if isinstance(exc, sqlite3.DatabaseError) and "malformed" in str(exc).lower():
        return HistoryError("DB_CORRUPT", path=path, reason=_reason(exc))
    return HistoryError("DB_UNWRITABLE", path=path, reason=_reason(exc))


def open_history(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """A connection to the history at `path`, checked and migrated to the current schema.

    `create`: make the file (and its folder) when missing; else DB_NOT_FOUND. A file that is not a
    sound xltool history, or one from a newer xltool, is refused before anything is written."""
    path = Path(path)
    exists = _examine(path)
    if not exists:
        if not create:
            raise HistoryError("DB_NOT_FOUND", path=path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError("DB_UNWRITABLE", path=path, reason=_reason(exc)) from None
    db = _connect(path)
    try:
        version = _check(db, path)
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise _as_error(exc, path) from None
        _migrate(db, path, version)
    except BaseException:
        db.close()
        raise
    return db


def check_history(path: Path) -> None:
    """Refuse, before a merge does any work, a database it could not record into (read only:
    nothing is created or migrated here; `Recording.prepare` does that)."""
    path = Path(path)
    if not _examine(path):
        return
    db = _connect(path)
    try:
        _check(db, path)
    finally:
        db.close()


@contextlib.contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection]:
    db = open_history(path, create=False)
    try:
        yield db
    finally:
        db.close()


# Recording a merge ---------------------------------------------------------------------------------


def _tool_version() -> str:
    try:
        from importlib.metadata import version

        return version("xltool")
    except Exception:  # not installed (running from a source tree)
        from . import __version__

        return str(__version__)


def _file_facts(path: str) -> tuple[Optional[str], Optional[int]]:
    """(sha256, size) of an input file, opened without blocking and only when regular; None when
    it cannot be read (the merge reported why) or is too large to hash."""
    from .files import open_regular

    try:
        fd = open_regular(Path(path))
    except OSError:
        return None, None
    with os.fdopen(fd, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > HASH_LIMIT:
            return None, size
        digest = hashlib.sha256()
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest(), size


def _rows(consolidation) -> dict[str, list[tuple]]:
    """The rows of one merge, by table (without the merge id, which comes first in each)."""
    c = consolidation
    used = {id(s.result) for s in c.submissions if s.accepted and s.result is not None}
    files = []
    for n, r in enumerate(c.results):
        digest, size = _file_facts(r.path)
        files.append((n, r.file, digest, size, r.saved_at, r.unit.name if r.unit else None,
                      int(id(r) in used), r.status, r.errors, r.warnings, r.header.get("date") or None))
    submissions = [(n, s.unit.name, s.unit.id, s.status, s.file, len(s.files),
                    s.result.errors if s.result else 0, s.result.warnings if s.result else 0)
                   for n, s in enumerate(c.submissions)]
    answers, results = [], []
    for t in c.tasks:
        results.append((t.task.id, "task", None, t.status, t.progress, None, None, None, None,
                        int(t.disagreement)))
        answers += [(r.unit, t.task.id, "task", r.role, r.status, r.progress, None, r.work, r.problems,
                     r.next_steps, "") for r in t.reports]
    for i in c.indicators:
        results.append((i.indicator.id, "indicator", None, None, None, i.actual, i.assessment, i.expected,
                        i.source, int(i.assessment == "conflict")))
        answers += [(r.unit, i.indicator.id, "indicator", r.role, None, None, r.actual, "", "", "", r.note)
                    for r in i.reports]
    for x in c.targets:
        results.append((x.target.id, "target", x.task.id, None, None, x.actual, x.assessment, x.expected,
                        x.source, int(x.assessment == "conflict")))
        answers += [(r.unit, x.target.id, "target", r.role, None, None, r.actual, "", "", "", r.note)
                    for r in x.reports]
    problems = []
    for n, p in enumerate(c.problems):
        d = p.as_dict()
        problems.append((n, p.file, p.unit, p.code, p.severity.value, p.sheet, p.cell, p.field, p.value,
                         json.dumps(d["params"], ensure_ascii=False, sort_keys=True)))
    return {"submissions": submissions, "input_files": files, "answers": answers, "problems": problems,
            "results": results}


_INSERT = {
    "submissions": "INSERT INTO submissions (merge, position, unit, unit_id, status, file, files, errors, warnings)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "input_files": "INSERT INTO input_files (merge, position, file, sha256, size, saved_at, unit, used, status,"
                   " errors, warnings, filled_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "answers": "INSERT INTO answers (merge, unit, item_id, kind, role, status, progress, value, work, problems,"
               " next_steps, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "problems": "INSERT INTO problems (merge, position, file, unit, code, severity, sheet, cell, field, value,"
                " params) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "results": "INSERT INTO results (merge, item_id, kind, task_id, status, progress, value, assessment, expected,"
               " source, disagreement, light) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
}


class Recording:
    """One merge's record, written in one transaction that the caller ends: `prepare` takes the
    write lock and writes everything (the period's earlier record replaced), `commit` makes it
    durable, `rollback` (or closing without commit) leaves the database as it was."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._db: Optional[sqlite3.Connection] = None

    def prepare(self, consolidation, merged_at: str, *, on_duplicate: str = "error") -> None:
        from .plans import fingerprint

        c = consolidation
        rows = _rows(c)  # files hashed before the lock is taken
        fp = fingerprint(c.plan)
        counts = c.submission_counts()
        self._db = db = open_history(self.path)
        try:
            db.execute("BEGIN IMMEDIATE")
            plan_row = db.execute("SELECT id FROM plans WHERE plan_id = ? AND fingerprint = ?",
                                  (c.plan.id, fp)).fetchone()
            if plan_row is None:
                plan_key = db.execute(
                    "INSERT INTO plans (plan_id, fingerprint, title, plan_json) VALUES (?, ?, ?, ?)",
                    (c.plan.id, fp, c.plan.title, c.plan.model_dump_json())).lastrowid
            else:
                plan_key = plan_row[0]
            old = db.execute("SELECT id FROM merges WHERE plan_id = ? AND period = ?",
                             (c.plan.id, c.period.code)).fetchone()
            if old is not None:  # re-merged: the period's record is replaced, under the same id
                db.execute("DELETE FROM merges WHERE id = ?", (old[0],))
            merge_id = db.execute(
                "INSERT INTO merges (id, plan, plan_id, fingerprint, period, period_kind, period_start, period_end,"
                " merged_at, tool_version, on_duplicate, files, units, submitted, accepted, errors, warnings)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (old[0] if old else None, plan_key, c.plan.id, fp, c.period.code, c.period.kind.value,
                 c.period.start.isoformat(), c.period.end.isoformat(), merged_at, _tool_version(), on_duplicate,
                 len(c.results), len(c.submissions), counts["submitted"], counts["accepted"], c.errors,
                 c.warnings)).lastrowid
            rows["results"] = self._with_lights(c, rows["results"])
            for n, table in enumerate(("submissions", "input_files", "answers", "problems", "results")):
                db.executemany(_INSERT[table], [(merge_id, *row) for row in rows[table]])
                if n == 1:
                    _pause()  # test hook: a kill here leaves the transaction half-written
            self._relight_later(c.plan.id, c.period.end.isoformat())
            self._drop_orphan_plans()
        except BaseException as exc:
            self.rollback()
            if isinstance(exc, sqlite3.Error):
                raise _as_error(exc, self.path) from None
            raise

    def _with_lights(self, c, results: list[tuple]) -> list[tuple]:
        """Each result row with its light (lights.period_lights), from the previous recorded period of
        the plan: the latest one that ended before this one started, the same period the summary's
        上期 columns and 督办灯 are taken from. A red stays until the item catches up."""
        from .lights import period_lights

        previous = previous_period(self._db, c.plan.id, c.period.start.isoformat())
        lights = period_lights(c, previous["results"] if previous else None)
        return [(*row, lights[(row[1], row[0])]) for row in results]

    def _relight_later(self, plan_id: str, end: str) -> None:
        """The lights of the plan's periods recorded after this one (a period merged again, or late),
        recomputed in time order: a light depends on the previous period's, so a changed period
        changes the chain after it. Their other results stay as recorded."""
        from .lights import lights_for

        db = self._db
        later = db.execute("SELECT id, period_start FROM merges WHERE plan_id = ? AND period_end > ? ORDER BY "
                           + _PERIOD_ORDER.replace("m.", ""), (plan_id, end)).fetchall()
        for m in later:
            previous = previous_period(db, plan_id, m["period_start"])
            rows = db.execute("SELECT kind, item_id, status, assessment FROM results WHERE merge = ?",
                              (m["id"],)).fetchall()
            lights = lights_for([tuple(r) for r in rows], previous["results"] if previous else None)
            db.executemany("UPDATE results SET light = ? WHERE merge = ? AND kind = ? AND item_id = ?",
                           [(lights[(r["kind"], r["item_id"])], m["id"], r["kind"], r["item_id"]) for r in rows])

    def _drop_orphan_plans(self) -> None:
        """Plan versions no period refers to any more (the one period merged under it was re-merged
        under another version) are removed; a version still used by a period is always kept."""
        self._db.execute("DELETE FROM plans WHERE id NOT IN (SELECT plan FROM merges)")

    def commit(self) -> None:
        if self._db is None:
            return
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self.rollback()
            raise HistoryError("DB_COMMIT_FAILED", path=self.path, reason=_reason(exc)) from None
        self.close()

    def rollback(self) -> None:
        if self._db is None:
            return
        with contextlib.suppress(sqlite3.Error):
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        self.close()

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _pause() -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        time.sleep(float(seconds))


def record(path: Path, consolidation, merged_at: str, *, on_duplicate: str = "error") -> None:
    """Record one merge (prepare and commit at once)."""
    rec = Recording(path)
    rec.prepare(consolidation, merged_at, on_duplicate=on_duplicate)
    rec.commit()


# Queries -------------------------------------------------------------------------------------------


def _dicts(rows) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


_PERIOD_ORDER = "m.plan_id, m.period_end, CASE m.period_kind WHEN 'quarter' THEN 0 WHEN 'half' THEN 1 ELSE 2 END"


def plan_ids(db: sqlite3.Connection) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT plan_id FROM merges ORDER BY plan_id")]


def periods(db: sqlite3.Connection, plan_id: Optional[str] = None) -> list[dict[str, Any]]:
    """Every recorded period (of `plan_id`, or of all plans), in time order, with its counts:
    ``submissions`` by status, ``tasks`` by status (``none``: no deciding report), ``indicators`` and
    ``targets`` by assessment."""
    where, args = ("WHERE m.plan_id = ?", (plan_id,)) if plan_id else ("", ())
    out = []
    for m in db.execute(f"SELECT m.*, p.title FROM merges m JOIN plans p ON p.id = m.plan {where}"
                        f" ORDER BY {_PERIOD_ORDER}", args):
        row = {k: m[k] for k in ("plan_id", "title", "fingerprint", "period", "period_kind", "merged_at",
                                 "tool_version", "files", "units", "submitted", "accepted", "errors", "warnings")}
        row["submissions"] = dict(db.execute(
            "SELECT status, count(*) FROM submissions WHERE merge = ? GROUP BY status ORDER BY status", (m["id"],)))
        row["tasks"] = dict(db.execute(
            "SELECT coalesce(status, 'none'), count(*) FROM results WHERE merge = ? AND kind = 'task'"
            " GROUP BY 1 ORDER BY 1", (m["id"],)))
        for kind in ("indicator", "target"):
            row[kind + "s"] = dict(db.execute(
                "SELECT assessment, count(*) FROM results WHERE merge = ? AND kind = ? GROUP BY 1 ORDER BY 1",
                (m["id"], kind)))
        out.append(row)
    return out


def item_series(db: sqlite3.Connection, item_id: str, plan_id: Optional[str] = None) -> list[dict[str, Any]]:
    """One task, indicator or target over every recorded period: the consolidated result (status and
    progress, or value, assessment and expected) and each reporting unit's answer."""
    where, args = ("AND m.plan_id = ?", (item_id, plan_id)) if plan_id else ("", (item_id,))
    out = []
    for r in db.execute(
            "SELECT m.id AS merge_id, m.plan_id, m.period, r.kind, r.task_id, r.status, r.progress, r.value,"
            " r.assessment, r.expected, r.source, r.disagreement, r.light FROM results r JOIN merges m ON m.id = r.merge"
            f" WHERE r.item_id = ? {where} ORDER BY {_PERIOD_ORDER}", args):
        row = dict(r)
        merge_id = row.pop("merge_id")
        row["disagreement"] = bool(row["disagreement"])
        row["reports"] = _dicts(db.execute(
            "SELECT unit, role, status, progress, value, work, problems, next_steps, note FROM answers"
            " WHERE merge = ? AND kind = ? AND item_id = ? ORDER BY role <> 'lead', unit", (merge_id, row["kind"], item_id)))
        out.append(row)
    return out


def year_end_results(db: sqlite3.Connection, plan_id: str) -> list[dict[str, Any]]:
    """The indicator results of every recorded period of `plan_id` that ends a year (a year, a second
    half, a fourth quarter), with the year: the input of the plan's evaluation (evaluation.py)."""
    return _dicts(db.execute(
        "SELECT CAST(substr(m.period_end, 1, 4) AS INTEGER) AS year, m.period, m.period_end, r.item_id, r.value,"
        " r.assessment FROM results r JOIN merges m ON m.id = r.merge"
        " WHERE m.plan_id = ? AND r.kind = 'indicator' AND substr(m.period_end, 6) = '12-31'"
        f" ORDER BY {_PERIOD_ORDER}", (plan_id,)))


def period_record(db: sqlite3.Connection, plan_id: str, period: str) -> Optional[dict[str, Any]]:
    """Everything recorded of one period (None when it is not recorded): the merge row, the plan as it
    was merged (``plan_json``), and the rows of submissions, input_files, problems, answers and
    results, each as a list of dicts in recorded order. recorded.restore() turns it back into the
    merge's Consolidation."""
    m = db.execute("SELECT m.*, p.plan_json FROM merges m JOIN plans p ON p.id = m.plan"
                   " WHERE m.plan_id = ? AND m.period = ?", (plan_id, period)).fetchone()
    if m is None:
        return None
    order = {"submissions": "position", "input_files": "position", "problems": "position",
             "answers": "rowid", "results": "rowid"}  # answers and results: in the order the merge wrote them
    out: dict[str, Any] = {"merge": dict(m)}
    for table, by in order.items():
        out[table] = _dicts(db.execute(f"SELECT * FROM {table} WHERE merge = ? ORDER BY {by}", (m["id"],)))
    return out


def latest_plan(db: sqlite3.Connection) -> Optional[str]:
    """The plan merged most recently (the default when the database holds several)."""
    row = db.execute("SELECT plan_id FROM merges ORDER BY merged_at DESC, id DESC LIMIT 1").fetchone()
    return row[0] if row else None


def latest_period(db: sqlite3.Connection, plan_id: str) -> Optional[str]:
    row = db.execute("SELECT period FROM merges WHERE plan_id = ? ORDER BY period_end DESC LIMIT 1",
                     (plan_id,)).fetchone()
    return row[0] if row else None


def plan_json(db: sqlite3.Connection, plan_id: str) -> Optional[str]:
    """The plan (as recorded with its latest merge) of `plan_id`, as JSON text."""
    row = db.execute("SELECT p.plan_json FROM merges m JOIN plans p ON p.id = m.plan WHERE m.plan_id = ?"
                     " ORDER BY m.period_end DESC LIMIT 1", (plan_id,)).fetchone()
    return row[0] if row else None


def unit_series(db: sqlite3.Connection, unit: str, plan_id: Optional[str] = None) -> list[dict[str, Any]]:
    """One unit's submissions over every recorded period (by unit name or id): status, file, the
    number of files that claimed it, and the problems of the return used or rejected."""
    where, args = ("AND m.plan_id = ?", (unit, unit, plan_id)) if plan_id else ("", (unit, unit))
    return _dicts(db.execute(
        "SELECT m.plan_id, m.period, s.unit, s.status, s.file, s.files, s.errors, s.warnings"
        " FROM submissions s JOIN merges m ON m.id = s.merge"
        f" WHERE (s.unit = ? OR s.unit_id = ?) {where} ORDER BY {_PERIOD_ORDER}", args))


def dump(db: sqlite3.Connection, *, skip: tuple[str, ...] = ("merges.merged_at",)) -> dict[str, list[tuple]]:
    """Every table's rows in a stable order, columns in `skip` (table.column) left out: for
    comparing two databases' contents."""
    out = {}
    for table in TABLES:
        cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if f"{table}.{r[1]}" not in skip]
        names = ", ".join(cols)
        out[table] = [tuple(r) for r in db.execute(f"SELECT {names} FROM {table} ORDER BY {names}")]
    return out


# Earlier periods, for the next period's returns and summary (read only) ------------------------------


def _before(db: sqlite3.Connection, plan_id: str, start: str) -> list[sqlite3.Row]:
    """The plan's recorded periods that ended before `start` (ISO date), latest first."""
    return db.execute(
        "SELECT m.id, m.period, m.period_end FROM merges m WHERE m.plan_id = ? AND m.period_end < ?"
        " ORDER BY m.period_end DESC, CASE m.period_kind WHEN 'quarter' THEN 0 WHEN 'half' THEN 1 ELSE 2 END",
        (plan_id, start)).fetchall()


def last_answers(db: sqlite3.Connection, plan_id: str, start: str) -> dict[str, dict[str, Any]]:
    """Each unit's last accepted answers before `start` (ISO date): by unit name,
    ``{"period": code, "answers": {item_id: answer row as dict}}``, from the latest period before
    `start` in which the unit's return was used."""
    out: dict[str, dict[str, Any]] = {}
    for m in _before(db, plan_id, start):
        for r in db.execute("SELECT unit, item_id, kind, role, status, progress, value, work, problems, next_steps,"
                            " note FROM answers WHERE merge = ? ORDER BY unit, kind, item_id", (m["id"],)):
            if r["unit"] in out and out[r["unit"]]["period"] != m["period"]:
                continue  # the unit has a later period
            entry = out.setdefault(r["unit"], {"period": m["period"], "answers": {}})
            entry["answers"][r["item_id"]] = dict(r)
    return out


def previous_period(db: sqlite3.Connection, plan_id: str, start: str) -> Optional[dict[str, Any]]:
    """The latest recorded period before `start` (ISO date), with what the summary compares against:
    ``results`` by (kind, item_id), ``submissions`` (unit -> status) and ``problem_codes`` (unit ->
    set of codes); None when there is none."""
    found = _before(db, plan_id, start)
    if not found:
        return None
    m = found[0]
    results = {(r["kind"], r["item_id"]): dict(r) for r in db.execute(
        "SELECT item_id, kind, task_id, status, progress, value, assessment, expected, light FROM results"
        " WHERE merge = ?",
        (m["id"],))}
    submissions = {r["unit"]: r["status"] for r in db.execute(
        "SELECT unit, status FROM submissions WHERE merge = ? ORDER BY position", (m["id"],))}
    codes: dict[str, set[str]] = {}
    for r in db.execute("SELECT unit, code FROM problems WHERE merge = ? AND unit IS NOT NULL", (m["id"],)):
        codes.setdefault(r["unit"], set()).add(r["code"])
    return {"period": m["period"], "results": results, "submissions": submissions, "problem_codes": codes}


def value_series(db: sqlite3.Connection, plan_id: str, start: str) -> dict[str, Any]:
    """Every indicator's and target's consolidated value, and where it should have been by then
    (序时进度), in each recorded period before `start` (ISO date), oldest first: ``{"periods": [code,
    ...], "values": {(kind, item_id): {code: value}}, "expected": {(kind, item_id): {code: expected}}}``."""
    periods_ = [m["period"] for m in reversed(_before(db, plan_id, start))]
    values: dict[tuple[str, str], dict[str, Optional[float]]] = {}
    expected: dict[tuple[str, str], dict[str, Optional[float]]] = {}
    for r in db.execute(
            "SELECT m.period, r.kind, r.item_id, r.value, r.expected FROM results r JOIN merges m ON m.id = r.merge"
            " WHERE m.plan_id = ? AND m.period_end < ? AND r.kind IN ('indicator', 'target')", (plan_id, start)):
        values.setdefault((r["kind"], r["item_id"]), {})[r["period"]] = r["value"]
        expected.setdefault((r["kind"], r["item_id"]), {})[r["period"]] = r["expected"]
    return {"periods": periods_, "values": values, "expected": expected}


def earlier_periods(path: Path, plan_id: str, start: str) -> Optional[dict[str, Any]]:
    """What the next period needs from the database at `path` (read only; None when the file is
    missing or holds no earlier period of the plan): ``last_answers``, ``previous`` and ``series``."""
    path = Path(path)
    if not _examine(path):
        return None
    with reading(path) as db:
        previous = previous_period(db, plan_id, start)
        if previous is None:
            return None
        return {"last_answers": last_answers(db, plan_id, start), "previous": previous,
                "series": value_series(db, plan_id, start),
                "year_end": [r for r in year_end_results(db, plan_id) if r["period_end"] < start]}
