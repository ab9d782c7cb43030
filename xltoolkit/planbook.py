"""The plan workbook (分工表): the office assigns units, collective members, contacts and baselines in
Excel, and gets a plan file back.

Pipeline, as for returns: the forms below serve both the writer (`writing/planbook.py`, `xltool plan
export`) and the reader (`read_planbook`, calamine after the same container checks as returns); the
import rules (`plan_from_planbook`) are pure: raw workbook + source plan -> plan data and problems.
Rows are found by the stable ids written into the workbook (units: 单位编号; items: 编号), headers
by the vocabulary embedded in its metadata, so sorted rows and another locale still read.

Problems are `PlanbookProblem`s (code, sheet!cell, params; severity error or warning), rendered from
``planbook_errors.*``. Nothing is written when there is an error.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from .forms import Column, ColumnType, Form, vocabulary
from .labels import Labels
from .model import ID_PATTERN, Measure, Plan, UnitKind
from .problems import XltoolError

PLANBOOK_KIND = "planbook"  # metadata kind of a plan workbook (not a return)
BLANK_UNIT_ROWS = 30  # empty directory rows for new units (street offices …)
MAX_LIST_CHARS = 2000

DIRECTORY_FORM = Form("directory", (
    Column("id", "planbook.columns.unit_id", ColumnType.id, width=12),
    Column("name", "planbook.columns.unit_name", ColumnType.longtext, input=True, width=30, max_length=100),
    Column("kind", "planbook.columns.unit_kind", ColumnType.choice, input=True, width=16,
           choices=tuple(k.value for k in UnitKind), choice_group="unit_kind"),
    Column("aliases", "planbook.columns.aliases", ColumnType.longtext, input=True, width=28, max_length=500),
    Column("members", "planbook.columns.members", ColumnType.longtext, input=True, width=44,
           max_length=MAX_LIST_CHARS),
    Column("contact", "planbook.columns.contact", ColumnType.longtext, input=True, width=12, max_length=50),
    Column("phone", "planbook.columns.phone", ColumnType.phone, input=True, width=16, max_length=30),
))

ASSIGNMENT_FORM = Form("assignment", (
    Column("id", "columns.id", ColumnType.id, width=9),
    Column("category", "planbook.columns.category", ColumnType.text, width=6),
    Column("chapter", "planbook.columns.chapter", ColumnType.text, width=14),
    Column("name", "planbook.columns.name", ColumnType.text, width=18),
    Column("text", "planbook.columns.text", ColumnType.text, width=44),
    Column("lead_units", "columns.lead_units", ColumnType.longtext, input=True, width=18, max_length=MAX_LIST_CHARS),
    Column("responsible_units", "columns.responsible_units", ColumnType.longtext, input=True, width=26,
           max_length=MAX_LIST_CHARS),
    Column("baseline", "planbook.columns.baseline", ColumnType.number, input=True, width=10),
    Column("baseline_year", "planbook.columns.baseline_year", ColumnType.number, input=True, width=9),
    Column("suggestion", "planbook.columns.suggestion", ColumnType.text, width=30),
    Column("note", "planbook.columns.note", ColumnType.longtext, input=True, width=20, max_length=500),
))

PLANBOOK_FORMS = (DIRECTORY_FORM, ASSIGNMENT_FORM)
HEADER_ROW = 2  # 0-based: title, subtitle, then the header row on both sheets
_LIST_SPLIT = re.compile(r"\s*[、,，;；\n]\s*")


def planbook_vocabulary(labels: Labels) -> dict:
    return vocabulary(labels, PLANBOOK_FORMS)


def split_names(text: str) -> list[str]:
    """"区发改局、区科经局" -> ["区发改局", "区科经局"] (、 , ， ; ； or new lines)."""
    return [p for p in _LIST_SPLIT.split(str(text or "").strip()) if p]


def category(item_kind: str) -> str:
    return f"planbook.category.{item_kind}"


def has_baseline(target) -> bool:
    """Items whose 基期值 the office can give: indicators and targets judged as levels."""
    return target.measure is Measure.level


# Problems --------------------------------------------------------------------------------------

PLANBOOK_SEVERITY = {
    "PLANBOOK_NOT_A_PLANBOOK": "error",
    "PLANBOOK_NO_SHEET": "error",
    "PLANBOOK_HEADER_CHANGED": "error",
    "PLANBOOK_SOURCE_UNKNOWN": "error",
    "PLANBOOK_SOURCE_CHANGED": "error",
    "PLANBOOK_UNIT_NAME_MISSING": "error",
    "PLANBOOK_UNIT_DUPLICATE": "error",
    "PLANBOOK_UNIT_KIND_INVALID": "error",
    "PLANBOOK_UNIT_ID_UNKNOWN": "error",
    "PLANBOOK_MEMBER_UNKNOWN": "error",
    "PLANBOOK_MEMBER_LOOP": "error",
    "PLANBOOK_MEMBERS_NOT_COLLECTIVE": "error",
    "PLANBOOK_UNIT_UNKNOWN": "error",
    "PLANBOOK_UNIT_BOTH_ROLES": "error",
    "PLANBOOK_ROW_UNKNOWN": "error",
    "PLANBOOK_ROW_MISSING": "warning",
    "PLANBOOK_ASSIGNMENT_ON_TARGET": "error",
    "PLANBOOK_BASELINE_NOT_NUMBER": "error",
    "PLANBOOK_BASELINE_NOT_LEVEL": "error",
    "PLANBOOK_BASELINE_YEAR_INVALID": "error",
    "PLANBOOK_ITEM_UNASSIGNED": "warning",
    "PLANBOOK_UNIT_UNUSED": "warning",
    "PLANBOOK_PHONE_INVALID": "error",
}


class PlanbookProblem(XltoolError):
    """One problem in a plan workbook: ``planbook_errors.<code>`` at ``sheet!cell``."""

    group = "planbook_errors"

    @property
    def severity(self) -> str:
        return PLANBOOK_SEVERITY[self.code]

    def line(self, labels: Labels) -> str:
        hint = self.params.get("hint")
        if hint is None:
            return super().line(labels)
        shown = labels.fmt("planbook_errors._hint", name=hint) if hint else ""
        saved = self.params
        self.params = {**saved, "hint": shown}
        try:
            return super().line(labels)
        finally:
            self.params = saved


class PlanbookError(XltoolError):
    """A plan workbook that cannot be imported: its problems (errors, and the warnings besides)."""

    def render(self, labels: Labels) -> str:
        head = labels.fmt("errors.PLANBOOK_INVALID", path=self.path,
                          count=sum(1 for p in self.problems if p.severity == "error"))
        return "\n".join([head, *(render_problem(p, labels) for p in self.problems)])


def render_problem(p: PlanbookProblem, labels: Labels) -> str:
    return labels.fmt("planbook_errors._line", severity=labels[f"severity.{p.severity}"], code=p.code,
                      message=p.line(labels))


# Reading ---------------------------------------------------------------------------------------


@dataclass
class RawPlanbook:
    """What a plan workbook holds: its identity, and each sheet's rows by column key with A1 refs."""

    path: str
    meta: dict[str, str] = field(default_factory=dict)
    directory: list[dict[str, tuple[Any, str]]] = field(default_factory=list)  # key -> (value, ref)
    assignment: list[dict[str, tuple[Any, str]]] = field(default_factory=list)
    sheet_names: dict[str, str] = field(default_factory=dict)  # form key -> sheet name
    problems: list[PlanbookProblem] = field(default_factory=list)


def read_planbook(path: Path, labels: Labels) -> RawPlanbook:
    """Read a plan workbook (after the container checks returns get). Raises ReturnFileError for
    file-level faults; sheet and header problems are collected in `problems`."""
    from python_calamine import CalamineWorkbook

    from .metadata import VOCABULARY_KEY, parse_vocabulary
    from .reading import META_SHEET, a1, check_container

    check_container(Path(path))
    raw = RawPlanbook(path=str(path))
    wb = CalamineWorkbook.from_path(str(path))
    names = list(wb.sheet_names)
    vocab = None
    if META_SHEET in names:
        grid = wb.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False, nrows=100)
        raw.meta = {str(r[0]).strip(): str(r[1]).strip() for r in grid if len(r) >= 2 and r[0] != ""}
        vocab = parse_vocabulary(raw.meta.pop(VOCABULARY_KEY, None))
    file = Path(path).name
    if raw.meta.get("kind") != PLANBOOK_KIND:
        raw.problems.append(PlanbookProblem("PLANBOOK_NOT_A_PLANBOOK", path=file))
        return raw
    sheet_words = (vocab or {}).get("sheets", {})
    for form, attr in ((DIRECTORY_FORM, "directory"), (ASSIGNMENT_FORM, "assignment")):
        wanted = [sheet_words.get(form.key), labels[f"planbook.sheets.{form.key}"]]
        sheet = next((n for n in wanted if n and n in names), None)
        if sheet is None:
            raw.problems.append(PlanbookProblem("PLANBOOK_NO_SHEET", path=file, sheet=wanted[-1]))
            continue
        raw.sheet_names[form.key] = sheet
        grid = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        texts = {}
        for col in form.columns:
            for t in ((vocab or {}).get("forms", {}).get(form.key, {}).get(col.key), col.header(labels)):
                if t:
                    texts.setdefault(str(t).strip(), col.key)
        header = next((r for r, row in enumerate(grid[:20]) if row and str(row[0]).strip() in texts
                       and texts[str(row[0]).strip()] == "id"), None)
        if header is None:
            raw.problems.append(PlanbookProblem("PLANBOOK_HEADER_CHANGED", path=file, where=f"{sheet}",
                                                missing=form.columns[0].header(labels)))
            continue
        columns = {}
        for c, v in enumerate(grid[header]):
            key = texts.get(str(v).strip())
            if key and key not in columns:
                columns[key] = c
        missing = [col.header(labels) for col in form.columns if col.key not in columns]
        if missing:
            raw.problems.append(PlanbookProblem("PLANBOOK_HEADER_CHANGED", path=file,
                                                where=f"{sheet}!{a1(header, 0)}", missing="、".join(missing)))
            continue
        rows = getattr(raw, attr)
        for r in range(header + 1, len(grid)):
            row = grid[r]
            values = {k: (row[c] if c < len(row) else "", a1(r, c)) for k, c in columns.items()}
            if any(_text(v) for v, _ in values.values()):
                rows.append(values)
    return raw


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# Import rules (pure) ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    data: dict  # the new plan file's data
    problems: list[PlanbookProblem]

    @property
    def errors(self) -> list[PlanbookProblem]:
        return [p for p in self.problems if p.severity == "error"]


def plan_from_planbook(raw: RawPlanbook, source: Plan, source_fingerprint: str, labels: Labels, *,
                       new_id: Optional[str] = None, file_digest: str = "",
                       today: Optional[dt.date] = None) -> ImportResult:
    """The plan the workbook describes: the source plan's texts and ids, with the units, members,
    contacts, assignments and baselines the office entered. Pure: the inputs are not changed."""
    file = Path(raw.path).name
    problems = list(raw.problems)
    data = source.model_dump(mode="json")
    if problems and any(p.severity == "error" for p in problems):
        return ImportResult(data, problems)
    if raw.meta.get("plan_id") != source.id:
        problems.append(PlanbookProblem("PLANBOOK_SOURCE_UNKNOWN", path=file, found=raw.meta.get("plan_id", ""),
                                        expected=source.id))
        return ImportResult(data, problems)
    if raw.meta.get("plan_fingerprint") != source_fingerprint:
        problems.append(PlanbookProblem("PLANBOOK_SOURCE_CHANGED", path=file, found=raw.meta.get("plan_fingerprint", ""),
                                        expected=source_fingerprint, plan=source.id))
        return ImportResult(data, problems)
    sheet_d = raw.sheet_names.get("directory", "")
    sheet_a = raw.sheet_names.get("assignment", "")
    units, spelling = _units(raw, source, file, sheet_d, labels, problems)
    used: set[str] = set()
    _assignments(raw, source, data, spelling, units, file, sheet_a, problems, used)
    # Units with no item that are no collective's member are left out (the directory may list the
    # whole district, e.g. pre-filled from another plan): one warning lists them.
    members = {m for u in units for m in u.get("members", [])}
    unused = [u["name"] for u in units if u["name"] not in used and u["name"] not in members]
    if unused:
        problems.append(PlanbookProblem("PLANBOOK_UNIT_UNUSED", path=file, where=sheet_d, units="、".join(unused),
                                        count=len(unused)))
    data["units"] = [u for u in units if u["name"] not in unused]
    data["id"] = new_id or f"{source.id}-fengong"[:40]
    data["derived_from"] = {"id": source.id, "fingerprint": source_fingerprint}
    data["units_assigned"] = any(i.get("lead_units") or i.get("responsible_units")
                                 for i in [*data["indicators"], *(t for c in data["chapters"] for t in c["tasks"])])
    when = (today or dt.date.today()).isoformat()
    data["decisions"] = [*data.get("decisions", []),
                         f"Units, members, contacts, assignments and baselines imported on {when} from the plan "
                         f"workbook {file} (sha256 {file_digest[:16]}), made by `xltool plan export` from plan "
                         f"{source.id} (fingerprint {source_fingerprint})."]
    return ImportResult(data, problems)


def _units(raw: RawPlanbook, source: Plan, file: str, sheet: str, labels: Labels,
           problems: list) -> tuple[list[dict], dict[str, str]]:
    """The directory's units (existing ones keep their ids), and every spelling -> unit name."""
    from .validation import valid_phone

    kind_col = DIRECTORY_FORM.column("kind")
    known = {u.id: u for u in source.units}
    units: list[dict] = []
    spelling: dict[str, str] = {}
    taken = {u.id.casefold() for u in source.units}
    taken |= {_text(r["id"][0]).casefold() for r in raw.directory if _text(r["id"][0])}
    seen_ids: set[str] = set()
    for row in raw.directory:
        name, ref = _text(row["name"][0]), row["name"][1]
        uid = _text(row["id"][0])
        if not name:
            if any(_text(row[k][0]) for k in ("aliases", "members", "contact", "phone")):
                problems.append(PlanbookProblem("PLANBOOK_UNIT_NAME_MISSING", path=file, where=f"{sheet}!{ref}"))
            continue
        if name in spelling:
            problems.append(PlanbookProblem("PLANBOOK_UNIT_DUPLICATE", path=file, where=f"{sheet}!{ref}", unit=name))
            continue
        # An id is written by export (the plan's own units, or the suggestion plan's): kept as it is.
        if uid and (not re.fullmatch(ID_PATTERN, uid) or uid.casefold() in seen_ids):
            problems.append(PlanbookProblem("PLANBOOK_UNIT_ID_UNKNOWN", path=file, where=f"{sheet}!{row['id'][1]}",
                                            value=uid))
            continue
        seen_ids.add(uid.casefold())
        kind_text = _text(row["kind"][0])
        kind = kind_col.choice_key(kind_text, (labels,)) if kind_text else (
            known[uid].kind.value if uid in known else None)
        if kind is None:
            problems.append(PlanbookProblem("PLANBOOK_UNIT_KIND_INVALID", path=file, where=f"{sheet}!{row['kind'][1]}",
                                            value=kind_text, choices="、".join(kind_col.choice_labels(labels))))
            continue
        phone = _text(row["phone"][0])
        if phone and not valid_phone(phone):
            problems.append(PlanbookProblem("PLANBOOK_PHONE_INVALID", path=file, where=f"{sheet}!{row['phone'][1]}",
                                            value=phone))
        if not uid:
            uid = new_unit_id(name, taken)
        taken.add(uid.casefold())
        unit = {"id": uid, "name": name, "kind": kind, "aliases": split_names(row["aliases"][0]),
                "members": split_names(row["members"][0]), "contact": _text(row["contact"][0]) or None,
                "phone": phone or None, "note": known[uid].note if uid in known else None,
                "_ref": (row["members"][1], row["kind"][1])}
        units.append(unit)
        for s in (name, *unit["aliases"]):
            spelling.setdefault(s, name)
    by_name = {u["name"]: u for u in units}
    for u in units:
        members_ref, kind_ref = u.pop("_ref")
        if u["members"] and u["kind"] != "collective":
            problems.append(PlanbookProblem("PLANBOOK_MEMBERS_NOT_COLLECTIVE", path=file,
                                            where=f"{sheet}!{members_ref}", unit=u["name"]))
        resolved = []
        for m in u["members"]:
            if m not in spelling:
                problems.append(PlanbookProblem("PLANBOOK_MEMBER_UNKNOWN", path=file, where=f"{sheet}!{members_ref}",
                                                unit=m, hint=_closest(m, spelling)))
            else:
                resolved.append(spelling[m])
        u["members"] = resolved
    for u in units:
        loop = _loop(u["name"], by_name)
        if loop:
            problems.append(PlanbookProblem("PLANBOOK_MEMBER_LOOP", path=file, where=sheet, units=" → ".join(loop)))
            break
    return units, spelling


def _loop(start: str, by_name: dict[str, dict]) -> Optional[list[str]]:
    """A chain of members that leads back to `start` (a collective inside itself), or None."""
    stack = [(start, [start])]
    seen = set()
    while stack:
        name, path = stack.pop()
        for m in by_name.get(name, {}).get("members", []):
            if m == start:
                return [*path, m]
            if m not in seen:
                seen.add(m)
                stack.append((m, [*path, m]))
    return None


def _assignments(raw: RawPlanbook, source: Plan, data: dict, spelling: dict[str, str], units: list[dict],
                 file: str, sheet: str, problems: list, used: set[str]) -> None:
    items: dict[str, dict] = {i["id"]: i for i in data["indicators"]}
    targets: dict[str, dict] = {}
    for c in data["chapters"]:
        for t in c["tasks"]:
            items[t["id"]] = t
            for x in t["targets"]:
                targets[x["id"]] = x
    seen: set[str] = set()
    for row in raw.assignment:
        item_id, id_ref = _text(row["id"][0]), row["id"][1]
        if item_id not in items and item_id not in targets:
            problems.append(PlanbookProblem("PLANBOOK_ROW_UNKNOWN", path=file, where=f"{sheet}!{id_ref}",
                                            value=item_id))
            continue
        seen.add(item_id)
        if item_id in targets:
            for key in ("lead_units", "responsible_units"):
                if _text(row[key][0]):
                    problems.append(PlanbookProblem("PLANBOOK_ASSIGNMENT_ON_TARGET", path=file,
                                                    where=f"{sheet}!{row[key][1]}", item=item_id))
            _baseline(row, targets[item_id], item_id, file, sheet, problems)
            continue
        item = items[item_id]
        lead = _names(row["lead_units"], spelling, file, sheet, problems)
        resp = _names(row["responsible_units"], spelling, file, sheet, problems)
        both = [u for u in lead if u in resp]
        if both:
            problems.append(PlanbookProblem("PLANBOOK_UNIT_BOTH_ROLES", path=file,
                                            where=f"{sheet}!{row['responsible_units'][1]}", units="、".join(both)))
        item["lead_units"], item["responsible_units"] = lead, [u for u in resp if u not in lead]
        used.update(lead, resp)
        if "target" in item:
            _baseline(row, item["target"], item_id, file, sheet, problems)
        if not lead and not resp:
            problems.append(PlanbookProblem("PLANBOOK_ITEM_UNASSIGNED", path=file, where=f"{sheet}!{id_ref}",
                                            item=item_id))
    for item_id in [*items, *targets]:
        if item_id not in seen:
            problems.append(PlanbookProblem("PLANBOOK_ROW_MISSING", path=file, where=sheet, item=item_id))


def _names(cell: tuple[Any, str], spelling: dict[str, str], file: str, sheet: str, problems: list) -> list[str]:
    out = []
    for name in split_names(cell[0]):
        if name in spelling:
            out.append(spelling[name])
        else:
            problems.append(PlanbookProblem("PLANBOOK_UNIT_UNKNOWN", path=file, where=f"{sheet}!{cell[1]}",
                                            unit=name, hint=_closest(name, spelling)))
    return list(dict.fromkeys(out))


def _closest(name: str, spelling: dict[str, str]) -> str:
    """The directory's closest spelling, as a hint ("" when nothing is close)."""
    close = difflib.get_close_matches(name, list(spelling), n=1, cutoff=0.5)
    return spelling[close[0]] if close else ""


def _baseline(row: dict, target: dict, item_id: str, file: str, sheet: str, problems: list) -> None:
    from .validation import parse_number

    value_cell, year_cell = row["baseline"], row["baseline_year"]
    if not _text(value_cell[0]) and not _text(year_cell[0]):
        return
    if target.get("measure") != "level":
        problems.append(PlanbookProblem("PLANBOOK_BASELINE_NOT_LEVEL", path=file, where=f"{sheet}!{value_cell[1]}",
                                        item=item_id))
        return
    number, _ = parse_number(value_cell[0])
    if number is None:
        problems.append(PlanbookProblem("PLANBOOK_BASELINE_NOT_NUMBER", path=file, where=f"{sheet}!{value_cell[1]}",
                                        value=_text(value_cell[0])))
        return
    year_text = _text(year_cell[0])
    if year_text and not (year_text.isdigit() and 1990 <= int(year_text) <= 2100):
        problems.append(PlanbookProblem("PLANBOOK_BASELINE_YEAR_INVALID", path=file, where=f"{sheet}!{year_cell[1]}",
                                        value=year_text))
        return
    target["baseline"] = number
    target["baseline_year"] = int(year_text) if year_text else None


def new_unit_id(name: str, taken: set[str]) -> str:
    """An id for a new unit made from its name: the pinyin initials (as the bundled plans' ids are),
    with 2, 3 … added when taken; a short hash when the name has no Chinese."""
    initials = ""
    try:
        from pypinyin import Style, lazy_pinyin

        initials = "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p[:1].isascii()
                           and p[:1].isalnum()).lower()
    except ImportError:  # pragma: no cover - pypinyin is a dependency
        pass
    base = re.sub(r"[^a-z0-9]", "", initials)[:30]
    if not base or not base[0].isalpha():
        base = "u" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    candidate, n = base, 2
    while candidate.casefold() in taken:
        candidate = f"{base}{n}"
        n += 1
    return candidate
