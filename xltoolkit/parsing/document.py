"""Orchestration: document lines -> plan data + warnings (line, code, values) + alias suggestions.

`parse_lines` never raises on any input: whatever it cannot place becomes a warning. The only file
I/O here is `read_document(path)`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from . import metadata as meta_mod
from . import structure
from .assignments import (KIND_ONLY, Assignment, find_bracket, own_line_assignment, parse_assignment,
                          time_limit_in)
from .targets import PROPAGATING, indicator_targets, invalid_ranges, period_year, task_targets
from .limits import (MAX_DOCUMENT_XML_BYTES, MAX_FILE_BYTES, MAX_HTML_BYTES, MAX_TEXT_CHARS, ZipRefused, check_zip,
                     parse_code)
from .tables import TableTooLarge
from .text import DecodeError, Line, decode_bytes, normalize, split_lines, without_invisible
from .units import ALIAS_PAIRWISE_LIMIT, AliasSuggestion, UnitRegistry, suggest_aliases
from .warnings import ParseInputError, ParseWarning
from ..problems import LabelText

MAX_BYTES = MAX_FILE_BYTES
ID_SAFE = re.compile(r"[^A-Za-z0-9_.\-]")


@dataclass
class ParseResult:
    data: dict[str, Any]  # the plan file content (validates with plans.plan_from_data)
    warnings: list[ParseWarning] = field(default_factory=list)
    suggestions: list[AliasSuggestion] = field(default_factory=list)
    plan: Any = None  # the validated Plan, None when the document holds no indicator and no task
    encoding: Optional[str] = None

    @property
    def is_plan(self) -> bool:
        return self.plan is not None and bool(self.data.get("indicators") or self.data.get("chapters"))


# --------------------------------------------------------------------------- input

PDF_MAGIC = b"%PDF-"
_HTML_SNIFF = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<table|<meta|<div|<p[\s>])", re.I)


def read_document(path, sheet: Optional[str] = None) -> tuple[list[Line], str]:
    """Lines of a document and what it was read as (its encoding for text, else the format).

    .txt (UTF-8, GB18030/GBK, UTF-16 with BOM); .docx (paragraphs and tables); .xlsx and .csv
    division tables (the first sheet, or `sheet`); .html/.htm pages; .pdf with a text layer. Raises
    ParseInputError (a code with a Chinese label) for anything it cannot or will not read.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise ParseInputError(str(path), "IS_DIRECTORY")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ParseInputError(str(path), "TOO_LARGE", LabelText("details.file_bytes", size=size,
                                                                    limit=MAX_FILE_BYTES))
        data = path.read_bytes()
    except FileNotFoundError:
        raise ParseInputError(str(path), "NOT_FOUND") from None
    except ParseInputError:
        raise
    except OSError as exc:
        raise ParseInputError(str(path), "UNREADABLE", exc.strerror or str(exc)) from None
    suffix = path.suffix.lower()
    if sheet is not None and suffix not in (".xlsx", ".xlsm") and data[:4] != b"PK\x03\x04":
        raise ParseInputError(str(path), "SHEET_NOT_APPLICABLE")
    try:
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            if "EncryptionInfo".encode("utf-16-le") in data:
                raise ParseInputError(str(path), "ENCRYPTED")  # an encrypted .docx/.xlsx is an OLE file
            raise ParseInputError(str(path), "LEGACY_XLS" if suffix in (".xls", ".et") else "LEGACY_DOC")
        elif data[:4] == b"PK\x03\x04" or suffix in (".docx", ".xlsx"):
            lines, kind = _read_zip(path, data, suffix, sheet)
        elif data[:5] == PDF_MAGIC or suffix == ".pdf":
            from .pdf import PdfError, pdf_lines

            try:
                lines, kind = pdf_lines(data), "pdf"
            except PdfError as exc:
                raise ParseInputError(str(path), exc.code, exc.detail) from None
        else:
            lines, kind = _read_text(path, data, suffix)
    except TableTooLarge as exc:
        raise ParseInputError(str(path), "TEXT_TOO_LONG", exc.detail) from None
    total = sum(len(ln.raw) for ln in lines)
    if total > MAX_TEXT_CHARS:
        raise ParseInputError(str(path), "TEXT_TOO_LONG", text_detail(total))
    return lines, kind


def text_detail(count: int) -> LabelText:
    """The detail of a document refused for the characters of its text."""
    return LabelText("details.text_chars", count=count, limit=MAX_TEXT_CHARS)


def _read_text(path: Path, data: bytes, suffix: str) -> tuple[list[Line], str]:
    if len(data) > 4 * MAX_TEXT_CHARS and suffix not in (".html", ".htm"):
        raise ParseInputError(str(path), "TEXT_TOO_LONG", LabelText("details.text_bytes", size=len(data),
                                                                    limit=MAX_TEXT_CHARS))
    if suffix in (".html", ".htm") and len(data) > MAX_HTML_BYTES:
        raise ParseInputError(str(path), "TOO_LARGE", LabelText("details.file_bytes", size=len(data),
                                                                limit=MAX_HTML_BYTES))
    try:
        text, encoding = decode_bytes(data)
    except DecodeError as exc:
        raise ParseInputError(str(path), "BINARY" if exc.code == "binary" else "ENCODING") from None
    if suffix in (".html", ".htm") or (suffix not in (".txt", ".csv") and _HTML_SNIFF.match(data[:512])):
        from .htmlpage import html_lines

        return html_lines(text), f"html:{encoding}"
    if suffix == ".csv":
        from .sheets import SheetError, csv_lines

        try:
            return csv_lines(text), f"csv:{encoding}"
        except SheetError as exc:
            raise ParseInputError(str(path), exc.code, exc.detail) from None
    if len(text) > MAX_TEXT_CHARS:
        raise ParseInputError(str(path), "TEXT_TOO_LONG", text_detail(len(text)))
    return split_lines(text), encoding


def _read_zip(path: Path, data: bytes, suffix: str, sheet: Optional[str]) -> tuple[list[Line], str]:
    """.docx or .xlsx, each only after the container checks of returns."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        code = "XLSX_UNREADABLE" if suffix == ".xlsx" else "DOCX_UNREADABLE"
        raise ParseInputError(str(path), code, f"{type(exc).__name__}: {exc}") from None
    if "xl/workbook.xml" in names:
        from ..container import ReturnFileError, inspect_container
        from .sheets import SheetError, xlsx_lines

        try:
            inspect_container(path)
        except ReturnFileError as exc:
            code = {"FILE_MACRO": "XLSX_MACRO", "FILE_NOT_XLSX": "XLSX_UNREADABLE"}.get(exc.code) or parse_code(exc.code)
            raise ParseInputError(str(path), code, exc.detail or exc.code) from None
        try:
            return xlsx_lines(path, sheet), "xlsx"
        except SheetError as exc:
            raise ParseInputError(str(path), exc.code, exc.detail) from None
    if sheet is not None:
        raise ParseInputError(str(path), "SHEET_NOT_APPLICABLE")
    if "word/document.xml" not in names:
        raise ParseInputError(str(path), "DOCX_UNREADABLE", LabelText("details.no_document_part"))
    try:
        check_zip(path, {"word/document.xml": MAX_DOCUMENT_XML_BYTES})
    except ZipRefused as exc:
        raise ParseInputError(str(path), exc.code, exc.detail) from None
    from .docx import docx_lines

    try:
        return docx_lines(data), "docx"
    except TableTooLarge:
        raise
    except ValueError as exc:
        raise ParseInputError(str(path), "DOCX_UNREADABLE", str(exc)[:300]) from None


def parse_text(text: str, source_name: Optional[str] = None, plan_id: Optional[str] = None) -> ParseResult:
    return parse_lines(split_lines(text), source_name, plan_id)


# --------------------------------------------------------------------------- orchestration

def parse_lines(lines: list[Line], source_name: Optional[str] = None, plan_id: Optional[str] = None,
                this_year: Optional[int] = None) -> ParseResult:
    warnings: list[ParseWarning] = []
    lines, removed = without_invisible(lines)
    for number, counts in removed.items():
        warnings.append(ParseWarning(number, "INVISIBLE_REMOVED", {"chars": _char_counts(counts)}))
    st = structure.build(lines)
    warnings += st.warnings
    meta = meta_mod.extract(st.front)
    horizon = meta.horizon or _guess_horizon(lines, meta, warnings, this_year)
    registry = UnitRegistry()
    indicators = _indicators(st, horizon, registry, warnings)
    chapters = _chapters(st, horizon, registry, warnings)
    registry.resolve_members()
    if not meta.title:
        warnings.append(ParseWarning(0, "NO_TITLE"))
    assigned = bool(registry.entries)
    if (indicators or chapters) and not assigned:
        warnings.append(ParseWarning(0, "NO_UNITS"))
    if not indicators and not chapters:
        warnings.append(ParseWarning(0, "NOTHING_FOUND"))
    data: dict[str, Any] = {
        "schema": 1,
        "id": _plan_id(plan_id, source_name),
        "title": meta.title or (Path(source_name).stem if source_name else "未命名规划"),
        "issuer": meta.issuer,
        "doc_number": meta.doc_number,
        "published": meta.published,
        "source_file": Path(source_name).name if source_name else None,
        "horizon": list(horizon),
        "period_kinds": ["year", "half", "quarter"],
        "units_assigned": assigned,
        "decisions": [_invisible_decision(removed)] if removed else [],
        "units": registry.to_data(),
        "indicators": indicators,
        "chapters": chapters,
    }
    if len(registry.entries) > ALIAS_PAIRWISE_LIMIT:
        warnings.append(ParseWarning(0, "ALIAS_CHECK_LIMITED", {"units": len(registry.entries)}))
    result = ParseResult(data, warnings, suggestions=suggest_aliases(registry.entries))
    result.plan = _validate(data, warnings)
    return result


def _char_counts(counts: dict[str, int]) -> str:
    """U+200B ×2, U+202E (the code points removed from one line)."""
    return ", ".join(f"{code} ×{n}" if n > 1 else code for code, n in counts.items())


def _invisible_decision(removed: dict[int, dict[str, int]]) -> str:
    """The transcription decision recorded in the plan file when invisible characters were removed."""
    total: dict[str, int] = {}
    for counts in removed.values():
        for code, n in counts.items():
            total[code] = total.get(code, 0) + n
    lines = sorted(removed)
    where = ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
    return (f"Removed {sum(total.values())} invisible characters from the source ({_char_counts(total)}; lines "
            f"{where}): control, zero-width and direction characters cannot be kept in a plan "
            f"(TEXT_INVISIBLE_CHAR); every text is otherwise as written.")


def _validate(data: dict, warnings: list[ParseWarning]):
    from ..plans import PlanFileError, plan_from_data

    try:
        return plan_from_data(data, "<parse>")
    except PlanFileError as exc:  # a bug of the parser: report it, never crash
        for problem in exc.problems or [exc]:  # codes, not sentences: this is a report of a parser bug
            warnings.append(ParseWarning(0, "INVALID_OUTPUT", {"where": problem.where, "message": problem.code}))
        return None


def _plan_id(plan_id: Optional[str], source_name: Optional[str]) -> str:
    candidate = plan_id or (Path(source_name).stem if source_name else "plan")
    candidate = ID_SAFE.sub("-", candidate).strip("-.") or "plan"
    if not candidate[0].isalpha():
        candidate = "plan-" + candidate
    return candidate[:40]


def _guess_horizon(lines: list[Line], meta, warnings: list[ParseWarning], this_year: Optional[int]) -> tuple[int, int]:
    years = sorted({int(y) for ln in lines for y in re.findall(r"(?<!\d)(20\d\d)年", ln.norm)})
    start = int(meta.published[:4]) if meta.published else (years[0] if years else None)
    if start is None:
        start = this_year or datetime.date.today().year
    later = [y for y in years if y >= start]
    end = max(later) if later else start
    warnings.append(ParseWarning(0, "HORIZON_GUESSED", {"start": start, "end": end}))
    return start, end


def _kind_from(src: structure.ItemSource, text_norm: str, assignment: Optional[Assignment]) -> Optional[str]:
    if assignment and assignment.kind:
        return assignment.kind
    m = re.search(r"(约束性|预期性)", text_norm)
    if m:
        return "binding" if m.group(1) == "约束性" else "expected"
    for h in reversed(src.headings):
        if "约束" in h.block.norm:
            return "binding"
        if "预期" in h.block.norm:
            return "expected"
    return None


def _assignment_of(src: structure.ItemSource, raw: str, norm: str, warnings: list[ParseWarning]):
    """(text without the assignment, assignment data, Assignment or None) of an item."""
    bracket = find_bracket(norm)
    assignment = None
    text = raw
    assignment_text = None
    if bracket:
        a, b, unclosed = bracket
        assignment = parse_assignment(raw, norm, a, b, unclosed)
        assignment_text = raw[a:b].strip()
        tail = raw[b:].strip()
        text = raw[:a].rstrip() + (tail if tail.strip("。.;；,，") == "" and tail.startswith("。") and
                                   not raw[:a].rstrip().endswith("。") else "")
    for line in src.own_assignments:
        own = own_line_assignment(line.raw, line.norm)
        if own is None:
            continue
        _issues(own, line.number, warnings)
        if assignment is None:
            assignment = own
        else:
            assignment.lead += [n for n in own.lead if n not in assignment.lead]
            assignment.responsible += [n for n in own.responsible if n not in assignment.responsible
                                       and n not in assignment.lead]
            assignment.time_limit = assignment.time_limit or own.time_limit
            assignment.leaders += [x for x in own.leaders if x not in assignment.leaders]
        assignment_text = "\n".join(x for x in (assignment_text, line.raw) if x)
    if assignment is not None and bracket:
        _issues(assignment, src.blocks[-1].line.number, warnings)
    return text, assignment_text, assignment


def _issues(assignment: Assignment, line: int, warnings: list[ParseWarning]) -> None:
    for code, values in assignment.issues:
        warnings.append(ParseWarning(line, code, values))
    assignment.issues = []


def _register(names: list[str], registry: UnitRegistry, line: int) -> list[str]:
    return [registry.add(n, line) for n in names]


def _indicators(st: structure.Structure, horizon, registry: UnitRegistry, warnings) -> list[dict]:
    out: list[dict] = []
    counters = {"binding": 0, "expected": 0}
    for src in st.indicators:
        found = _indicator_source(src, horizon, registry, warnings)
        if found is None:
            continue
        kind, text, assignment_text, assignment, lead, responsible, targets = found
        for it in targets:
            counters[kind] += 1
            it.target.infer_measure(text, context=it.name, annual=horizon[0] == horizon[1])
            _measure_warning(it.target, text, src.line, warnings)
            target = it.target.to_data(text)
            target["metric"] = None
            out.append({
                "id": f"{'B' if kind == 'binding' else 'E'}{counters[kind]:02d}", "kind": kind, "name": it.name,
                "text": text, "assignment_text": assignment_text, "lead_units": list(lead),
                "responsible_units": list(responsible), "target": target,
                "notes": ([f"one of {len(targets)} targets in this line; split into one indicator each"]
                          if len(targets) > 1 else []) + _leader_notes(assignment),
            })
    return sorted(out, key=lambda d: (d["kind"] != "binding",))


def _indicator_source(src: structure.ItemSource, horizon, registry: UnitRegistry, warnings):
    """(kind, text, assignment_text, assignment, lead, responsible, targets) of one indicator line, or
    None (with a warning) when it holds no target."""
    block = src.blocks[0]
    raw, norm = block.raw, block.norm
    text, assignment_text, assignment = _assignment_of(src, raw, norm, warnings)
    kind_bracket = KIND_ONLY.search(normalize(text))
    kind = _kind_from(src, norm, assignment)
    if kind_bracket:
        text = (text[:kind_bracket.start()] + text[kind_bracket.end():]).strip()
    if block.kind == "dash" or not src.numbered:
        text = text.rstrip(" ;；。")
    else:
        text = text.rstrip(" ;；,，")
    tnorm = normalize(text)
    found = indicator_targets(text, tnorm, horizon[1]) if text else []
    if not found:
        warnings.append(ParseWarning(src.line, "INDICATOR_NO_TARGET", {"text": structure._clip(text or raw)}))
        return None
    if kind is None:
        kind = "expected"
        warnings.append(ParseWarning(src.line, "KIND_ASSUMED", {"text": structure._clip(text)}))
    lead = _register(assignment.lead if assignment else [], registry, src.line)
    responsible = _register(assignment.responsible if assignment else [], registry, src.line)
    for bad in invalid_ranges(tnorm):
        warnings.append(ParseWarning(src.line, "RANGE_INVALID", {"text": bad}))
    return kind, text, assignment_text, assignment, lead, responsible, found


def _leader_notes(assignment: Optional[Assignment]) -> list[str]:
    return [f"领导: {x}" for x in assignment.leaders] if assignment else []


def _measure_warning(target, text: str, line: int, warnings: list[ParseWarning]) -> None:
    if not target.measure_sure:
        warnings.append(ParseWarning(line, "MEASURE_GUESSED", {"text": structure._clip(text[target.start:target.end]),
                                                               "measure": target.measure}))


def _title(raw: str, norm: str) -> str:
    m = re.search(r"[。;!?]", norm)
    if m and m.start() > 0:
        return raw[:m.start()].strip()
    first = raw.split("\n", 1)[0].strip()
    m = re.search(r"[,:]", normalize(first))
    if len(first) > 60 and m and m.start() > 0:
        return first[:m.start()].strip()
    return first[:60].strip() or raw.strip()[:60] or "?"


_DEADLINE_YEAR = re.compile(r"(20\d\d)\s*(?:年|[.\-/])")


def deadline_year(limit: Optional[str]) -> Optional[int]:
    """The year of a time limit as written (2023年底前, 2023年12月31日, 2023.12, 2023-12-31), else None."""
    m = _DEADLINE_YEAR.search(normalize(limit or ""))
    return int(m.group(1)) if m else None


def _chapters(st: structure.Structure, horizon, registry: UnitRegistry, warnings) -> list[dict]:
    chapters: list[dict] = []
    for ch in st.chapters:
        title = ch.heading.title if ch.heading else "主要任务"
        tasks = []
        for src in ch.tasks:
            task = _task(src, horizon, registry, warnings)
            if task is not None:
                tasks.append(task)
        if tasks:
            chapters.append({"id": f"C{len(chapters) + 1}", "title": title or "主要任务", "tasks": tasks})
    for c in chapters:  # ids follow the kept chapters; target ids follow their task's
        n = c["id"][1:]
        for i, t in enumerate(c["tasks"], start=1):
            t["id"] = f"T{n}.{i}"
            for k, target in enumerate(t["targets"], start=1):
                target["id"] = f"{t['id']}-{k}"
    return chapters


def _task(src: structure.ItemSource, horizon, registry: UnitRegistry, warnings) -> Optional[dict]:
    raw = "\n".join(b.raw for b in src.blocks)
    last = src.blocks[-1]
    offset = len(raw) - len(last.raw)  # the assignment bracket ends the last paragraph
    text_last, assignment_text, assignment = _assignment_of(src, last.raw, last.norm, warnings)
    text = (raw[:offset] + text_last).strip()
    if not text:
        warnings.append(ParseWarning(src.line, "LINE_UNPLACED", {"text": structure._clip(raw)}))
        return None
    norm = normalize(text)
    notes = []
    limit = time_limit_in(assignment.time_limit) if assignment else None
    in_text = [m.group(0) for m in PROPAGATING.finditer(norm) if re.search(r"前$", m.group(0))]
    for value in dict.fromkeys(([limit] if limit else []) + in_text):
        notes.append(f"时限: {value}")
    notes += _leader_notes(assignment)
    default_deadline = deadline_year(limit)
    found = task_targets(text, norm, horizon[1], default_deadline)
    targets = []
    for t in found:
        t.infer_measure(text, annual=horizon[0] == horizon[1])
        _measure_warning(t, text, src.line, warnings)
        targets.append({"id": None, **t.to_data(text)})
    for bad in invalid_ranges(norm):
        warnings.append(ParseWarning(src.line, "RANGE_INVALID", {"text": bad}))
    lead = _register(assignment.lead if assignment else [], registry, src.line)
    responsible = _register(assignment.responsible if assignment else [], registry, src.line)
    return {"id": "", "title": _title(text, norm), "text": text, "assignment_text": assignment_text,
            "lead_units": lead, "responsible_units": responsible, "targets": targets, "notes": notes}


def plan_yaml(data: dict[str, Any]) -> str:
    """The plan file text (YAML, keys in the bundled plans' order, Chinese kept readable)."""
    import yaml

    header = "# Plan file written by `xltool parse`"
    if data.get("source_file"):
        header += f" from {data['source_file']}"
    header += "; format: samples/plans/README.md. Review the warnings and the unit-merge suggestions.\n"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: same text, ~10x faster on big plans
    return header + yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=4096,
                              default_flow_style=None)
