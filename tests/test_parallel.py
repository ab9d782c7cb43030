"""The process-pool paths of generate and merge give exactly what the serial paths give."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltoolkit.cli import main
from xltoolkit.generate import PARALLEL_THRESHOLD, generate, resolve_jobs
from xltoolkit.merge import (MergeOptions, MergeRequest, SummaryOutput, collect_inputs, merge, read_inputs,
                             scan_inputs, to_json)
from xltoolkit.model import Period
from xltoolkit.plans import plan_from_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from fill import fill_all  # noqa: E402  (the benchmark's fast filler)
from synth import synth_plan  # noqa: E402

PERIOD = Period.parse("2022Q4")
NOW = dt.datetime(2023, 1, 10, 9, 30)


@pytest.fixture(scope="module")
def plan():
    return plan_from_data(synth_plan(14), "<synth 14>")


@pytest.fixture(scope="module")
def outputs(plan, labels, tmp_path_factory):
    """The same plan generated serially and with two workers; the returns filled once."""
    root = tmp_path_factory.mktemp("parallel")
    secret = b"\x01" * 32  # one office secret for both: identity tokens are keyed by it
    serial = generate(plan, PERIOD, root / "serial", labels=labels, now=NOW, jobs=1, secret=secret)
    pooled = generate(plan, PERIOD, root / "pooled", labels=labels, now=NOW, jobs=2, secret=secret)
    filled = root / "filled"
    fill_all(sorted(serial.returns), filled, plan, PERIOD, labels)
    (filled / "empty.xlsx").write_bytes(b"")  # a file that cannot be read
    (filled / "~$lock.xlsx").write_bytes(b"lock")  # an Office lock file
    return root, serial, pooled, filled


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}  # core.xml: creation time


def test_resolve_jobs():
    cores = os.cpu_count() or 1
    assert resolve_jobs(None, PARALLEL_THRESHOLD - 1) == 1
    assert resolve_jobs(None, PARALLEL_THRESHOLD) == min(cores, PARALLEL_THRESHOLD)
    assert resolve_jobs(1, 500) == 1
    assert resolve_jobs(4, 3) == 3
    assert resolve_jobs(2, 0) == 1


def test_generate_parallel_writes_the_same_files(outputs):
    root, serial, pooled, _ = outputs
    assert [p.name for p in serial.returns] == [p.name for p in pooled.returns]
    assert len(serial.returns) == 14 and serial.master.name == pooled.master.name
    for a, b in [(serial.master, pooled.master), *zip(serial.returns, pooled.returns)]:
        assert _parts(a) == _parts(b), a.name


def test_generate_parallel_keeps_filled_files(outputs, plan, labels, tmp_path):
    """Filled returns are kept by the workers exactly as by the serial path."""
    root, serial, _, filled = outputs
    out = tmp_path / "again"
    (out / "returns").mkdir(parents=True)
    kept_name = serial.returns[3].name
    (out / "returns" / kept_name).write_bytes((filled / kept_name).read_bytes())
    result = generate(plan, PERIOD, out, labels=labels, now=NOW, jobs=2)
    assert [(p.name, "已填写" in why) for p, why in result.kept] == [(kept_name, True)]
    assert len(result.returns) == 13 and result.master is not None


def test_merge_parallel_gives_the_same_result(outputs, plan, labels):
    root, _, _, filled = outputs
    results = {}
    for jobs in (1, 2):
        files = scan_inputs(collect_inputs([filled]), labels)
        out = root / f"summary_{jobs}.xlsx"
        outcome = merge(MergeRequest(plan, PERIOD, files, MergeOptions(jobs=jobs, now=NOW)), [SummaryOutput(out)], labels)
        results[jobs] = (to_json(outcome.consolidation), _sheet_values(out), outcome.consolidation)
    assert results[1][0] == results[2][0]
    assert results[1][1] == results[2][1]
    c = results[2][2]
    assert [s.status for s in c.submissions].count("ok") == 14
    assert {p.code for p in c.problems} == {"FILE_EMPTY", "FILE_LOCK_SKIPPED"}
    # Units put back from worker results are the plan's own objects.
    assert all(r.unit is None or r.unit is plan.unit(r.unit.name) for r in c.results)


def test_lean_scan_matches_full_read(outputs, plan, labels):
    """Checking files read one at a time (scan_inputs) equals checking fully read files (read_inputs)."""
    root, _, _, filled = outputs
    inputs = collect_inputs([filled])
    lean = merge(MergeRequest(plan, PERIOD, scan_inputs(inputs, labels), MergeOptions(jobs=1, now=NOW)),
                 [SummaryOutput(root / "lean.xlsx")], labels)
    full = merge(MergeRequest(plan, PERIOD, read_inputs(inputs, labels), MergeOptions(jobs=1, now=NOW)),
                 [SummaryOutput(root / "full.xlsx")], labels)
    assert to_json(lean.consolidation) == to_json(full.consolidation)
    assert [f.meta.unit_name for f in scan_inputs(inputs, labels) if f.meta] == \
        [f.raw.meta.unit_name for f in read_inputs(inputs, labels) if f.raw and f.raw.meta]


def test_cli_jobs_option(outputs, tmp_path):
    root, _, _, filled = outputs
    runner = CliRunner()
    bad = runner.invoke(main, ["merge", str(filled), "--jobs", "0"])
    assert bad.exit_code == 2 and "--jobs" in bad.output
    outs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"m{jobs}.json"
        res = runner.invoke(main, ["merge", str(filled), "--plan", str(_plan_file(tmp_path)), "--jobs", jobs,
                                   "--out", str(tmp_path / f"m{jobs}.xlsx"), "--json", str(out)])
        assert res.exit_code == 1, res.output  # the empty file is an error
        outs[jobs] = json.loads(out.read_text(encoding="utf-8"))
    assert outs["1"] == outs["2"]


def _plan_file(folder: Path) -> Path:
    path = folder / "plan.json"
    path.write_text(json.dumps(synth_plan(14), ensure_ascii=False), encoding="utf-8")
    return path


def _sheet_values(path: Path) -> dict[str, list]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}
