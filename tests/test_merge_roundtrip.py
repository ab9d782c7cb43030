"""The whole loop with real files: generate -> departments fill (openpyxl, LibreOffice UNO, LibreOffice
re-save) -> merge -> every filled value comes back exactly, JSON and workbook agree, inputs untouched."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import cli_output
from filler import answers, fill_libreoffice, fill_openpyxl, resave_libreoffice, soffice_available
from xltoolkit.cli import main
from xltoolkit.model import Period
from xltoolkit.reading import read_return

PERIOD = Period.parse("2022Q4")
MISSING = ("区司法局", "区法院", "区检察院")  # units that do not report
VIA_UNO = ("区发改局", "区卫健局")  # typed through LibreOffice
VIA_RESAVE = ("区教育局",)  # filled with openpyxl, then re-saved by LibreOffice
HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "=cmd|'/c calc'!A1", "+1+2", "@SUM(A1)", "-3+4"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def loop(plan14, labels, generated14, tmp_path_factory):
    if not soffice_available():
        import os

        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice, /usr/bin/python3 with uno) is required in CI")
        pytest.skip("LibreOffice not installed")
    plan, gen = plan14, generated14
    root = tmp_path_factory.mktemp("loop")
    inbox = root / "inbox"
    inbox.mkdir()
    typed = {}
    hostile_cells = {}
    for seed, src in enumerate(gen.returns):
        raw = read_return(src, labels)
        unit = raw.meta.unit_name
        if unit in MISSING:
            continue
        a = answers(raw, plan, PERIOD, labels, seed=seed)
        task_rows = [r for r in raw.rows if r.form == "tasks"]
        if task_rows and len(hostile_cells) < len(HOSTILE):
            text = HOSTILE[len(hostile_cells)]
            row = task_rows[0]
            a.cells[row.values["next_steps"].ref] = text
            a.items[(row.item_id, "next_steps")] = text
            hostile_cells[unit] = (row.item_id, text)
        dst = inbox / src.name
        if unit in VIA_UNO:
            fill_libreoffice(src, dst, a)
        elif unit in VIA_RESAVE:
            staged = root / "staged" / src.name
            staged.parent.mkdir(exist_ok=True)
            fill_openpyxl(src, staged, a)
            resaved = resave_libreoffice(staged, root / "resaved")
            shutil.copy(resaved, dst)
        else:
            fill_openpyxl(src, dst, a)
        typed[unit] = a
    hashes = {p: sha(p) for p in inbox.iterdir()}
    out = root / "summary.xlsx"
    json_path = root / "result.json"
    run = CliRunner().invoke(main, ["merge", str(inbox), "--out", str(out), "--json", str(json_path),
                                    "--feedback", str(root / "feedback")])
    return {"plan": plan, "labels": labels, "typed": typed, "run": run, "out": out,
            "json": json.loads(json_path.read_text(encoding="utf-8")), "hashes": hashes,
            "hostile": hostile_cells, "root": root}


pytestmark = pytest.mark.office


def test_merge_exit_code_and_closing_line(loop):
    run = loop["run"]
    assert run.exit_code == 0, run.output
    assert "Traceback" not in run.output
    done = cli_output.fields(run.output, loop["labels"], "cli_merge.done")
    assert done is not None, run.output
    assert (done["missing"], done["errors"]) == (str(len(MISSING)), "0")


def test_every_filled_value_is_recovered(loop):
    data, typed = loop["json"], loop["typed"]
    tasks = {(r["unit"], t["id"]): r for t in data["tasks"] for r in t["reports"]}
    inds = {(r["unit"], i["id"]): r for i in data["indicators"] for r in i["reports"]}
    targets = {(r["unit"], t["id"]): r for t in data["targets"] for r in t["reports"]}
    json_key = {"status": "status", "progress": "progress", "work": "text", "problems": "problems",
                "next_steps": "next_steps", "actual": "value", "note": "note"}
    filled = recovered = 0
    mismatches = []
    for unit, a in typed.items():
        for (item_id, key), value in a.items.items():
            report = (targets if "-" in item_id else tasks if item_id.startswith("T") else inds)[(unit, item_id)]
            got = report[json_key[key]]
            filled += 1
            if got == value or (isinstance(value, (int, float)) and got is not None and abs(got - value) < 1e-9):
                recovered += 1
            else:
                mismatches.append((unit, item_id, key, value, got))
    print(f"\nround trip: {recovered}/{filled} values recovered")
    assert mismatches == []
    assert filled > 400


def test_statuses_missing_units_and_header(loop):
    data = loop["json"]
    statuses = {s["unit"]: s["status"] for s in data["submissions"]}
    assert {u for u, s in statuses.items() if s == "missing"} == set(MISSING)
    assert all(s == "ok" for u, s in statuses.items() if u not in MISSING)
    assert len(statuses) == len(loop["plan"].reporting_units)


def test_hostile_text_stays_text_in_the_summary(loop):
    wb = openpyxl.load_workbook(loop["out"])
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.data_type == "s" and isinstance(c.value, str)}
    formulas = [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    for unit, (item_id, text) in loop["hostile"].items():
        assert any(text in t for t in texts), text


def test_json_agrees_with_the_workbook(loop):
    data, labels = loop["json"], loop["labels"]
    wb = openpyxl.load_workbook(loop["out"], read_only=True)
    ws = wb[labels["summary_book.sheets.submissions"]]
    status_text = {labels["submission." + s["status"]] for s in data["submissions"]}
    cells = {c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    for s in data["submissions"]:
        assert s["unit"] in cells
    assert status_text <= cells
    detail = wb[labels["summary_book.sheets.detail"]]
    rows = sum(1 for _ in detail.iter_rows(values_only=True)) - 1
    expected = sum(len(i.units) for i in loop["plan"].indicators) + sum(len(t.units) for t in loop["plan"].tasks)
    assert rows == expected


def test_inputs_untouched_and_no_feedback_for_clean_returns(loop):
    for path, digest in loop["hashes"].items():
        assert sha(path) == digest, path
    assert not list((loop["root"] / "feedback").glob("*.xlsx"))


def test_libreoffice_files_keep_their_identity(loop):
    labels = loop["labels"]
    for unit in (*VIA_UNO, *VIA_RESAVE):
        path = next(p for p in (loop["root"] / "inbox").iterdir() if p.stem.endswith(unit))
        raw = read_return(path, labels)
        assert raw.meta is not None and raw.meta.unit_name == unit and raw.meta_source == "sheet"


def test_broken_return_gives_exit_1_summary_and_feedback(loop, tmp_path):
    labels = loop["labels"]
    inbox = tmp_path / "inbox"
    shutil.copytree(loop["root"] / "inbox", inbox)
    victim = next(p for p in inbox.iterdir() if p.stem.endswith("区科经局"))
    raw = read_return(victim, labels)
    status_cell = next(r for r in raw.rows if r.form == "tasks").values["status"].ref
    wb = openpyxl.load_workbook(victim)
    wb[raw.unit_sheet][status_cell] = "进行中"
    wb.save(victim)
    before = sha(victim)
    out = tmp_path / "s.xlsx"
    run = CliRunner().invoke(main, ["merge", str(inbox), "--out", str(out), "--feedback", str(tmp_path / "fb")])
    assert run.exit_code == 1, run.output
    assert f"{victim.name}] 区科经局!{status_cell}" in run.output
    assert cli_output.problems(run.output, loop["labels"]) == [("error", "VALUE_STATUS_INVALID")]
    assert out.exists() and sha(victim) == before
    feedback = list((tmp_path / "fb").glob("*.xlsx"))
    assert len(feedback) == 1
    fb = openpyxl.load_workbook(feedback[0])
    assert fb[raw.unit_sheet][status_cell].comment is not None
