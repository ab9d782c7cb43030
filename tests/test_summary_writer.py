"""The summary workbook (writing/summary.py) and the feedback copy (writing/feedback.py), end to end:
generate returns, fill a few with openpyxl (one hostile, one with errors), read, validate, consolidate,
write, then read the outputs back (openpyxl, the zip, LibreOffice)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from xltoolkit.consolidation import consolidate
from xltoolkit.generate import output_paths
from xltoolkit.model import Period
from xltoolkit.plans import fingerprint
from xltoolkit.reading import ReturnFileError, read_return
from xltoolkit.validation import file_failure, validate_return
from xltoolkit.writing.feedback import FEEDBACK_FILL, write_feedback
from xltoolkit.writing.summary import problem_text, write_summary

UNO_TOOL = Path(__file__).parent / "office" / "uno_tool.py"
PERIOD = Period.parse("2022Q4")
HOSTILE = '=HYPERLINK("http://x","y")'
HOSTILE_TEXTS = ["=cmd|'/c calc'!A1", "+1", "@SUM(A1)", "=1+1"]
GENERATED_AT = "2023-01-10 09:30:00"

GOOD = "区发改局"  # every value valid, hostile texts in free-text cells
BAD = "区科经局"  # one invalid status, one lagging lead task, a locked cell edited to "=1+1"
SMALL = "区教育局"  # valid
NO_SHEET = "区金融局"  # unit sheet deleted -> rejected
TWICE = "区城管局"  # two copies -> duplicate
INVALID_STATUS = "进行中"


def need_office() -> None:
    if shutil.which("soffice") is None or not Path("/usr/bin/python3").exists():
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) and /usr/bin/python3 are required on CI")
        pytest.skip("LibreOffice (soffice) not available")


def fill(src: Path, dst: Path, labels, *, statuses: dict, texts: dict = None, locked: dict = None) -> None:
    """Type answers into a generated return with openpyxl, text kept as text (even "=...").

    statuses: task id -> status (or an invalid text); texts: (item id, column key) -> value.
    """
    raw = read_return(src, labels)
    wb = openpyxl.load_workbook(src)
    ws = wb[raw.unit_sheet]

    def type_in(ref, value):
        ws[ref].value = value
        if isinstance(value, str):
            ws[ref].data_type = "s"

    for key, value in {"reporter": "张三", "phone": "027-87654321", "date": dt.datetime(2022, 12, 31),
                       "reviewer": "李四"}.items():
        type_in(raw.header[key].ref, value)
    texts = texts or {}
    choices = labels["status"]
    for n, row in enumerate(raw.rows):
        if row.form == "tasks":
            status = statuses.get(row.item_id, choices["on_track"])
            progress = {choices["done"]: 100, choices["not_started"]: 0}.get(status, 40 + n)
            values = {"status": status, "progress": progress, "work": f"{row.item_id} 本期完成工作。",
                      "problems": "资金到位慢" if status == choices["lagging"] else "",
                      "next_steps": f"{row.item_id} 下期继续推进"}
        else:
            values = {"actual": 50 + n, "note": f"{row.item_id} 初步统计数"}
        values.update({k: v for (item, k), v in texts.items() if item == row.item_id})
        for key, value in values.items():
            if value != "":
                type_in(row.values[key].ref, value)
    for (item, key), value in (locked or {}).items():
        type_in(next(r for r in raw.rows if r.item_id == item).values[key].ref, value)
    wb.save(dst)


@pytest.fixture(scope="module")
def built(plan14, labels, generated14, tmp_path_factory):
    """Everything the tests look at: plan, labels, results, consolidation, summary path."""
    plan = plan14
    base = tmp_path_factory.mktemp("summary")
    _, blank = output_paths(plan, PERIOD, generated14.out_dir, labels)  # the shared generation: read only
    filled = base / "filled"
    filled.mkdir()
    s = labels["status"]
    good_tasks = [t.id for t in plan.items_for(GOOD)[1]]
    good_inds = [i.id for i in plan.items_for(GOOD)[0]]
    bad_tasks = [t.id for t in plan.items_for(BAD)[1]]
    lagging_task = next(t.id for t in plan.items_for(BAD)[1] if BAD in t.lead_units)
    invalid_task = next(t for t in bad_tasks if t != lagging_task)
    files = {}
    files[GOOD] = filled / blank[GOOD].name
    fill(blank[GOOD], files[GOOD], labels, statuses={good_tasks[1]: s["done"]},
         texts={(good_tasks[0], "work"): HOSTILE, (good_tasks[0], "problems"): "+1",
                (good_tasks[0], "next_steps"): "@SUM(A1)", (good_inds[0], "note"): "=cmd|'/c calc'!A1"})
    files[BAD] = filled / blank[BAD].name
    fill(blank[BAD], files[BAD], labels, statuses={lagging_task: s["lagging"], invalid_task: INVALID_STATUS},
         locked={(bad_tasks[-1], "title"): "=1+1"})
    files[SMALL] = filled / blank[SMALL].name
    fill(blank[SMALL], files[SMALL], labels, statuses={})
    files[NO_SHEET] = filled / blank[NO_SHEET].name
    fill(blank[NO_SHEET], files[NO_SHEET], labels, statuses={})
    wb = openpyxl.load_workbook(files[NO_SHEET])
    del wb[read_return(files[NO_SHEET], labels).unit_sheet]
    wb.save(files[NO_SHEET])
    files[TWICE] = filled / blank[TWICE].name
    fill(blank[TWICE], files[TWICE], labels, statuses={})
    copy = filled / ("copy_" + blank[TWICE].name)
    shutil.copy(files[TWICE], copy)
    junk = filled / "notes.xlsx"
    junk.write_text("not a workbook", encoding="utf-8")

    fp = fingerprint(plan)
    results = []
    for path in [*files.values(), copy, junk]:
        try:
            raw = read_return(path, labels)
        except ReturnFileError as exc:
            results.append(file_failure(str(path), path.name, exc, labels))
            continue
        results.append(validate_return(raw, plan, PERIOD, fp, labels, display=path.name))
    c = consolidate(plan, PERIOD, results, labels)
    out = base / "summary.xlsx"
    write_summary(str(out), c, labels, GENERATED_AT)
    return {"plan": plan, "labels": labels, "c": c, "out": out, "files": files, "base": base,
            "results": {r.unit.name if r.unit else r.file: r for r in results},
            "lagging_task": lagging_task, "invalid_task": invalid_task, "good_task": good_tasks[0]}


@pytest.fixture(scope="module")
def book(built):
    return openpyxl.load_workbook(built["out"])


def sheet(book, labels, key):
    return book[labels["summary_book.sheets." + key]]


def table(ws, header_row: int):
    """Rows below `header_row` (1-based) as dicts keyed by header text."""
    headers = [c.value for c in ws[header_row]]
    out = []
    for row in ws.iter_rows(min_row=header_row + 1):
        if all(c.value is None for c in row):
            continue
        out.append({h: c for h, c in zip(headers, row) if h})
    return out


# --------------------------------------------------------------------------- the setup itself


def test_statuses_as_designed(built):
    r = built["results"]
    assert r[GOOD].status == "ok", [p.message for p in r[GOOD].problems]
    assert r[BAD].status == "problems"
    assert r[SMALL].status == "ok", [p.message for p in r[SMALL].problems]
    assert r[NO_SHEET].status == "rejected"
    assert r["notes.xlsx"].unit is None


# --------------------------------------------------------------------------- summary workbook


def test_sheets(book, built):
    labels = built["labels"]
    names = [labels["summary_book.sheets." + k] for k in
             ("overview", "submissions", "tasks", "indicators", "targets", "problems", "evaluation", "detail")]
    visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
    assert visible == names
    assert book[labels["sheets.meta"]].sheet_state != "visible"


def test_summary_is_not_read_as_a_return(built):
    raw = read_return(built["out"], built["labels"])
    assert raw.meta is not None and raw.meta.kind == "summary"
    result = validate_return(raw, built["plan"], PERIOD, fingerprint(built["plan"]), built["labels"])
    assert result.status == "skipped"


def test_submissions_sheet(book, built):
    labels, plan = built["labels"], built["plan"]
    ws = sheet(book, labels, "submissions")
    rows = table(ws, 3)
    status_col = labels["summary_book.columns.submission"]
    unit_col = labels["summary_book.columns.unit"]
    assert [r[unit_col].value for r in rows] == [u.name for u in plan.reporting_units]
    got = {r[unit_col].value: r[status_col].value for r in rows}
    expected = {GOOD: "ok", BAD: "problems", SMALL: "ok", NO_SHEET: "rejected", TWICE: "duplicate"}
    for u in plan.reporting_units:
        assert got[u.name] == labels["submission." + expected.get(u.name, "missing")], u.name
    by_unit = {r[unit_col].value: r for r in rows}
    assert by_unit[GOOD][labels["header.reporter"]].value == "张三"
    assert by_unit[GOOD][labels["header.date"]].value == "2022-12-31"
    assert by_unit[GOOD][status_col].fill.fgColor.rgb.endswith("C6EFCE")
    assert by_unit[NO_SHEET][status_col].fill.fgColor.rgb.endswith("FFC7CE")
    assert by_unit[BAD][labels["summary_book.columns.errors"]].value >= 1
    assert ws.freeze_panes is not None and ws.auto_filter.ref


def test_hostile_text_stays_text(book, built):
    labels = built["labels"]
    detail = table(sheet(book, labels, "detail"), 1)
    work = [r[labels["columns.work"]] for r in detail if r[labels["columns.work"]].value == HOSTILE]
    assert len(work) == 1 and work[0].data_type == "s"
    for text in HOSTILE_TEXTS[:3]:
        cells = [c for r in detail for c in r.values() if c.value == text]
        assert cells and all(c.data_type == "s" for c in cells), text
    tasks = table(sheet(book, labels, "tasks"), 3)
    cell = next(r[labels["summary_book.columns.unit_reports"]] for r in tasks
                if r[labels["columns.id"]].value == built["good_task"])
    assert HOSTILE in cell.value and cell.data_type == "s"
    problems = table(sheet(book, labels, "problems"), 3)
    assert any(r[labels["summary_book.columns.value"]].value == "=1+1" for r in problems)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    with zipfile.ZipFile(built["out"]) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = zf.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml and "<hyperlink" not in xml, name


def test_problem_list(book, built):
    labels, c = built["labels"], built["c"]
    rows = table(sheet(book, labels, "problems"), 3)
    assert len(rows) == len(c.problems)
    code_col, cell_col = labels["summary_book.columns.code"], labels["summary_book.columns.cell"]
    invalid = [p for p in c.problems if p.code == "VALUE_STATUS_INVALID"]
    assert len(invalid) == 1
    hits = [r for r in rows if r[code_col].value == "VALUE_STATUS_INVALID"]
    assert [r[cell_col].value for r in hits] == [invalid[0].cell]
    assert hits[0][labels["summary_book.columns.message"]].value == problem_text(invalid[0], labels)
    assert INVALID_STATUS in hits[0][labels["summary_book.columns.message"]].value
    assert hits[0][code_col].fill.fgColor.rgb.endswith("FCE4E4")  # error rows tinted
    counts = Counter(r[labels["summary_book.columns.severity"]].value for r in rows)
    assert counts[labels["severity.error"]] == c.errors and counts[labels["severity.warning"]] == c.warnings


def test_indicators_sheet(book, built):
    labels, c = built["labels"], built["c"]
    rows = table(sheet(book, labels, "indicators"), 3)
    assert [r[labels["columns.id"]].value for r in rows] == [i.indicator.id for i in c.indicators]
    att_col = labels["summary_book.columns.assessment"]
    for r, s in zip(rows, c.indicators):
        assert r[att_col].value == labels["assessment." + s.assessment]
        assert r[labels["columns.actual"]].value == s.actual
    assert "no_data" in {s.assessment for s in c.indicators}
    assert {s.assessment for s in c.indicators} - {"no_data", "qualitative"}


def test_targets_sheet(book, built):
    labels, c = built["labels"], built["c"]
    rows = table(sheet(book, labels, "targets"), 3)
    assert [r[labels["columns.id"]].value for r in rows] == [t.target.id for t in c.targets]
    col = labels["summary_book.columns.assessment"]
    for r, t in zip(rows, c.targets):
        assert r[col].value == labels["assessment." + t.assessment]
        assert r[labels["columns.target_actual"]].value == t.actual
    assert any(t.actual is not None for t in c.targets)


def test_tasks_sheet(book, built):
    labels, c = built["labels"], built["c"]
    rows = table(sheet(book, labels, "tasks"), 3)
    assert len(rows) == len(c.tasks)
    status_col = labels["columns.status"]
    for r, t in zip(rows, c.tasks):
        assert r[status_col].value == (labels["status." + t.status] if t.status else labels["summary_book.not_reported"])
    lagging = next(r for r in rows if r[labels["columns.id"]].value == built["lagging_task"])
    assert lagging[status_col].value == labels["status.lagging"]
    assert lagging[status_col].fill.fgColor.rgb.endswith("FFC7CE")
    assert "资金到位慢" in lagging[labels["columns.problems"]].value


def test_detail_counts_missing_rows(book, built):
    labels, plan = built["labels"], built["plan"]
    rows = table(sheet(book, labels, "detail"), 1)
    involved = sum(len(i.units) for i in plan.indicators) + sum(len(t.units) for t in plan.tasks)
    assert len(rows) == involved
    missing = [r for r in rows if r[labels["columns.status"]].value == labels["summary_book.not_reported"]]
    assert missing and all(r[labels["summary_book.columns.unit"]].value not in (GOOD, SMALL) for r in missing)


def test_overview(book, built):
    labels, c = built["labels"], built["c"]
    ws = sheet(book, labels, "overview")
    values = [cell.value for row in ws.iter_rows() for cell in row if cell.value is not None]
    assert any(isinstance(v, str) and labels.period(PERIOD) in v and GENERATED_AT in v for v in values)
    lagging_ids = [t.task.id for t in c.tasks if t.status == "lagging"]
    assert built["lagging_task"] in lagging_ids and built["lagging_task"] in values
    assert labels.fmt("summary_book.overview.lagging_section", count=len(lagging_ids)) in values
    with zipfile.ZipFile(built["out"]) as zf:
        names = zf.namelist()
        assert "xl/charts/chart1.xml" in names and "xl/charts/chart2.xml" in names
        chart = zf.read("xl/charts/chart1.xml").decode("utf-8")
    assert "<c:grouping val=\"stacked\"/>" in chart
    # Chart cells hold plain numbers: the per-chapter counts add up to the task total.
    total_row = next(r for r in ws.iter_rows() if r[0].value == labels["summary_book.total"]
                     and isinstance(r[7].value, (int, float)) and r[7].value == len(c.tasks))
    assert sum(cell.value for cell in total_row[2:7]) == len(c.tasks)


@pytest.mark.office
def test_summary_opens_in_libreoffice(built):
    need_office()
    proc = subprocess.run(["/usr/bin/python3", str(UNO_TOOL), "recalc", str(built["out"])], capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["changed"] == {}


# --------------------------------------------------------------------------- feedback copy


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def feedback(built):
    labels = built["labels"]
    src = built["files"][BAD]
    before = digest(src)
    out = built["base"] / "feedback.xlsx"
    count = write_feedback(built["results"][BAD], str(src), str(out), labels)
    return {"src": src, "before": before, "out": out, "count": count}


def test_feedback_marks_problem_cells(built, feedback):
    labels, result = built["labels"], built["results"][BAD]
    assert feedback["count"] == len(result.problems)
    problem = next(p for p in result.problems if p.code == "VALUE_STATUS_INVALID")
    wb = openpyxl.load_workbook(feedback["out"])
    cell = wb[problem.sheet][problem.cell]
    assert cell.value == INVALID_STATUS
    assert cell.fill.fgColor.rgb.endswith(FEEDBACK_FILL)
    assert cell.comment is not None and problem_text(problem, labels) in cell.comment.text
    assert cell.comment.author == labels["feedback.author"]
    notes = wb.worksheets[0]
    assert notes.title == labels["feedback.sheet"]
    texts = [c.value for row in notes.iter_rows() for c in row if c.value is not None]
    assert all(problem_text(p, labels) in texts for p in result.problems)
    locked = next(c for row in notes.iter_rows() for c in row if c.value == "=1+1")
    assert locked.data_type == "s"
    assert wb[labels["sheets.meta"]].sheet_state == "veryHidden"


def test_feedback_leaves_source_alone_and_reads_back(built, feedback):
    labels = built["labels"]
    assert digest(feedback["src"]) == feedback["before"]
    original = read_return(feedback["src"], labels)
    copy = read_return(feedback["out"], labels)
    assert copy.meta == original.meta and copy.unit_sheet == original.unit_sheet
    result = validate_return(copy, built["plan"], PERIOD, fingerprint(built["plan"]), labels)
    assert result.unit.name == BAD
    assert Counter(p.code for p in result.problems) == Counter(p.code for p in built["results"][BAD].problems)


def test_feedback_groups_cells_and_lists_cellless_problems(built, tmp_path):
    """Two problems on one cell -> one comment, one line each; a problem in a merged range lands on its
    top-left cell; a problem without a cell appears on the notes sheet only."""
    import dataclasses

    from xltoolkit.problems import ProblemSink

    labels, result = built["labels"], built["results"][BAD]
    status = next(p for p in result.problems if p.code == "VALUE_STATUS_INVALID")
    sink = ProblemSink(result.file, unit=BAD, sheet=result.sheet, problems=list(result.problems))
    second = sink.add("VALUE_PROGRESS_NOT_NUMBER", cell=status.cell, field="columns.progress", value="=1/0")
    merged = sink.add("HEADER_REQUIRED", cell="B1", field="header.reporter")
    cellless = sink.add("STRUCT_ROW_MISSING", sheet=result.sheet, value="T9.9", title="不存在的任务")
    out = tmp_path / "fb.xlsx"
    count = write_feedback(dataclasses.replace(result, problems=sink.problems), str(built["files"][BAD]), str(out),
                           labels)
    assert count == len(sink.problems)
    wb = openpyxl.load_workbook(out)
    ws = wb[result.sheet]
    lines = ws[status.cell].comment.text.split("\n")
    assert len(lines) == 2 and problem_text(status, labels) in lines[0] and problem_text(second, labels) in lines[1]
    assert problem_text(merged, labels) in ws["A1"].comment.text
    notes = wb.worksheets[0]
    texts = [c.value for row in notes.iter_rows() for c in row if c.value is not None]
    assert problem_text(cellless, labels) in texts
    value = next(c for row in notes.iter_rows() for c in row if c.value == "=1/0")
    assert value.data_type == "s"


def test_non_finite_number_is_written_as_text(tmp_path):
    from xltoolkit.writing.summary import put
    from xltoolkit.writing.workbook import new_workbook

    workbook, styles = new_workbook(str(tmp_path / "x.xlsx"))
    ws = workbook.add_worksheet()
    put(ws, 0, 0, float("inf"), styles.number)
    put(ws, 1, 0, 7.5, styles.number)
    workbook.close()
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert ws["A1"].value == "inf" and ws["A2"].value == 7.5
