"""Scale benchmark: generate and merge from a district (60 units) to a city (600), against library floors.

    python benchmarks/bench_scale.py                 # sizes 60, 200, 600
    python benchmarks/bench_scale.py --sizes 60      # one size
    python benchmarks/bench_scale.py --more          # also 2000 units

For each size it synthesizes a plan (benchmarks/synth.py: 4 tasks per unit, 2–5 units per task,
units/3 indicators), then runs each timed step in a fresh Python process (so peak RSS is the step's
own) and prints one table:

* generate (jobs=1 and jobs=auto): `xltool generate` in-process (plan load + master + returns);
* floor a: the same XlsxWriter calls generate makes (recorded untimed from generate's writers, then
  replayed on a real XlsxWriter workbook and timed): same workbooks, cells, formats, validations,
  protection, print setup, with none of xltool's logic;
* fill (not timed): every return filled with valid answers by benchmarks/fill.py (XML edit);
* merge (jobs=1 and jobs=auto): `xltool merge` in-process (read, check, consolidate, summary);
* floor b: python-calamine reading every cell of every sheet of every filled return;
* floor c: the summary workbook's XlsxWriter calls replayed (same sheets, rows, formats, charts);
* the ratio of each step to its floor (merge: to b + c). Floors are serial (one core); the
  jobs=auto rows may use both cores, so their ratio can drop below 1.

Peak RSS is the step process's VmHWM; "workers" is the largest pool worker (RUSAGE_CHILDREN).
Floor a's RSS includes its recording (about 0.5 KB per call: 0.8 GB for the 600-unit master, some
8 GB with --more), so it is not a floor; the 600-unit run takes about 10 minutes with --repeat 2.
Then the default plan end to end (`xltool generate` + `xltool merge` of its 48 filled returns as
commands, interpreter start included) and `xltool --help`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PERIOD = "2022Q4"


# ---------------------------------------------------------------------------------------------------
# Recording XlsxWriter calls (floors a and c)


class Handle:
    """Stands for an XlsxWriter object (workbook, worksheet, format, chart) while recording."""

    __slots__ = ("_rec", "_id")

    def __init__(self, rec: "Recorder", ident: int):
        self._rec = rec
        self._id = ident

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        rec, ident = self._rec, self._id

        def call(*args, **kwargs):
            return rec.record(ident, name, args, kwargs)

        return call


class Recorder:
    CREATORS = {"add_format", "add_worksheet", "add_chart", "add_chartsheet"}

    def __init__(self):
        self.calls: list[tuple] = []
        self.next_id = 1
        self.sheets: list[Handle] = []

    def record(self, target: int, method: str, args, kwargs):
        if method == "worksheets":
            return list(self.sheets)
        new_id = None
        result = None
        if method in self.CREATORS:
            new_id = self.next_id
            self.next_id += 1
            result = Handle(self, new_id)
            if method == "add_worksheet":
                self.sheets.append(result)
        self.calls.append((target, method, args, kwargs, new_id, _compile(args, kwargs)))
        return result


def _has_handle(value) -> bool:
    if isinstance(value, Handle):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_handle(v) for v in value)
    if isinstance(value, dict):
        return any(_has_handle(v) for v in value.values())
    return False


def _compile(args: tuple, kwargs: dict):
    """How to put real objects into a call's arguments: None (no handles), a list of (position,
    id) for handles among the positional arguments (formats: the common case), or "deep"."""
    if not (_has_handle(args) or _has_handle(kwargs)):
        return None
    if not _has_handle(kwargs) and all(isinstance(a, Handle) or not _has_handle(a) for a in args):
        return [(i, a._id) for i, a in enumerate(args) if isinstance(a, Handle)]
    return "deep"


def _resolve(value, objs):
    if isinstance(value, Handle):
        return objs[value._id]
    if isinstance(value, list):
        return [_resolve(v, objs) for v in value]
    if isinstance(value, tuple):
        return tuple(_resolve(v, objs) for v in value)
    if isinstance(value, dict):
        return {k: _resolve(v, objs) for k, v in value.items()}
    return value


def replay(path: str, options: dict, calls: list[tuple]) -> None:
    """The bare XlsxWriter script: make exactly the recorded calls on a real workbook."""
    import xlsxwriter.workbook

    objs = {0: xlsxwriter.workbook.Workbook(path, options)}  # the real class, even while patched
    for target, method, args, kwargs, new_id, how in calls:
        if how is not None:
            if how == "deep":
                args, kwargs = _resolve(args, objs), _resolve(kwargs, objs)
            else:
                args = list(args)
                for i, ident in how:
                    args[i] = objs[ident]
        result = getattr(objs[target], method)(*args, **kwargs)
        if new_id is not None:
            objs[new_id] = result
    objs[0].close()


class FloorTimer:
    """Patches xlsxwriter.Workbook: every workbook xltool writes is recorded, and on close replayed
    (timed) to a real file."""

    def __init__(self):
        self.seconds = 0.0
        self.workbooks = 0
        self.each: list[float] = []  # seconds per workbook, in the order written

    def __enter__(self):
        import xlsxwriter

        timer = self

        class RecordingWorkbook(Handle):  # no __slots__: has a __dict__ for its own state
            def __init__(self, path, options=None):
                Handle.__init__(self, Recorder(), 0)
                self.path = path
                self.options = dict(options or {})

            def close(self):
                # The recording (1.5 million calls for a 600-unit master) is not part of a bare
                # script: keep the cyclic GC from walking it again and again during the replay.
                gc.collect()
                gc.freeze()
                t = time.perf_counter()
                replay(self.path, self.options, self._rec.calls)
                spent = time.perf_counter() - t
                gc.unfreeze()
                timer.seconds += spent
                timer.workbooks += 1
                timer.each.append(spent)

        self._saved = xlsxwriter.Workbook
        xlsxwriter.Workbook = RecordingWorkbook
        return self

    def __exit__(self, *exc):
        import xlsxwriter

        xlsxwriter.Workbook = self._saved


# ---------------------------------------------------------------------------------------------------
# Steps, each run in a fresh process: print one JSON line {seconds, rss_mb, workers_mb, ...}


def _rss() -> tuple[float, float]:
    peak = 0.0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return peak, workers


def _warm_imports() -> None:
    """Import what every step needs before its clock starts (the floors import their library too)."""
    import python_calamine  # noqa: F401
    import xlsxwriter  # noqa: F401

    import xltoolkit.cli  # noqa: F401
    import xltoolkit.generate  # noqa: F401
    import xltoolkit.merge  # noqa: F401
    import xltoolkit.plans  # noqa: F401
    import xltoolkit.writing.master  # noqa: F401
    import xltoolkit.writing.returns  # noqa: F401
    import xltoolkit.writing.summary  # noqa: F401
    from xltoolkit.labels import get_labels

    get_labels()


def _cli(args: list[str]) -> int:
    from xltoolkit.cli import main

    try:
        main(args, standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except Exception as exc:  # click.exceptions.Exit
        code = getattr(exc, "exit_code", None)
        if code is None:
            raise
        return code
    return 0


def step_generate(work: Path, jobs: str) -> dict:
    """What `xltool generate --plan plan.json --force --jobs N` does (plan load included), through the
    API so that the serial run can also time the master and the returns apart."""
    from xltoolkit.generate import generate
    from xltoolkit.labels import get_labels
    from xltoolkit.model import Period
    from xltoolkit.plans import load_plan

    out = work / f"gen_{jobs}"
    marks: list[float] = []
    t = time.perf_counter()
    plan = load_plan(str(work / "plan.json"))
    result = generate(plan, Period.parse(PERIOD), out, labels=get_labels(), force=True,
                      jobs=None if jobs == "auto" else int(jobs),
                      progress=lambda n, total, name: marks.append(time.perf_counter()) if n == 1 else None)
    end = time.perf_counter()
    seconds = end - t
    data = {"seconds": seconds, "returns": len(result.returns)}
    if jobs == "1":  # serial: the master is written first
        data["master"] = marks[0] - t
        data["returns_s"] = end - marks[0]
    return data


def step_floor_a(work: Path) -> dict:
    from xltoolkit.generate import generate
    from xltoolkit.labels import get_labels
    from xltoolkit.model import Period
    from xltoolkit.plans import load_plan

    plan = load_plan(str(work / "plan.json"))
    with FloorTimer() as timer:
        generate(plan, Period.parse(PERIOD), work / "floor_a", labels=get_labels(), force=True, jobs=1)
    written = len(list((work / "floor_a").rglob("*.xlsx")))
    assert written == timer.workbooks, (written, timer.workbooks)
    return {"seconds": timer.seconds, "workbooks": timer.workbooks, "master": timer.each[0],
            "returns_s": sum(timer.each[1:])}


def step_merge(work: Path, jobs: str) -> dict:
    t = time.perf_counter()
    code = _cli(["merge", str(work / "filled"), "--plan", str(work / "plan.json"), "--period", PERIOD,
                 "--out", str(work / f"summary_{jobs}.xlsx"), "--json", str(work / f"merge_{jobs}.json"),
                 "--jobs", jobs, "--no-db"])
    seconds = time.perf_counter() - t
    data = json.loads((work / f"merge_{jobs}.json").read_text(encoding="utf-8"))
    errors = sum(1 for i in data["issues"] if i["severity"] == "error")
    ok = sum(1 for s in data["submissions"] if s["status"] == "ok")
    return {"seconds": seconds, "exit": code, "errors": errors, "ok": ok}


def step_floor_b(work: Path) -> dict:
    from python_calamine import CalamineWorkbook

    files = sorted((work / "filled").glob("*.xlsx"))
    t = time.perf_counter()
    cells = 0
    for f in files:
        wb = CalamineWorkbook.from_path(str(f))
        for name in wb.sheet_names:
            for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False):
                cells += len(row)
    return {"seconds": time.perf_counter() - t, "cells": cells}


def step_floor_c(work: Path) -> dict:
    import datetime as dt

    from xltoolkit.consolidation import consolidate
    from xltoolkit.labels import get_labels
    from xltoolkit.merge import check_files, collect_inputs, read_inputs
    from xltoolkit.model import Period
    from xltoolkit.plans import load_plan
    from xltoolkit.writing.summary import write_summary

    labels = get_labels()
    plan = load_plan(str(work / "plan.json"))
    period = Period.parse(PERIOD)
    files = read_inputs(collect_inputs([work / "filled"]), labels)
    c = consolidate(plan, period, check_files(files, plan, period, labels, jobs=1))
    del files
    with FloorTimer() as timer:
        write_summary(str(work / "floor_c.xlsx"), c, labels, dt.datetime.now().isoformat(sep=" "))
    return {"seconds": timer.seconds}


def run_step(step: str, work: Path, jobs: str) -> None:
    _warm_imports()
    if step == "generate":
        result = step_generate(work, jobs)
    elif step == "merge":
        result = step_merge(work, jobs)
    else:
        result = {"floor_a": step_floor_a, "floor_b": step_floor_b, "floor_c": step_floor_c}[step](work)
    result["rss_mb"], result["workers_mb"] = _rss()
    print("RESULT " + json.dumps(result))


REPEAT = 1  # --repeat: each timed step runs this many times; the fastest run counts (noisy machines)


def child(step: str, work: Path, jobs: str = "1") -> dict:
    runs = [_child_once(step, work, jobs) for _ in range(REPEAT)]
    best = min(runs, key=lambda r: r["seconds"])
    best["rss_mb"] = max(r["rss_mb"] for r in runs)
    best["workers_mb"] = max(r["workers_mb"] for r in runs)
    return best


def _child_once(step: str, work: Path, jobs: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--step", step, "--work", str(work), "--jobs", jobs],
                          capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"step {step} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


# ---------------------------------------------------------------------------------------------------
# The table


def fill_returns(work: Path) -> tuple[int, float]:
    from fill import fill_all

    from xltoolkit.labels import get_labels
    from xltoolkit.model import Period
    from xltoolkit.plans import load_plan

    plan = load_plan(str(work / "plan.json"))
    returns = sorted((work / "gen_auto" / "returns").glob("*.xlsx"))
    t = time.perf_counter()
    fill_all(returns, work / "filled", plan, Period.parse(PERIOD), get_labels())
    return len(returns), time.perf_counter() - t


def bench_size(units: int, root: Path, rows: list[list[str]]) -> None:
    from synth import synth_plan

    work = root / f"units{units}"
    work.mkdir(parents=True, exist_ok=True)
    data = synth_plan(units)
    (work / "plan.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tasks = sum(len(c["tasks"]) for c in data["chapters"])
    size = f"{units} units / {tasks} tasks"
    log = lambda msg: print(f"  [{units}] {msg}", file=sys.stderr, flush=True)  # noqa: E731

    g1 = child("generate", work, "1")
    log(f"generate jobs=1 {g1['seconds']:.2f} s")
    ga = child("generate", work, "auto")
    log(f"generate jobs=auto {ga['seconds']:.2f} s")
    fa = child("floor_a", work)
    log(f"floor a {fa['seconds']:.2f} s")
    n, fill_s = fill_returns(work)
    log(f"filled {n} returns in {fill_s:.2f} s (not timed)")
    m1 = child("merge", work, "1")
    log(f"merge jobs=1 {m1['seconds']:.2f} s")
    ma = child("merge", work, "auto")
    log(f"merge jobs=auto {ma['seconds']:.2f} s")
    fb = child("floor_b", work)
    fc = child("floor_c", work)
    log(f"floors b {fb['seconds']:.2f} s, c {fc['seconds']:.2f} s")
    if m1["errors"] or m1["ok"] != n:
        log(f"WARNING: merge found {m1['errors']} errors, {m1['ok']} of {n} returns ok")
    merge_floor = fb["seconds"] + fc["seconds"]

    def row(step, r, floor=None, key="seconds", per_return=True, rss=True):
        secs = r[key]
        ratio = f"{secs / floor:.2f}" if floor else "—"
        workers = r.get("workers_mb", 0)
        rows.append([size, step, f"{secs:.2f}", f"{1000 * secs / n:.1f}" if per_return else "—", ratio,
                     f"{r['rss_mb']:.0f}" if rss else "", f"{workers:.0f}" if rss and workers > 5 else "—"])

    row("generate (jobs=1)", g1, fa["seconds"])
    row("· master workbook", g1, fa["master"], key="master", per_return=False, rss=False)
    row("· returns", g1, fa["returns_s"], key="returns_s", rss=False)
    row("generate (jobs=auto)", ga, fa["seconds"])
    row("floor a: XlsxWriter, same calls", fa)
    row("· master workbook", fa, key="master", per_return=False, rss=False)
    row("· returns", fa, key="returns_s", rss=False)
    row("merge (jobs=1)", m1, merge_floor)
    row("merge (jobs=auto)", ma, merge_floor)
    row("floor b: calamine, every cell", fb)
    row("floor c: XlsxWriter, summary", fc)


def _xltool() -> list[str]:
    exe = shutil.which("xltool")
    return [exe] if exe else [sys.executable, "-m", "xltoolkit.cli"]


def _wall(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=False, capture_output=True)
    return time.perf_counter() - t


def bench_default(root: Path) -> list[str]:
    """The bundled plan end to end as commands: generate, fill (not timed), merge; and --help."""
    from fill import fill_all

    from xltoolkit.labels import get_labels
    from xltoolkit.model import Period
    from xltoolkit.plans import load_plan

    work = root / "default"
    work.mkdir(parents=True, exist_ok=True)
    xl = _xltool()
    gen = _wall([*xl, "generate", "--period", PERIOD, "--out", "gen", "--force"], work)
    returns = sorted((work / "gen" / "returns").glob("*.xlsx"))
    fill_all(returns, work / "filled", load_plan(), Period.parse(PERIOD), get_labels())
    merge = _wall([*xl, "merge", "filled", "--out", "summary.xlsx"], work)
    helps = sorted(_wall([*xl, "--help"], work) for _ in range(5))
    return [f"default plan ({len(returns)} returns): generate {gen:.2f} s + merge {merge:.2f} s = "
            f"{gen + merge:.2f} s end to end (commands, interpreter start included)",
            f"xltool --help: {statistics.median(helps):.3f} s (median of 5)"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="60,200,600", help="comma-separated unit counts (default 60,200,600)")
    ap.add_argument("--more", action="store_true", help="also run 2000 units")
    ap.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary folder, deleted)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--repeat", type=int, default=1, help="run each timed step N times, keep the fastest")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--jobs", default="1", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        run_step(args.step, args.work, args.jobs)
        return
    global REPEAT
    REPEAT = max(1, args.repeat)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.more:
        sizes.append(2000)
    root = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="xltool-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    rows: list[list[str]] = []
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
          f"at start; work folder {root}", file=sys.stderr)
    try:
        for units in sizes:
            bench_size(units, root, rows)
            if not args.keep:
                shutil.rmtree(root / f"units{units}", ignore_errors=True)
        extra = bench_default(root)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    head = ["size", "step", "wall s", "ms/return", "ratio to floor", "peak RSS MB", "workers MB"]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    print()
    for line in extra:
        print(line)
    print(f"(best of {REPEAT} run(s) per step; load average {os.getloadavg()[0]:.2f} at the end)")


if __name__ == "__main__":
    main()
