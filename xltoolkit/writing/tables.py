"""Form tables: a header row and one row per item, input cells shaded, validated and unlocked."""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from typing import Optional, Sequence

from ..forms import ColumnType, Form
from ..labels import Labels
from .styles import Styles

LINE_HEIGHT = 15.0  # points per wrapped line at 10 pt (Noto Serif CJK, the roomiest fallback for 宋体, needs ~14.6)
MAX_ROW_HEIGHT = 409
MIN_ROW_HEIGHT = 30
HEADER_HEIGHT = 30  # two lines of bold header text


def row_height(texts: list[tuple[str, float]], *, cached: bool = False, font_size: float = 10) -> Optional[float]:
    """Estimated height for wrapped text; None for a single line. `cached` for plan texts, which
    recur in the master's unit tabs and in every involved unit's return. `font_size` scales the
    characters' width and the line height (the estimate is for 10 pt)."""
    measure = _wrapped_lines_cached if cached else _wrapped_lines
    scale = font_size / 10
    lines = max((measure(text, width / scale) for text, width in texts if text), default=1)
    return None if lines <= 1 else min(MAX_ROW_HEIGHT, LINE_HEIGHT * scale * lines + 2)


def header_height(texts: list[tuple[str, float]]) -> float:
    """Height of a table's header row: at least two lines, taller when a header wraps further."""
    return max(row_height(texts) or 0, HEADER_HEIGHT)


CJK_WIDTH = 1.65  # a CJK character is about 1.65 column-width units at 10 pt (measured in LibreOffice PDF)


def _wrapped_lines(text: str, width: float) -> int:
    per_line = max(width - 1, 1)
    short = (per_line - 1e-6) / CJK_WIDTH  # a line this short fits even if every character is CJK
    return sum(1 if len(line) < short else
               max(1, math.ceil(sum(CJK_WIDTH if ord(ch) > 0x2E80 else 1 for ch in line) / per_line))
               for line in text.split("\n"))


_wrapped_lines_cached = lru_cache(maxsize=1 << 14)(_wrapped_lines)


def write_table(ws, styles: Styles, labels: Labels, form: Form, row: int,
                items: list[dict[str, str]], positions: dict[str, int],
                widths: Optional[Sequence[float]] = None, heights: Optional[dict[int, float]] = None) -> int:
    """Header row, then one row per item (cells keyed by column key); returns the next free row.

    `positions` receives each item's row by its id. Input cells are written blank (shaded, unlocked,
    validated); `cells` holds the locked texts. `widths` are the sheet's column widths when they
    differ from the form's (a unit sheet holds three forms); row heights are estimated from them
    and, when `heights` is given, recorded there by row.
    """
    heights = {} if heights is None else heights
    widths = [c.width for c in form.columns] if widths is None else list(widths)
    if not items:
        ws.write_string(row, 0, labels["return_sheet.none"], styles.plain)
        return row + 1
    headers = form.headers(labels)
    ws.write_row(row, 0, headers, styles.header)
    heights[row] = header_height(list(zip(headers, widths)))
    ws.set_row(row, heights[row])
    first = row + 1
    for n, cells in enumerate(items):
        r = first + n
        positions[cells["id"]] = r
        for c, col in enumerate(form.columns):
            if col.input:  # a number cell of a % item shows a trailing % (column "unit": its unit of measure)
                fmt = styles.for_input(col.type.value, cells.get("unit", ""))
                given = cells.get(f"input:{col.key}")  # prefilled (generate --prefill)
                if given is None or given == "":
                    ws.write_blank(r, c, None, fmt)
                elif isinstance(given, str):
                    ws.write_string(r, c, given, fmt)
                else:
                    ws.write_number(r, c, given, fmt)
            else:
                fmt = styles.center if col.type is ColumnType.id else styles.text
                ws.write_string(r, c, cells.get(col.key, ""), fmt)
        height = row_height([(cells.get(col.key, ""), w) for col, w in zip(form.columns, widths) if not col.input],
                            cached=True)
        heights[r] = max(height or 0, MIN_ROW_HEIGHT)
        ws.set_row(r, heights[r])
    last = first + len(items) - 1
    for c, col in enumerate(form.columns):
        if col.input:
            validate(ws, labels, first, last, c, col.type, col.max_length, col.choice_labels(labels))
    return last + 1


def validate(ws, labels: Labels, first: int, last: int, col: int, ctype: ColumnType,
             max_length: Optional[int], choices: Optional[list[str]] = None, prompt_key: Optional[str] = None) -> None:
    """Data validation with zh-CN prompts; the merge re-checks everything, this only helps typing.
    `prompt_key`: the label key of the prompt pair (default: ``prompts.<type's prompt>``)."""

    def prompt(key: str, **kw) -> dict:
        base = prompt_key or f"prompts.{key}"
        title, message = labels[base]
        err_title, err_message = labels[f"{base}_error"]
        return {"input_title": title, "input_message": message.format(**kw),
                "error_title": err_title, "error_message": err_message.format(**kw)}

    if ctype is ColumnType.choice:
        opts = {"validate": "list", "source": list(choices or []), **prompt("status", choices="、".join(choices or []))}
    elif ctype is ColumnType.percent:
        opts = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100, **prompt("progress")}
    elif ctype is ColumnType.number:
        opts = {"validate": "decimal", "criteria": "between", "minimum": -1e15, "maximum": 1e15, **prompt("actual")}
    elif ctype is ColumnType.phone:
        opts = {"validate": "length", "criteria": "between", "minimum": 7, "maximum": 30, **prompt("phone")}
    elif ctype is ColumnType.date:
        opts = {"validate": "date", "criteria": "between", "minimum": dt.date(2000, 1, 1),
                "maximum": dt.date(2100, 12, 31), **prompt("date")}
    elif ctype is ColumnType.longtext and max_length:
        opts = {"validate": "length", "criteria": "<=", "value": max_length, **prompt("text", max=max_length)}
    else:
        return
    ws.data_validation(first, col, last, col, opts)
