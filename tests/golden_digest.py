"""Digests of workbooks and merge results for the golden-file tests (test_golden.py).

A digest keeps what a person would check in a produced file and nothing volatile: per sheet its
name and visibility, every non-empty cell's value (formulas with their cached result), the unlocked
(input) cells, data validations, merged ranges, hyperlinks, conditional formats, freeze panes,
filter, column widths, protection and print settings; the workbook's defined names, document
title/subject/author, custom properties and charts. Left out: timestamps and the tool version
(masked), zip order, styles' internal ids, XML formatting.

Long texts are shortened to their start plus length and a hash, so the digests stay small while a
changed instruction text still shows as a changed cell.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path
from typing import Any, Optional

import openpyxl
import yaml
from openpyxl.utils import get_column_letter

VOLATILE_KEYS = {"tool_version", "generated_at", "token"}  # metadata keys that change between runs/releases (token: per-folder secret)
MASK = "<volatile>"
MAX_TEXT = 60  # longer strings are shortened


_masks: dict[str, str] = {}  # literal text -> placeholder, for the digest being made (see workbook_digest)


def short(value: Any) -> Any:
    """A cell value as it appears in a digest: volatile texts masked, long texts shortened."""
    if isinstance(value, str):
        for literal, placeholder in _masks.items():
            value = value.replace(literal, placeholder)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) > MAX_TEXT:
        digest = hashlib.sha1(value.encode("utf-8")).hexdigest()[:10]
        return f"{value[:40]}…[{len(value)} chars {digest}]"
    return value


def _ranges(cells: list[tuple[int, int]]) -> list[str]:
    """(row, col) pairs, 1-based -> compact A1 ranges: runs along each row, then identical runs on
    consecutive rows merged into rectangles."""
    by_row: dict[int, list[int]] = {}
    for r, c in sorted(cells):
        by_row.setdefault(r, []).append(c)
    runs: list[tuple[int, int, int, int]] = []  # r1, c1, r2, c2
    for r in sorted(by_row):
        cols = by_row[r]
        start = prev = cols[0]
        for c in cols[1:] + [None]:
            if c is not None and c == prev + 1:
                prev = c
                continue
            for i, (r1, c1, r2, c2) in enumerate(runs):
                if (c1, c2) == (start, prev) and r2 == r - 1:
                    runs[i] = (r1, c1, r, c2)
                    break
            else:
                runs.append((r, start, r, prev))
            if c is not None:
                start = prev = c
    out = []
    for r1, c1, r2, c2 in sorted(runs):
        a, b = f"{get_column_letter(c1)}{r1}", f"{get_column_letter(c2)}{r2}"
        out.append(a if a == b else f"{a}:{b}")
    return out


def _masked_meta_sheet(ws) -> dict:
    """The metadata sheet (_xltool): key -> value, volatile values masked, JSON values parsed."""
    rows = {}
    for key, value, *_ in ws.iter_rows(values_only=True):
        if key is None:
            continue
        if key in VOLATILE_KEYS:
            value = MASK
        elif isinstance(value, str) and value.startswith("{"):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        rows[str(key)] = short(value) if not isinstance(value, dict) else value
    return rows


def _print(ws) -> dict:
    ps = ws.page_setup
    fit = ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None
    out = {"paper": ps.paperSize, "orientation": ps.orientation, "fit_to_page": fit,
           "fit_width": ps.fitToWidth, "fit_height": ps.fitToHeight, "scale": ps.scale,
           "repeat_rows": ws.print_title_rows, "repeat_cols": ws.print_title_cols,
           "area": ws.print_area, "centered": ws.print_options.horizontalCentered}
    for name in ("oddHeader", "oddFooter"):
        part = getattr(ws, name)
        texts = {pos: getattr(part, pos).text for pos in ("left", "center", "right") if getattr(part, pos).text}
        if texts:
            out[name] = texts
    return {k: v for k, v in out.items() if v not in (None, "")}


def _validations(ws) -> list[str]:
    """Data validations, one line per rule (identical rules on several ranges listed once):
    ``"J11 J15: textLength lessThanOrEqual 2000 | blank | 填写说明: 请填写… | 内容过长: 内容不能…"``."""
    grouped: dict[str, list[str]] = {}
    for dv in ws.data_validations.dataValidation:
        limits = " ".join(str(f) for f in (dv.operator, dv.formula1, dv.formula2) if f not in (None, ""))
        parts = [f"{dv.type} {limits}".strip(), "blank" if dv.allow_blank else "required"]
        if dv.errorStyle not in (None, "stop"):
            parts.append(dv.errorStyle)
        parts += [f"{dv.promptTitle or ''}: {short(dv.prompt or '')}", f"{dv.errorTitle or ''}: {short(dv.error or '')}"]
        grouped.setdefault(" | ".join(parts), []).extend(str(dv.sqref).split())
    lines = [(sorted(refs, key=_cell_order), rule) for rule, refs in grouped.items()]
    return [f"{' '.join(refs)}: {rule}" for refs, rule in sorted(lines, key=lambda x: _cell_order(x[0][0]))]


def _cell_order(ref: str) -> tuple[int, int]:
    """Sort key of "H15" or "H15:I16": row, then column."""
    m = re.match(r"([A-Z]+)(\d+)", ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _widths(ws) -> dict:
    out = {}
    for dim in ws.column_dimensions.values():
        if dim.customWidth and dim.width:
            key = get_column_letter(dim.min) if dim.min == dim.max else \
                f"{get_column_letter(dim.min)}:{get_column_letter(dim.max)}"
            out[key] = round(dim.width, 2)
    return out


def sheet_digest(ws, cached) -> dict:
    cells: dict[str, Any] = {}
    unlocked: list[tuple[int, int]] = []
    links: dict[str, str] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.protection is not None and cell.protection.locked is False:
                unlocked.append((cell.row, cell.column))
            if cell.hyperlink is not None:
                links[cell.coordinate] = cell.hyperlink.location or cell.hyperlink.target
            if cell.value is None or cell.value == "":
                continue
            value = short(cell.value)
            if cell.data_type == "f":
                value = f"{cell.value} → {short(cached[cell.coordinate].value)!r}"
            cells[cell.coordinate] = value
    out: dict[str, Any] = {"state": ws.sheet_state, "cells": cells}
    extras = {
        "unlocked": _ranges(unlocked),
        "validations": _validations(ws),
        "merged": sorted((str(r) for r in ws.merged_cells.ranges), key=_cell_order),
        "hyperlinks": links,
        "conditional_formats": sorted(f"{cf.sqref} {r.type} {r.operator or ''} {','.join(r.formula or [])}".strip()
                                      for cf in ws.conditional_formatting for r in cf.rules),
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "widths": _widths(ws),
        "protected": bool(ws.protection.sheet),
        "print": _print(ws),
    }
    out.update({k: v for k, v in extras.items() if v not in (None, "", [], {})})
    return out


def _package(path: Path) -> dict:
    """What lives outside the sheets: defined names, document properties, custom properties, charts."""
    out: dict[str, Any] = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        book = zf.read("xl/workbook.xml").decode("utf-8")
        out["defined_names"] = sorted(f"{m.group(1)}{' @sheet ' + m.group(2) if m.group(2) else ''} = {m.group(3)}"
                                for m in re.finditer(r'<definedName name="([^"]+)"(?: localSheetId="(\d+)")?[^>]*>'
                                                     r'([^<]*)</definedName>', book))
        if "docProps/core.xml" in names:
            core = zf.read("docProps/core.xml").decode("utf-8")
            out["document"] = {k: m.group(1) for k in ("title", "subject", "creator")
                               if (m := re.search(rf"<dc:{k}>([^<]*)</dc:{k}>", core))}
        if "docProps/custom.xml" in names:
            custom = zf.read("docProps/custom.xml").decode("utf-8")
            props = {}
            for m in re.finditer(r'<property [^>]*name="([^"]+)"[^>]*>\s*<vt:\w+>([^<]*)</vt:\w+>', custom):
                key, value = m.group(1), m.group(2)
                if key.split(".")[-1] in VOLATILE_KEYS:
                    value = MASK
                elif value.startswith("{"):
                    value = "json sha1 " + hashlib.sha1(value.encode()).hexdigest()[:10]  # the sheet copy shows it
                props[key] = value
            out["custom_properties"] = props
        charts = []
        for name in sorted(n for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n)):
            xml = zf.read(name).decode("utf-8")
            kinds = re.findall(r"<c:(\w+Chart)>", xml)
            grouping = re.findall(r'<c:grouping val="(\w+)"/>', xml)
            refs = re.findall(r"<c:f>([^<]*)</c:f>", xml)
            charts.append({"type": kinds, "grouping": grouping, "series": len(re.findall(r"<c:ser>", xml)),
                           "refs": refs})
        if charts:
            out["charts"] = charts
    return out


def workbook_digest(path: Path, masks: Optional[dict[str, str]] = None) -> dict[str, dict]:
    """{file name: digest}: ``00_workbook`` (sheet order and visibility, defined names, document and
    custom properties, charts), then one ``NN_<sheet>`` per sheet. `masks`: texts to replace in
    cell values (a timestamp shown in a subtitle) by a placeholder."""
    _masks.clear()
    _masks.update(masks or {})
    try:
        return _workbook_digest(path)
    finally:
        _masks.clear()


def _workbook_digest(path: Path) -> dict[str, dict]:
    wb = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    files: dict[str, dict] = {"00_workbook": {"sheets": [f"{ws.title} ({ws.sheet_state})" for ws in wb.worksheets],
                                              **_package(path)}}
    for n, ws in enumerate(wb.worksheets, start=1):
        if ws.title == "_xltool":
            digest = {"state": ws.sheet_state, "metadata": _masked_meta_sheet(ws)}
        else:
            digest = sheet_digest(ws, cached[ws.title])
        files[f"{n:02d}_{ws.title}"] = {"sheet": ws.title, **digest}
    return files


def dump(digest: dict) -> str:
    return yaml.safe_dump(digest, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)


def json_digest(data: dict) -> dict:
    """A merge's JSON result, whole: it holds no timestamps or absolute paths (files are named as
    found under the input folder)."""
    return data
