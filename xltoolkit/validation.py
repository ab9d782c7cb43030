"""Check one raw return against the plan: identity, structure, header and values. Pure logic.

Input: a `RawReturn` (what the reader found, with cell locations). Output: a `ReturnResult` with the
unit, its accepted values and every problem. Invalid values are reported and left out (None);
everything valid is kept, so the summary is built from all that can be trusted.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Optional

from . import FORM_VERSION, wording
from .forms import (FORMS, FORMS_BY_KEY, HEADER_FIELDS, INDICATOR_FORM, TARGET_FORM, TASK_FORM, Column, ColumnType,
                    Form, vocabulary_labels)
from .labels import Labels
from .model import Period, Plan, Unit
from .problems import LabelRef, LabelText, Problem, ProblemSink, Severity, shown
from .reading import Cell, RawReturn, RawRow, ReturnFileError
from .sheetnames import unit_sheet_names
from .identity import input_digest

DATE_SLACK_BEFORE = dt.timedelta(days=31)  # a return may be filled shortly before the period ends
DATE_SLACK_AFTER = dt.timedelta(days=120)  # … or up to four months after it


@dataclass
class TaskReport:
    """One unit's report on one task (values None where missing or invalid)."""

    task_id: str
    unit: str
    role: str  # "lead" or "responsible"
    status: Optional[str] = None
    progress: Optional[float] = None
    work: str = ""
    problems: str = ""
    next_steps: str = ""
    cells: dict[str, str] = field(default_factory=dict)  # column key -> A1


@dataclass
class IndicatorReport:
    indicator_id: str
    unit: str
    role: str
    actual: Optional[float] = None
    note: str = ""
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class TargetReport:
    """One unit's number for one task target (三、量化目标)."""

    target_id: str
    task_id: str
    unit: str
    role: str
    actual: Optional[float] = None
    note: str = ""
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class ReturnResult:
    """A checked return: who it is from, what it says that can be used, and what is wrong."""

    file: str  # display name
    path: str
    status: str  # "ok", "problems", "rejected" (not usable), "empty" (nothing filled in), "skipped" (not a return)
    unit: Optional[Unit] = None
    sheet: Optional[str] = None
    header: dict[str, str] = field(default_factory=dict)  # reporter, phone, date, reviewer (as text)
    tasks: list[TaskReport] = field(default_factory=list)
    indicators: list[IndicatorReport] = field(default_factory=list)
    targets: list[TargetReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    mtime: float = 0.0  # the file system's modification time (the last resort for duplicates)
    saved_at: Optional[str] = None  # when the office program saved the workbook (docProps/core.xml)
    input_digest: str = ""  # digest of the input cells as read (identity.input_digest; marks feedback copies)

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity is Severity.error)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity is Severity.warning)

    @property
    def usable(self) -> bool:
        return self.status in ("ok", "problems")


def file_problem(display: str, exc: ReturnFileError) -> Problem:
    """The problem of a file that could not be read at all, its detail kept as data."""
    sink = ProblemSink(display)
    if exc.code == "FILE_NOT_REGULAR":  # the detail is what it is (fifo, device …): a label
        return sink.add(exc.code, kind=LabelRef(f"file_kind.{exc.detail}"))
    if exc.code == "FILE_NOT_XLSX":  # what it is instead, if known, follows the rule
        return sink.add(exc.code, detail=LabelText("details.not_xlsx", what=exc.detail) if exc.detail else "")
    return sink.add(exc.code, detail=exc.detail)


def file_failure(path: str, display: str, exc: ReturnFileError, labels: Labels) -> ReturnResult:
    """A file that could not be read at all."""
    return ReturnResult(file=display, path=path, status="rejected", problems=[file_problem(display, exc)])


def lock_file(path: str, display: str, labels: Labels) -> ReturnResult:
    sink = ProblemSink(display)
    sink.add("FILE_LOCK_SKIPPED")
    return ReturnResult(file=display, path=path, status="skipped", problems=sink.problems)


def validate_return(raw: RawReturn, plan: Plan, period: Period, plan_fingerprint: str, labels: Labels,
                    display: Optional[str] = None, secrets: Optional[tuple[bytes, ...]] = None,
                    previous: Optional[dict] = None) -> ReturnResult:
    """`secrets`: the office secrets to verify identity tokens with (None or empty: not verified;
    the caller says so once per run). `previous`: each unit's last recorded answers
    (history.last_answers, read by the caller): a 本期工作进展 identical to last period's is
    reported (VALUE_UNCHANGED)."""
    display = display or raw.name
    sink = ProblemSink(display)
    result = ReturnResult(file=display, path=raw.path, status="rejected", problems=sink.problems,
                          saved_at=raw.saved_at)
    result.input_digest = input_digest(raw)
    unit = _identify(raw, plan, period, plan_fingerprint, sink, labels, tuple(secrets or ()), result.input_digest)
    if unit is None:
        result.status = "skipped" if any(p.code in _SKIPPING for p in sink.problems) else "rejected"
        return result
    result.unit = unit
    sink.unit = unit.name
    if any(p.code in _REJECTING for p in sink.problems):  # whose it is is known, but it cannot be used
        return result
    if raw.unit_sheet is None:
        sink.add("STRUCT_NO_SHEET", expected=unit_sheet_names(plan, labels).get(unit.name, unit.name))
        return result
    sink.sheet = raw.unit_sheet
    result.sheet = raw.unit_sheet
    if _nothing_filled(raw):  # a blank return is not a submission: one message, not one per cell
        sink.add("VALUE_NOTHING_FILLED")
        result.status = "empty"
        return result
    result.header = _check_header(raw, period, sink)
    vocabularies = (vocabulary_labels(raw.vocabulary), labels) if raw.vocabulary else (labels,)
    indicators, tasks = plan.items_for(unit.name)
    rows = _check_structure(raw, plan, unit, sink, labels)
    _check_merged(raw, sink)
    for ind in indicators:
        row = rows.get(ind.id)
        if row is not None:
            result.indicators.append(_check_indicator(ind, unit, plan.role_in(ind, unit.name)[0], row, sink))
    for task in tasks:
        row = rows.get(task.id)
        if row is not None:
            result.tasks.append(_check_task(task, unit, plan.role_in(task, unit.name)[0], row, sink, vocabularies,
                                            (previous or {}).get(unit.name)))
    for task, target in plan.targets_for(unit.name):
        row = rows.get(target.id)
        if row is not None:
            result.targets.append(_check_target(task, target, unit, plan.role_in(task, unit.name)[0], row, sink))
    result.status = "problems" if sink.errors else "ok"
    return result


def _nothing_filled(raw: RawReturn) -> bool:
    """No input cell of the header block or of any item row holds anything."""
    inputs = {f.key: {c.key for c in f.inputs} for f in FORMS}
    if any(_as_text(raw.header[f.key].value) for f in HEADER_FIELDS if f.input and f.key in raw.header):
        return False
    return not any(_as_text(c.value) or c.formula or c.error
                   for row in raw.rows for key, c in row.values.items() if key in inputs.get(row.form, ()))


# Identity ---------------------------------------------------------------------------------------


_SKIPPING = frozenset({"META_NOT_A_RETURN", "META_FEEDBACK_COPY"})
_REJECTING = frozenset({"META_EXTRA_UNIT_SHEETS"})  # identified, not used


def _identify(raw: RawReturn, plan: Plan, period: Period, fp: str, sink: ProblemSink,
              labels: Labels, secrets: tuple[bytes, ...] = (), digest: str = "") -> Optional[Unit]:
    """The unit a return is from, or None (reported). What the metadata says must agree with what
    the return shows (its unit tab and 填报单位 cell), and its identity token must verify when the
    office secret is known; a workbook holding other units' tabs as well is refused."""
    meta = raw.meta
    sheets = _sheet_names(plan, labels)
    if meta is None:
        by_sheet = {sheet: name for name, sheet in sheets.items()}
        unit_name = by_sheet.get(raw.unit_sheet or "")
        if unit_name is None:
            sink.add("META_UNIDENTIFIED")
            return None
        unit = plan.unit(unit_name)
        if not _shows(raw, unit, None, sheets, sink):
            return None
        sink.add("META_MISSING", sheet_name=raw.unit_sheet, unit_name=unit_name)
        _extra_unit_sheets(raw, unit, sheets, sink)
        return unit
    if meta.kind == "feedback":
        if meta.feedback_digest and meta.feedback_digest == digest:
            sink.add("META_FEEDBACK_COPY")  # an untouched 退回修改 copy
            return None
        # corrected by the department since: read as its return
    elif meta.kind != "return":
        known = meta.kind in ("master", "summary")
        sink.add("META_NOT_A_RETURN", kind=LabelRef(f"metadata_kind.{meta.kind}") if known else meta.kind)
        return None
    newer = _form_version_newer(meta.form_version)
    if newer:
        sink.add("META_NEWER_FORM", found=meta.form_version, expected=FORM_VERSION)
        return None
    if meta.plan_id != plan.id:
        sink.add("META_OTHER_PLAN", found=meta.plan_id, expected=plan.id)
        return None
    if meta.period != period.code:
        sink.add("META_OTHER_PERIOD", found=meta.period, expected=period.code)
        return None
    unit = plan.unit(meta.unit_name) or plan.unit(meta.unit_id)
    if unit is None or not plan.is_reporting(unit):
        sink.add("META_UNKNOWN_UNIT", value=meta.unit_name)
        return None
    if not _shows(raw, unit, meta.unit_name, sheets, sink):
        return None
    if secrets:
        from .identity import verifies

        if not meta.token:
            sink.add("META_TOKEN_MISSING")
        elif not verifies(secrets, meta.token, meta.plan_id, meta.plan_fingerprint, meta.unit_id, meta.period):
            sink.add("META_TOKEN_INVALID")
            return None
    if meta.plan_fingerprint != fp:
        sink.add("META_OLD_VERSION", found=meta.plan_fingerprint, expected=fp)
    if meta.form_version != FORM_VERSION:
        sink.add("META_OLD_FORM", found=meta.form_version, expected=FORM_VERSION)
    _extra_unit_sheets(raw, unit, sheets, sink)
    return unit


def _shows(raw: RawReturn, unit: Unit, meta_unit: Optional[str], sheets: dict[str, str],
           sink: ProblemSink) -> bool:
    """Whether the return visibly belongs to `unit`: its unit tab is not another unit's tab, and
    the pre-filled 填报单位 cell names the unit (or an alias). A mismatch (META_IDENTITY_MISMATCH)
    names all three; nothing of the file is used. (A tab renamed to something else is fine: it is
    found by its content.) Without a unit tab, STRUCT_NO_SHEET is reported later."""
    if raw.unit_sheet is None:
        return True
    own = sheets.get(unit.name)
    other_tabs = _other_tabs(sheets, unit)
    cell = raw.header.get("unit")
    from .identity import norm_name

    shown_name = norm_name(cell.value if cell is not None else "")
    names = {norm_name(n) for n in (unit.name, *unit.aliases)}
    if (raw.unit_sheet != own and raw.unit_sheet in other_tabs) or shown_name not in names:
        ref = cell.ref if cell is not None else ""
        sink.add("META_IDENTITY_MISMATCH", sheet=raw.unit_sheet, cell=ref or None,
                 ref=ref or "-", meta_unit=shown(meta_unit if meta_unit is not None else "-"),
                 sheet_name=shown(raw.unit_sheet),
                 cell_value=shown(cell.value if cell is not None else ""), value=cell.value if cell else None)
        return False
    return True


def _extra_unit_sheets(raw: RawReturn, unit: Unit, sheets: dict[str, str], sink: ProblemSink) -> None:
    """Tabs of other units of the plan in the same workbook (copied in from their returns)."""
    other_tabs = _other_tabs(sheets, unit)
    extra = [name for name in raw.sheet_names if name != raw.unit_sheet and name in other_tabs]
    if extra:
        sink.add("META_EXTRA_UNIT_SHEETS", unit_name=unit.name, sheets="、".join(f"“{n}”" for n in extra),
                 count=len(extra))


def _other_tabs(sheets: dict[str, str], unit: Unit) -> dict[str, str]:
    return {tab: name for name, tab in sheets.items() if name != unit.name}


_SHEET_CACHE: list = []  # [(plan, labels, names)]: unit_sheet_names once per plan, not per file


def _sheet_names(plan: Plan, labels: Labels) -> dict[str, str]:
    for p, lab, names in _SHEET_CACHE:
        if p is plan and lab is labels:
            return names
    names = unit_sheet_names(plan, labels)
    _SHEET_CACHE[:] = [(plan, labels, names), *_SHEET_CACHE[:3]]
    return names


def _form_version_newer(found: str) -> bool:
    """Whether a return's form version is newer than this xltool's (it cannot be read safely).
    Versions are whole numbers; anything else counts as unknown, hence newer."""
    try:
        return int(found) > int(FORM_VERSION)
    except ValueError:
        return True


# Structure --------------------------------------------------------------------------------------


_SPACES = re.compile(r"\s+")


def _norm_text(value: Any) -> str:
    return _SPACES.sub("", _as_text(value))


def _check_structure(raw: RawReturn, plan: Plan, unit: Unit, sink: ProblemSink,
                     labels: Labels) -> dict[str, RawRow]:
    """Rows of this unit's items by id (first occurrence), with structural problems reported."""
    indicators, tasks = plan.items_for(unit.name)
    expected: dict[str, tuple[Form, dict[str, str], str]] = {}
    for ind in indicators:
        expected[ind.id] = (INDICATOR_FORM, wording.indicator_row(ind, unit.name, labels, plan), ind.name)
    for task in tasks:
        expected[task.id] = (TASK_FORM, wording.task_row(plan, task, unit.name, labels), task.title)
    for task, target in plan.targets_for(unit.name):
        expected[target.id] = (TARGET_FORM, wording.target_row(task, target, labels), target.text)
    for section in raw.sections:
        if section.missing:
            form = FORMS_BY_KEY[section.form]
            names = "、".join(f"“{form.column(k).header(labels)}”" for k in section.missing)
            sink.add("STRUCT_HEADER_CHANGED", cell=f"A{section.header_row + 1}", missing=names)
    found: dict[str, RawRow] = {}
    for row in raw.rows:
        item_id = row.item_id
        id_cell = row.values.get("id")
        ref = id_cell.ref if id_cell else None
        if item_id not in expected or expected[item_id][0].key != row.form:
            sink.add("STRUCT_ROW_UNKNOWN", cell=ref, field="columns.id", value=item_id)
            continue
        if item_id in found:
            first = found[item_id].values.get("id")
            sink.add("STRUCT_ROW_DUPLICATE", cell=ref, field="columns.id", value=item_id,
                     other=first.ref if first else "")
            continue
        found[item_id] = row
        form, locked, _ = expected[item_id]
        for col in form.columns:
            if col.input or col.last or col.key == "id" or col.key not in row.values:
                continue
            cell = row.values[col.key]
            if _norm_text(cell.value) != _norm_text(locked.get(col.key, "")):
                sink.add("STRUCT_LOCKED_EDITED", cell=cell.ref, field=col.label, value=cell.value)
    for item_id, (form, _, title) in expected.items():
        if item_id not in found:
            sink.add("STRUCT_ROW_MISSING", sheet=sink.sheet, value=item_id, title=title)
    for stray in raw.stray_rows:
        sink.add("STRUCT_ROW_NO_ID", cell=stray.ref)
    return found


# Header block -----------------------------------------------------------------------------------

_PHONE = re.compile(r"^(?:\+?86)?(?:1[3-9]\d{9}|0\d{2,3}\d{7,8}|[2-9]\d{6,7})(?:(?:转|ext|x)\d{1,6})?$")


def valid_phone(text: str) -> bool:
    compact = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", text))
    return bool(_PHONE.match(compact))


def parse_date(value: Any) -> Optional[dt.date]:
    """A date from a date cell, an Excel serial number or text like 2022-12-31, 2022/12/31, 2022年12月31日."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 < value < 80000:  # Excel serial day numbers 1954..2119
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        return None
    text = unicodedata.normalize("NFKC", _as_text(value))
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?", text)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _check_header(raw: RawReturn, period: Period, sink: ProblemSink) -> dict[str, str]:
    header: dict[str, str] = {}
    for f in HEADER_FIELDS:
        if not f.input:
            continue
        cell = raw.header.get(f.key) or Cell("", "")
        text = _as_text(cell.value)
        label = f"header.{f.key}"
        if _usable(cell, label, sink) is None:
            continue
        if not text:
            sink.add("HEADER_REQUIRED", cell=cell.ref, field=label)
            continue
        if f.type is ColumnType.phone:
            if not valid_phone(text):
                sink.add("HEADER_PHONE_INVALID", cell=cell.ref, field=label, value=text)
                continue
        elif f.type is ColumnType.date:
            day = parse_date(cell.value)
            if day is None:
                sink.add("HEADER_DATE_INVALID", cell=cell.ref, field=label, value=text)
                continue
            start, end = period.start, period.end
            if not (start - DATE_SLACK_BEFORE <= day <= end + DATE_SLACK_AFTER):
                sink.add("HEADER_DATE_OUT_OF_PERIOD", cell=cell.ref, field=label, value=day.isoformat(),
                         start=start.isoformat(), end=end.isoformat())
            text = day.isoformat()
        elif f.max_length and len(text) > f.max_length:
            sink.add("VALUE_TEXT_TOO_LONG", cell=cell.ref, field=label, max=f.max_length, length=len(text))
            text = text[: f.max_length]
        header[f.key] = text
    return header


# Values -----------------------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    """A cell value as text: integers without ".0", dates as ISO, None as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).strip()


_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def parse_number(value: Any) -> tuple[Optional[float], bool]:
    """(number, normalized) for a cell value; normalized is True when text had to be cleaned
    (full-width digits, thousands separators, a trailing % or spaces). (None, False) if not a number."""
    if isinstance(value, bool) or value is None:
        return None, False
    if isinstance(value, (int, float)):
        return (float(value), False) if math.isfinite(value) else (None, False)
    if isinstance(value, (dt.date, dt.datetime)):
        return None, False
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text == "":
        return None, False
    cleaned = text.replace(",", "").replace(" ", "")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    if _NUMBER.match(cleaned):
        number = float(cleaned)
        return (number, True) if math.isfinite(number) else (None, False)
    return None, False


def _unreadable(cell: Optional[Cell]) -> bool:
    """An error value, or a formula whose result the file does not hold: nothing can be read."""
    return cell is not None and (cell.error is not None or (cell.formula is not None and _as_text(cell.value) == ""))


def _usable(cell: Optional[Cell], field: str, sink: ProblemSink) -> Optional[Cell]:
    """`cell` if its value can be used, else None. Formulas are never evaluated: a formula's cached
    result is used with a warning; an error value or a formula without a cached result is an error."""
    if cell is None:
        return None
    if cell.error is not None:
        sink.add("VALUE_ERROR", cell=cell.ref, field=field, value=cell.error or "#ERROR")
        return None
    if cell.formula is not None:
        if _as_text(cell.value) == "":
            sink.add("VALUE_FORMULA_NO_RESULT", cell=cell.ref, field=field, value=f"={cell.formula}",
                     formula=shown(cell.formula))
            return None
        sink.add("VALUE_FORMULA", cell=cell.ref, field=field, value=cell.value)
    return cell


def _check_merged(raw: RawReturn, sink: ProblemSink) -> None:
    """Merged ranges that cover an input cell: only the top-left cell of a merge keeps a value."""
    if not raw.merged:
        return
    from .container import col_number

    spans = []  # (match, range, c1, r1, c2, r2) of the ranges that merge more than one cell
    for rng in raw.merged:
        m = re.match(r"^([A-Z]+)(\d+):([A-Z]+)(\d+)$", rng)
        if not m:
            continue
        c1, r1, c2, r2 = col_number(m[1]), int(m[2]), col_number(m[3]), int(m[4])
        if (c1, r1) != (c2, r2):
            spans.append((m, rng, c1, r1, c2, r2))
    if not spans:
        return
    # Only input cells on rows some range covers can be inside one (a return's merges are its
    # title rows): skip the other rows' cells.
    def covered(row: int) -> bool:
        return any(min(r1, r2) <= row <= max(r1, r2) for _, _, _, r1, _, r2 in spans)

    forms = {INDICATOR_FORM.key: INDICATOR_FORM, TASK_FORM.key: TASK_FORM}
    inputs = [c.ref for f in HEADER_FIELDS if f.input and (c := raw.header.get(f.key)) is not None]
    for row in raw.rows:
        form = forms.get(row.form)
        if form is not None and covered(row.row + 1):
            inputs += [c.ref for key, c in row.values.items() if form.column(key).input]
    points = []
    for ref in inputs:
        m = re.match(r"^([A-Z]+)(\d+)$", ref)
        if m:
            points.append((col_number(m[1]), int(m[2])))
    for m, rng, c1, r1, c2, r2 in spans:
        if any(min(c1, c2) <= c <= max(c1, c2) and min(r1, r2) <= r <= max(r1, r2) for c, r in points):
            sink.add("STRUCT_MERGED_CELLS", cell=f"{m[1]}{m[2]}", value=rng)


# Input cells are read by their column's type (forms.ColumnType): one reader per type, each turning
# a cell into a value (None when empty or invalid) and reporting what is wrong with it. The rules
# that relate several cells of a row (已完成 needs 100 %, 滞后 needs 存在问题 …) come after.


@dataclass(frozen=True)
class _Item:
    """What a cell reader may need to know about the row's item."""

    id: str
    target: Any = None  # the indicator's Target (number columns: percent written as a fraction)
    vocabularies: tuple[Labels, ...] = ()  # choice answers: the return's own words first


def _read_longtext(col: Column, cell: Optional[Cell], sink: ProblemSink, item: _Item) -> str:
    cell = _usable(cell, col.label, sink)
    if cell is None:
        return ""
    text = _as_text(cell.value)
    if col.max_length and len(text) > col.max_length:
        sink.add("VALUE_TEXT_TOO_LONG", cell=cell.ref, field=col.label, max=col.max_length, length=len(text))
        return text[: col.max_length]
    return text


def _read_choice(col: Column, cell: Optional[Cell], sink: ProblemSink, item: _Item) -> Optional[str]:
    cell = _usable(cell, col.label, sink)
    if cell is None:
        return None
    text = _as_text(cell.value)
    if not text:
        sink.add("VALUE_STATUS_EMPTY", cell=cell.ref, field=col.label, item=item.id)
        return None
    key = col.choice_key(text, item.vocabularies)
    if key is None:
        sink.add("VALUE_STATUS_INVALID", cell=cell.ref, field=col.label, value=text,
                 choices=LabelRef(*(f"{col.choice_group}.{k}" for k in col.choices)))
    return key


def _number_in(col: Column, cell: Optional[Cell], sink: ProblemSink, not_number: str
               ) -> Optional[tuple[Cell, float, bool]]:
    """(cell, number, normalized) of a filled number cell; None when blank or unusable, or (with the
    problem `not_number`) when it holds no number."""
    cell = _usable(cell, col.label, sink)
    if cell is None or _as_text(cell.value) == "":
        return None
    number, normalized = parse_number(cell.value)
    if number is None:
        sink.add(not_number, cell=cell.ref, field=col.label, value=cell.value)
        return None
    return cell, number, normalized


def _read_percent(col: Column, cell: Optional[Cell], sink: ProblemSink, item: _Item) -> Optional[float]:
    """A share 0–100 (完成进度)."""
    read = _number_in(col, cell, sink, "VALUE_PROGRESS_NOT_NUMBER")
    if read is None:
        return None
    cell, number, normalized = read
    if cell.percent:  # "80%" typed into the cell: the program stored 0.8 with a percent format
        number = _scaled(number, cell, col, sink)
    if not 0 <= number <= 100:
        sink.add("VALUE_PROGRESS_RANGE", cell=cell.ref, field=col.label, value=number)
        return None
    if normalized:
        sink.add("VALUE_ACTUAL_NORMALIZED", cell=cell.ref, field=col.label, value=cell.value,
                 normalized=wording.number(number))
    return number


def _read_number(col: Column, cell: Optional[Cell], sink: ProblemSink, item: _Item) -> Optional[float]:
    """Any number in the item's unit of measure (本期实际值)."""
    read = _number_in(col, cell, sink, "VALUE_ACTUAL_NOT_NUMBER")
    if read is None:
        return None
    cell, number, normalized = read
    if normalized:
        sink.add("VALUE_ACTUAL_NORMALIZED", cell=cell.ref, field=col.label, value=cell.value,
                 normalized=wording.number(number))
    target = item.target
    if cell.percent and target is not None and target.unit == "%":  # "7.2%" typed: stored as 0.072
        return _scaled(number, cell, col, sink)
    if (target is not None and target.unit == "%" and 0 < abs(number) < 1 and not normalized
            and (target.low is None or abs(target.low) >= 1)):
        sink.add("VALUE_ACTUAL_FRACTION", cell=cell.ref, field=col.label, value=wording.number(number),
                 percent=wording.number(round(number * 100, 6)))
    return number


def _scaled(number: float, cell: Cell, col: Column, sink: ProblemSink) -> float:
    """A number typed with a % sign (the cell has a percent format) in percentage points."""
    scaled = round(number * 100, 9)
    sink.add("VALUE_PERCENT_TYPED", cell=cell.ref, field=col.label, value=wording.number(number),
             normalized=wording.number(scaled))
    return scaled


CELL_READERS = {
    ColumnType.longtext: _read_longtext,
    ColumnType.choice: _read_choice,
    ColumnType.percent: _read_percent,
    ColumnType.number: _read_number,
}


def _read_inputs(form: Form, row: RawRow, sink: ProblemSink, item: _Item) -> dict[str, Any]:
    """Every input cell of `row`, read by its column's type."""
    return {col.key: CELL_READERS[col.type](col, row.values.get(col.key), sink, item) for col in form.inputs}


def _check_task(task, unit: Unit, role: Optional[str], row: RawRow, sink: ProblemSink,
                vocabularies: tuple[Labels, ...], previous: Optional[dict] = None) -> TaskReport:
    values = _read_inputs(TASK_FORM, row, sink, _Item(task.id, vocabularies=vocabularies))
    report = TaskReport(task_id=task.id, unit=unit.name, role=role or "",
                        status=values["status"], progress=values["progress"], work=values["work"],
                        problems=values["problems"], next_steps=values["next_steps"],
                        cells={k: c.ref for k, c in row.values.items()})
    status, progress = report.status, report.progress
    progress_ref = row.values["progress"].ref if "progress" in row.values else None
    if status == "done" and progress is not None and progress < 100:
        sink.add("VALUE_DONE_NOT_100", cell=progress_ref, field="columns.progress", value=wording.number(progress))
    if status == "not_started" and progress is not None and progress > 0:
        sink.add("VALUE_NOT_STARTED_PROGRESS", cell=progress_ref, field="columns.progress",
                 value=wording.number(progress))
    work_cell = row.values.get("work")
    if status and status != "not_started" and not report.work and work_cell is not None and not _unreadable(work_cell):
        sink.add("VALUE_WORK_EMPTY", cell=work_cell.ref, field="columns.work", item=task.id,
                 status=LabelRef(f"status.{status}"))
    problems_cell = row.values.get("problems")
    if status == "lagging" and not report.problems and problems_cell is not None and not _unreadable(problems_cell):
        sink.add("VALUE_PROBLEMS_EMPTY", cell=problems_cell.ref, field="columns.problems", item=task.id)
    last = (previous or {}).get("answers", {}).get(task.id)
    if last and report.work and _norm_text(last.get("work")) == _norm_text(report.work):
        sink.add("VALUE_UNCHANGED", cell=work_cell.ref if work_cell else None, field="columns.work", item=task.id,
                 period=previous["period"])
    return report


def _check_indicator(ind, unit: Unit, role: Optional[str], row: RawRow, sink: ProblemSink) -> IndicatorReport:
    values = _read_inputs(INDICATOR_FORM, row, sink, _Item(ind.id, target=ind.target))
    report = IndicatorReport(indicator_id=ind.id, unit=unit.name, role=role or "",
                             actual=values["actual"], note=values["note"],
                             cells={k: c.ref for k, c in row.values.items()})
    cell = row.values.get("actual")
    if (cell is not None and _as_text(cell.value) == "" and not _unreadable(cell) and not report.note
            and not _unreadable(row.values.get("note"))):
        sink.add("VALUE_ACTUAL_EMPTY", cell=cell.ref, field="columns.actual", item=ind.id)
    return report


def _check_target(task, target, unit: Unit, role: Optional[str], row: RawRow, sink: ProblemSink) -> TargetReport:
    values = _read_inputs(TARGET_FORM, row, sink, _Item(target.id, target=target))
    return TargetReport(target_id=target.id, task_id=task.id, unit=unit.name, role=role or "",
                        actual=values["actual"], note=values["note"], cells={k: c.ref for k, c in row.values.items()})
