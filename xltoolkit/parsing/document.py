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
from .text import DecodeError, Line, decode_bytes, normalize, split_lines
from .units import AliasSuggestion, UnitRegistry, suggest_aliases
from .warnings import ParseInputError, ParseWarning

MAX_BYTES = 50 * 1024 * 1024
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

def read_document(path) -> tuple[list[Line], str]:
    """Lines of a .txt (UTF-8, GB18030/GBK, UTF-16 with BOM) or .docx file, and the encoding used."""
    path = Path(path)
    try:
        if path.is_dir():
            raise ParseInputError(str(path), "IS_DIRECTORY")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ParseInputError(str(path), "TOO_LARGE", str(size))
        data = path.read_bytes()
    except FileNotFoundError:
        raise ParseInputError(str(path), "NOT_FOUND") from None
    except ParseInputError:
        raise
    except OSError as exc:
        raise ParseInputError(str(path), "UNREADABLE", exc.strerror or str(exc)) from None
    if data[:4] == b"PK\x03\x04" or path.suffix.lower() == ".docx":
        from .docx import docx_lines

        try:
            return docx_lines(data), "docx"
        except ValueError as exc:
            raise ParseInputError(str(path), "DOCX_UNREADABLE", str(exc)) from None
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ParseInputError(str(path), "LEGACY_DOC")
    try:
        text, encoding = decode_bytes(data)
    except DecodeError as exc:
        raise ParseInputError(str(path), "BINARY" if exc.code == "binary" else "ENCODING") from None
    return split_lines(text), encoding


def parse_text(text: str, source_name: Optional[str] = None, plan_id: Optional[str] = None) -> ParseResult:
    return parse_lines(split_lines(text), source_name, plan_id)


# --------------------------------------------------------------------------- orchestration

def parse_lines(lines: list[Line], source_name: Optional[str] = None, plan_id: Optional[str] = None,
                this_year: Optional[int] = None) -> ParseResult:
    warnings: list[ParseWarning] = []
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
        "decisions": [],
        "units": registry.to_data(),
        "indicators": indicators,
        "chapters": chapters,
    }
    result = ParseResult(data, warnings, suggestions=suggest_aliases(registry.entries))
    result.plan = _validate(data, warnings)
    return result


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
        if not text:
            warnings.append(ParseWarning(src.line, "INDICATOR_NO_TARGET", {"text": structure._clip(raw)}))
            continue
        tnorm = normalize(text)
        found = indicator_targets(text, tnorm, horizon[1])
        if not found:
            warnings.append(ParseWarning(src.line, "INDICATOR_NO_TARGET", {"text": structure._clip(text)}))
            continue
        if kind is None:
            kind = "expected"
            warnings.append(ParseWarning(src.line, "KIND_ASSUMED", {"text": structure._clip(text)}))
        lead = _register(assignment.lead if assignment else [], registry, src.line)
        responsible = _register(assignment.responsible if assignment else [], registry, src.line)
        for bad in invalid_ranges(tnorm):
            warnings.append(ParseWarning(src.line, "RANGE_INVALID", {"text": bad}))
        for it in found:
            counters[kind] += 1
            target = it.target.to_data(text)
            target["metric"] = None
            out.append({
                "id": f"{'B' if kind == 'binding' else 'E'}{counters[kind]:02d}", "kind": kind, "name": it.name,
                "text": text, "assignment_text": assignment_text, "lead_units": list(lead),
                "responsible_units": list(responsible), "target": target,
                "notes": ([f"one of {len(found)} targets in this line; split into one indicator each"]
                          if len(found) > 1 else []),
            })
    return sorted(out, key=lambda d: (d["kind"] != "binding",))


def _title(raw: str, norm: str) -> str:
    m = re.search(r"[。;!?]", norm)
    if m and m.start() > 0:
        return raw[:m.start()].strip()
    first = raw.split("\n", 1)[0].strip()
    m = re.search(r"[,:]", normalize(first))
    if len(first) > 60 and m and m.start() > 0:
        return first[:m.start()].strip()
    return first[:60].strip() or raw.strip()[:60] or "?"


def _chapters(st: structure.Structure, horizon, registry: UnitRegistry, warnings) -> list[dict]:
    chapters: list[dict] = []
    for ci, ch in enumerate(st.chapters, start=1):
        title = ch.heading.title if ch.heading else "主要任务"
        tasks = []
        for ti, src in enumerate(ch.tasks, start=1):
            parts = [b.raw for b in src.blocks]
            raw = "\n".join(parts)
            norm = normalize(raw)
            last = src.blocks[-1]
            # the assignment bracket ends the last paragraph
            offset = len(raw) - len(last.raw)
            text_last, assignment_text, assignment = _assignment_of(src, last.raw, last.norm, warnings)
            text = (raw[:offset] + text_last).strip()
            if not text:
                warnings.append(ParseWarning(src.line, "LINE_UNPLACED", {"text": structure._clip(raw)}))
                continue
            norm = normalize(text)
            notes = []
            limit = time_limit_in(assignment.time_limit) if assignment else None
            in_text = [m.group(0) for m in PROPAGATING.finditer(norm) if re.search(r"前$", m.group(0))]
            for value in dict.fromkeys(([limit] if limit else []) + in_text):
                notes.append(f"时限: {value}")
            default_deadline = period_year(normalize(limit), horizon[1]) if limit and re.search(r"\d{4}", limit) else None
            targets = [t.to_data(text) for t in task_targets(text, norm, horizon[1], default_deadline)]
            for bad in invalid_ranges(norm):
                warnings.append(ParseWarning(src.line, "RANGE_INVALID", {"text": bad}))
            lead = _register(assignment.lead if assignment else [], registry, src.line)
            responsible = _register(assignment.responsible if assignment else [], registry, src.line)
            tasks.append({
                "id": f"T{ci}.{len(tasks) + 1}", "title": _title(text, norm), "text": text,
                "assignment_text": assignment_text, "lead_units": lead, "responsible_units": responsible,
                "targets": targets, "notes": notes,
            })
        if tasks:
            chapters.append({"id": f"C{len(chapters) + 1}", "title": title or "主要任务", "tasks": tasks})
    for c in chapters:  # ids follow the kept chapters
        n = c["id"][1:]
        for i, t in enumerate(c["tasks"], start=1):
            t["id"] = f"T{n}.{i}"
    return chapters


def plan_yaml(data: dict[str, Any]) -> str:
    """The plan file text (YAML, keys in the bundled plans' order, Chinese kept readable)."""
    import yaml

    header = "# Plan file written by `xltool parse`"
    if data.get("source_file"):
        header += f" from {data['source_file']}"
    header += "; format: samples/plans/README.md. Review the warnings and the unit-merge suggestions.\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=4096, default_flow_style=None)
