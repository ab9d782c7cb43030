"""One test per validation rule: a real return broken in one way gives exactly that code at that cell."""

from __future__ import annotations

import copy
import re
import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from cells import Cells, Ref, SectionHeader
from filler import Answers, fill_openpyxl
from xltoolkit.forms import TASK_FORM
from xltoolkit.consolidation import consolidate
from xltoolkit.labels import get_labels
from xltoolkit.model import Period
from xltoolkit.plans import fingerprint
from xltoolkit.reading import ReturnFileError, read_return
from xltoolkit.validation import file_failure, parse_date, parse_number, valid_phone, validate_return

PERIOD = Period.parse("2022Q4")
UNIT = "区发改局"  # 4 indicators (E01 as lead, E02 … as responsible) and 5 tasks


@pytest.fixture(scope="module")
def env(plan14, labels, filled14):
    """(plan, labels, blank return, its RawReturn, valid answers), from the shared generation."""
    assert filled14.unit == UNIT
    return plan14, labels, filled14.src, filled14.raw, filled14.answers


def check(env, tmp_path, edit=None, cells=None, *, mutate=None):
    """Fill the unit's return with valid answers, changed by `cells` (A1 -> value) and `mutate`
    (a function on the openpyxl workbook), then read and validate it."""
    plan, labels, src, raw, valid = env
    a = Answers(sheet=valid.sheet, cells=dict(valid.cells))
    a.cells.update(cells or {})
    for ref, value in list(a.cells.items()):
        if value is None:
            del a.cells[ref]
    dst = tmp_path / f"{UNIT}.xlsx"
    fill_openpyxl(src, dst, a)
    if mutate is not None:
        wb = openpyxl.load_workbook(dst)
        mutate(wb)
        wb.save(dst)
    return validate_return(read_return(dst, labels), plan, PERIOD, fingerprint(plan), labels, dst.name)


def ref(env, item_id, key):
    return Cells(env[3])(Ref(item_id, key))


def codes(result):
    return sorted((p.code, p.cell) for p in result.problems)


def test_valid_return_has_no_problems(env, tmp_path):
    result = check(env, tmp_path)
    assert result.problems == []
    assert result.status == "ok"
    assert {t.task_id for t in result.tasks} == {"T2.1", "T2.2", "T2.3", "T7.1", "T7.2"}
    assert {i.indicator_id for i in result.indicators} == {"B02", "E01", "E02", "E06"}


@pytest.mark.parametrize("key,value,code,severity", [
    ("status", "进行中", "VALUE_STATUS_INVALID", "error"),
    ("status", None, "VALUE_STATUS_EMPTY", "error"),
    ("progress", "六十", "VALUE_PROGRESS_NOT_NUMBER", "error"),
    ("progress", 150, "VALUE_PROGRESS_RANGE", "error"),
    ("progress", -1, "VALUE_PROGRESS_RANGE", "error"),
    ("work", "字" * 2001, "VALUE_TEXT_TOO_LONG", "error"),
])
def test_task_value_rules(env, tmp_path, key, value, code, severity):
    cell = ref(env, "T2.3", key)
    result = check(env, tmp_path, cells={cell: value})
    problem = next(p for p in result.problems if p.code == code)
    assert problem.cell == cell and problem.sheet == UNIT and problem.severity.value == severity
    assert problem.unit == UNIT and problem.file == f"{UNIT}.xlsx"
    assert problem.message(get_labels()).startswith(f"[{UNIT}.xlsx] {UNIT}!{cell} ")
    assert result.status == "problems"


def test_status_and_progress_consistency_warnings(env, tmp_path):
    result = check(env, tmp_path, cells={
        ref(env, "T2.1", "status"): "已完成", ref(env, "T2.1", "progress"): 80,
        ref(env, "T2.2", "status"): "未启动", ref(env, "T2.2", "progress"): 30, ref(env, "T2.2", "work"): None,
    })
    assert ("VALUE_DONE_NOT_100", ref(env, "T2.1", "progress")) in codes(result)
    assert ("VALUE_NOT_STARTED_PROGRESS", ref(env, "T2.2", "progress")) in codes(result)
    assert result.errors == 0 and result.status == "ok"  # warnings only


def test_work_required_unless_not_started_and_problems_required_when_lagging(env, tmp_path):
    result = check(env, tmp_path, cells={
        ref(env, "T2.1", "status"): "正常推进", ref(env, "T2.1", "work"): None,
        ref(env, "T2.2", "status"): "未启动", ref(env, "T2.2", "progress"): 0, ref(env, "T2.2", "work"): None,
        ref(env, "T2.3", "status"): "滞后", ref(env, "T2.3", "problems"): None,
    })
    assert codes(result) == sorted([("VALUE_WORK_EMPTY", ref(env, "T2.1", "work")),
                                    ("VALUE_PROBLEMS_EMPTY", ref(env, "T2.3", "problems"))])


@pytest.mark.parametrize("value,code,read_as", [
    ("约7", "VALUE_ACTUAL_NOT_NUMBER", None),
    ("—", "VALUE_ACTUAL_NOT_NUMBER", None),
    ("7.2%", "VALUE_ACTUAL_NORMALIZED", 7.2),
    ("７．２", "VALUE_ACTUAL_NORMALIZED", 7.2),
    (0.072, "VALUE_ACTUAL_FRACTION", 0.072),
    (True, "VALUE_ACTUAL_NOT_NUMBER", None),
])
def test_indicator_actual_rules(env, tmp_path, value, code, read_as):
    cell = ref(env, "E01", "actual")  # GDP growth, 7 %
    result = check(env, tmp_path, cells={cell: value})
    assert [(p.code, p.cell) for p in result.problems] == [(code, cell)]
    report = next(i for i in result.indicators if i.indicator_id == "E01")
    assert report.actual == read_as


def test_indicator_actual_empty_needs_a_note(env, tmp_path):
    actual, note = ref(env, "E01", "actual"), ref(env, "E01", "note")
    assert codes(check(env, tmp_path, cells={actual: None, note: None})) == [("VALUE_ACTUAL_EMPTY", actual)]
    assert check(env, tmp_path, cells={actual: None, note: "统计局尚未发布"}).problems == []


@pytest.mark.parametrize("key,value,code", [
    ("reporter", None, "HEADER_REQUIRED"),
    ("reviewer", None, "HEADER_REQUIRED"),
    ("phone", "abc123", "HEADER_PHONE_INVALID"),
    ("phone", "12345", "HEADER_PHONE_INVALID"),
    ("date", "昨天", "HEADER_DATE_INVALID"),
    ("date", "2022-13-45", "HEADER_DATE_INVALID"),
    ("date", dt.date(2020, 1, 1), "HEADER_DATE_OUT_OF_PERIOD"),
])
def test_header_rules(env, tmp_path, key, value, code):
    cell = env[3].header[key].ref
    result = check(env, tmp_path, cells={cell: value})
    assert codes(result) == [(code, cell)]


@pytest.mark.parametrize("text,ok", [
    ("13800138000", True), ("138 0013 8000", True), ("+86 13800138000", True), ("027-88888888", True),
    ("(027)88888888", True), ("88888888", True), ("027-88888888转123", True),
    ("1380013800", False), ("abc", False), ("027-8888", False), ("", False),
])
def test_phone_numbers(text, ok):
    assert valid_phone(text) is ok


def test_number_and_date_parsing():
    assert parse_number("1,200") == (1200.0, True)
    assert parse_number(3.0) == (3.0, False)
    assert parse_number("3 家") == (None, False)
    assert parse_date("2022年12月31日") == dt.date(2022, 12, 31)
    assert parse_date("2022/1/5") == dt.date(2022, 1, 5)
    assert parse_date(44926.0) == dt.date(2022, 12, 31)
    assert parse_date("2022-02-30") is None


def _task_rows(env, wb, sheet):
    """The sheet and its task rows (1-based), from the blank return."""
    cells = Cells(env[3])
    return wb[sheet], [cells.row(Ref(t)) for t in cells.items("tasks")]


def test_deleted_row_is_missing(env, tmp_path):
    def delete(wb):
        ws, rows = _task_rows(env, wb, UNIT)
        ws.delete_rows(rows[1])

    result = check(env, tmp_path, mutate=delete)
    assert [(p.code, p.value) for p in result.problems] == [("STRUCT_ROW_MISSING", "T2.2")]
    assert "T2.2" not in {t.task_id for t in result.tasks}


def test_duplicated_and_unknown_ids(env, tmp_path):
    def edit_ids(wb):
        ws, rows = _task_rows(env, wb, UNIT)
        id_col = TASK_FORM.id_index + 1
        ws.cell(rows[1], id_col).value = "T2.1"  # duplicate of the first row; T2.2 now missing
        ws.cell(rows[2], id_col).value = "T9.9"  # not an item of this unit; T2.3 now missing

    result = check(env, tmp_path, mutate=edit_ids)
    found = sorted(p.code for p in result.problems)
    assert found == ["STRUCT_ROW_DUPLICATE", "STRUCT_ROW_MISSING", "STRUCT_ROW_MISSING", "STRUCT_ROW_UNKNOWN"]
    dup = next(p for p in result.problems if p.code == "STRUCT_ROW_DUPLICATE")
    assert dup.cell == ref(env, "T2.2", "id")


def test_inserted_row_without_id(env, tmp_path):
    def insert(wb):
        ws, rows = _task_rows(env, wb, UNIT)
        ws.insert_rows(rows[1])
        ws.cell(rows[1], TASK_FORM.index("status") + 1).value = env[1]["status.on_track"]

    result = check(env, tmp_path, mutate=insert)
    assert [p.code for p in result.problems] == ["STRUCT_ROW_NO_ID"]
    assert {t.task_id for t in result.tasks} == {"T2.1", "T2.2", "T2.3", "T7.1", "T7.2"}


def test_locked_text_edited_is_a_warning_and_plan_wins(env, tmp_path):
    cell = ref(env, "T2.1", "text")
    result = check(env, tmp_path, mutate=lambda wb: setattr(wb[UNIT][cell], "value", "改过的任务内容"))
    assert codes(result) == [("STRUCT_LOCKED_EDITED", cell)]
    assert result.status == "ok"


def test_renamed_header_column(env, tmp_path):
    cells = Cells(env[3])
    cell = cells(SectionHeader("tasks", "status"))
    result = check(env, tmp_path, mutate=lambda wb: setattr(wb[UNIT][cell], "value", "状态"))
    assert ("STRUCT_HEADER_CHANGED", cells(SectionHeader("tasks", "id"))) in codes(result)
    assert all(t.status is None for t in result.tasks)  # the column can no longer be read


def test_sorted_rows_still_merge_by_id(env, tmp_path):
    """Rows found by id: reversing the task rows (as a sort would) changes nothing read."""

    def reverse(wb):
        ws, rows = _task_rows(env, wb, UNIT)
        values = [[ws.cell(r, c).value for c in range(1, len(TASK_FORM.columns) + 1)] for r in rows]
        for r, row_values in zip(rows, reversed(values)):
            for c, v in enumerate(row_values, start=1):
                ws.cell(r, c).value = v

    plain = check(env, tmp_path)
    result = check(env, tmp_path, mutate=reverse)
    assert result.problems == []
    key = lambda t: t.task_id  # noqa: E731
    assert [(t.task_id, t.status, t.progress, t.work) for t in sorted(result.tasks, key=key)] == \
           [(t.task_id, t.status, t.progress, t.work) for t in sorted(plain.tasks, key=key)]


def test_unit_sheet_deleted(env, tmp_path):
    result = check(env, tmp_path, mutate=lambda wb: wb.remove(wb[UNIT]))
    assert [p.code for p in result.problems] == ["STRUCT_NO_SHEET"]
    assert result.status == "rejected"


def _drop_metadata(wb):
    wb.remove(wb["_xltool"])
    wb.custom_doc_props.props.clear()


def test_missing_metadata_falls_back_to_sheet_name(env, tmp_path):
    result = check(env, tmp_path, mutate=_drop_metadata)
    assert [p.code for p in result.problems] == ["META_MISSING"]
    assert result.unit.name == UNIT and result.status == "ok" and len(result.tasks) == 5


def test_missing_metadata_and_renamed_sheet_is_unidentified(env, tmp_path):
    def both(wb):
        _drop_metadata(wb)
        wb[UNIT].title = "某单位"

    result = check(env, tmp_path, mutate=both)
    assert [p.code for p in result.problems] == ["META_UNIDENTIFIED"]
    assert result.status == "rejected"


@pytest.mark.parametrize("key,value,code,status", [
    ("plan_id", "other-plan", "META_OTHER_PLAN", "rejected"),
    ("period", "2022Q3", "META_OTHER_PERIOD", "rejected"),
    ("unit_name unit_id", "区不存在局", "META_UNKNOWN_UNIT", "rejected"),
    ("plan_fingerprint", "0000000000000000", "META_OLD_VERSION", "ok"),
])
def test_metadata_rules(env, tmp_path, key, value, code, status):
    def edit(wb):
        ws = wb["_xltool"]
        for row in ws.iter_rows():
            if row[0].value in key.split():
                row[1].value = value

    result = check(env, tmp_path, mutate=edit)
    assert [p.code for p in result.problems] == [code]
    assert result.status == status


def test_two_returns_for_one_unit_conflict(env, tmp_path):
    plan, labels = env[0], env[1]
    first = check(env, tmp_path)
    second = copy.deepcopy(first)
    second.file, second.mtime = "copy.xlsx", first.mtime + 10
    c = consolidate(plan, PERIOD, [first, second])
    sub = next(s for s in c.submissions if s.unit.name == UNIT)
    assert sub.status == "duplicate" and sorted(sub.files) == ["copy.xlsx", f"{UNIT}.xlsx"]
    assert [p.code for p in c.problems] == ["META_DUPLICATE_UNIT"] * 2
    assert all(not t.reports for t in c.tasks if t.task.id == "T2.1")  # neither is used

    first2, second2 = copy.deepcopy(first), copy.deepcopy(second)
    for r in (first2, second2):
        r.problems.clear()
    c = consolidate(plan, PERIOD, [first2, second2], on_duplicate="newest")
    sub = next(s for s in c.submissions if s.unit.name == UNIT)
    assert sub.result.file == "copy.xlsx" and sub.status == "ok"
    assert [(p.code, p.file) for p in c.problems] == [("META_DUPLICATE_SUPERSEDED", f"{UNIT}.xlsx")]


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize("maker,code", [
    (lambda p: p.write_bytes(b""), "FILE_EMPTY"),
    (lambda p: p.write_bytes(b"\x00\x01garbage" * 100), "FILE_NOT_XLSX"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600), "FILE_LEGACY_FORMAT"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le")),
     "FILE_ENCRYPTED"),
    (lambda p: _zip(p, {"hello.txt": b"hi"}), "FILE_NOT_XLSX"),
    (lambda p: _zip(p, {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}),
     "FILE_NOT_XLSX"),
    (lambda p: _zip(p, {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                        "xl/vbaProject.bin": b"\x00"}), "FILE_MACRO"),
    (lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 50), "FILE_CORRUPT"),
])
def test_file_level_faults(tmp_path, maker, code):
    labels = get_labels()
    path = tmp_path / "bad.xlsx"
    maker(path)
    with pytest.raises(ReturnFileError) as info:
        read_return(path, labels)
    assert info.value.code == code
    result = file_failure(str(path), path.name, info.value, labels)
    assert result.status == "rejected" and result.problems[0].code == code
    assert result.problems[0].message(labels).startswith("[bad.xlsx] ")


def test_zip_bomb_entry_is_refused(tmp_path, env):
    src = env[2]
    bomb = tmp_path / "bomb.xlsx"
    shutil.copy(src, bomb)
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/huge.bin", b"\x00" * (20 * 1024 * 1024))
    with pytest.raises(ReturnFileError) as info:
        read_return(bomb, get_labels())
    assert info.value.code == "FILE_TOO_LARGE"
