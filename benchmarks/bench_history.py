"""History at scale: the cost of recording a merge, and queries over a 20-period history (prints figures).

For each size (default 60 and 600 units, the plan synthesizer of bench_scale): generate, fill every
return, then measure in this process (best of `--repeat`):

* merge with `--no-db` and with `--db` (the same command, the database being the only difference);
* recording 20 periods (2021Q1 … 2025Q4) of that consolidation, one transaction each;
* `item_series` for one task over the 20 periods, and `xltool history ITEM_ID` as a whole command;
* the database's size.

    .venv/bin/python benchmarks/bench_history.py            # --sizes 60,600 --repeat 3
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PERIOD = "2022Q4"
PERIODS = [f"{y}Q{q}" for y in range(2021, 2026) for q in range(1, 5)]


def _merge(work: Path, extra: list[str]) -> float:
    from click.testing import CliRunner

    from xltoolkit.cli import main

    t = time.perf_counter()
    r = CliRunner().invoke(main, ["merge", str(work / "filled"), "--plan", str(work / "plan.json"), "--period",
                                  PERIOD, "--out", str(work / "s.xlsx"), "--jobs", "1", *extra])
    seconds = time.perf_counter() - t
    assert r.exit_code in (0, 1), r.output
    return seconds


def bench(units: int, root: Path, repeat: int) -> list[str]:
    from fill import fill_all
    from synth import synth_plan

    from xltoolkit import history
    from xltoolkit.consolidation import consolidate
    from xltoolkit.generate import generate
    from xltoolkit.labels import get_labels
    from xltoolkit.merge import check_files, collect_inputs, scan_inputs
    from xltoolkit.model import Period
    from xltoolkit.plans import load_plan

    work = root / f"u{units}"
    work.mkdir(parents=True)
    (work / "plan.json").write_text(json.dumps(synth_plan(units), ensure_ascii=False), encoding="utf-8")
    plan, labels, period = load_plan(str(work / "plan.json")), get_labels(), Period.parse(PERIOD)
    gen = generate(plan, period, work / "gen", labels=labels)
    fill_all(sorted(gen.returns), work / "filled", plan, period, labels)
    no_db = min(_merge(work, ["--no-db"]) for _ in range(repeat))
    with_db = min(_merge(work, ["--db", str(work / f"m{n}.db")]) for n in range(repeat))
    files = scan_inputs(collect_inputs([work / "filled"]), labels, need_meta=False)
    c = consolidate(plan, period, check_files(files, plan, period, labels, jobs=1))
    db = work / "h.db"
    t = time.perf_counter()
    for code in PERIODS:
        history.record(db, dataclasses.replace(c, period=Period.parse(code)), "2026-12-01 00:00:00")
    record_s = (time.perf_counter() - t) / len(PERIODS)
    task = plan.tasks[0].id
    with history.reading(db) as conn:
        t = time.perf_counter()
        for _ in range(20):
            series = history.item_series(conn, task)
        query_ms = (time.perf_counter() - t) / 20 * 1000
    assert len(series) == len(PERIODS)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xltoolkit.cli", "history", task, "--db", str(db)], check=True,
                   capture_output=True)
    command_s = time.perf_counter() - t
    size_mb = db.stat().st_size / 1e6
    return [f"{units} units / {len(plan.tasks)} tasks / {len(gen.returns)} returns", f"{no_db:.2f}",
            f"{with_db:.2f}", f"{with_db / no_db:.2f}", f"{record_s * 1000:.0f}", f"{query_ms:.1f}",
            f"{command_s:.2f}", f"{size_mb:.1f}"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="60,600")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="xltool-bench-history-"))
    rows = []
    try:
        for units in (int(s) for s in args.sizes.split(",")):
            rows.append(bench(units, root, args.repeat))
            print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    head = ["size", "merge --no-db s", "merge --db s", "ratio", "record ms/period", "history query ms",
            "xltool history s", "db MB (20 periods)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
