"""A published web page (.html/.htm) -> lines: paragraphs and tables in order (standard library only).

`html.parser` with character references decoded; script, style, head, navigation (nav, header,
footer, aside, form, elements whose role is navigation or whose id/class names a menu, breadcrumb,
nav, footer or share bar) are dropped. Block elements end a line; whitespace runs collapse to one
space, and a line break next to a Chinese character disappears (as browsers show it). Tables
keep rowspan/colspan (tables.py); a table inside a table cell adds its text to that cell.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Optional

from .limits import MAX_TABLE_COLS
from .tables import Cell, table_lines
from .text import Line, make_line

SKIP_TAGS = {"script", "style", "head", "nav", "header", "footer", "aside", "form", "noscript", "template",
             "select", "button", "iframe", "svg", "object", "canvas", "map"}
SKIP_CLASS = re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumb|crumbs?|footer|foot|header|share|sidebar|toolbar|"
                        r"topbar|bottom|copyright|location|position)(?:$|[\s_-])", re.I)
BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "blockquote", "pre",
              "dd", "dt", "ul", "ol", "hr", "center", "main", "body", "html", "title"}
VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "param", "source", "track",
             "wbr"}
_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
_CJK_BREAK = re.compile(rf"(?<={_CJK})[ \t\r\n]*\n[ \t\r\n]*|[ \t\r\n]*\n[ \t\r\n]*(?={_CJK})")
_WS = re.compile(r"[ \t\r\n\f]+")
BREAK = "\u2029"  # a block element's end, kept apart from line breaks in the page source


class _Table:
    def __init__(self) -> None:
        self.rows: list[list[tuple[str, int, int]]] = []  # (text, rowspan, colspan)
        self.cell: Optional[list[str]] = None
        self.span = (1, 1)

    def grid(self) -> list[list[Cell]]:
        grid: list[list[Cell]] = []
        pending: dict[tuple[int, int], Cell] = {}
        for r, row in enumerate(self.rows):
            out: list[Cell] = []
            col = 0
            for text, rowspan, colspan in row:
                while (r, col) in pending and col < MAX_TABLE_COLS:
                    out.append(pending.pop((r, col)))
                    col += 1
                if col >= MAX_TABLE_COLS:
                    break
                cell = Cell(text, (r, col))
                for k in range(min(colspan, MAX_TABLE_COLS - col)):
                    out.append(cell)
                    for d in range(1, min(rowspan, len(self.rows) - r)):
                        pending[(r + d, col + k)] = cell
                col += min(colspan, MAX_TABLE_COLS - col)
            while (r, col) in pending and col < MAX_TABLE_COLS:
                out.append(pending.pop((r, col)))
                col += 1
            grid.append(out)
        width = max((len(r) for r in grid), default=0)
        return [r + [Cell("", None)] * (width - len(r)) for r in grid]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, object]] = []  # ("text", str) | ("table", _Table)
        self.buffer: list[str] = []
        self.skip: list[str] = []  # tags of the dropped elements we are inside
        self.tables: list[_Table] = []

    # -- skipping
    def _skipped(self, tag: str, attrs) -> bool:
        if tag in SKIP_TAGS:
            return True
        a = dict(attrs)
        if (a.get("role") or "").lower() == "navigation":
            return True
        names = f"{a.get('id') or ''} {a.get('class') or ''}"
        return bool(names.strip()) and bool(SKIP_CLASS.search(names))

    def handle_starttag(self, tag, attrs):
        if self.skip:
            if tag == self.skip[-1] and tag not in VOID_TAGS:
                self.skip.append(tag)
            return
        if tag not in VOID_TAGS and tag not in ("html", "body") and self._skipped(tag, attrs):
            self.skip.append(tag)
            return
        if tag == "table":
            self._flush()
            self.tables.append(_Table())
        elif self.tables and tag == "tr" and len(self.tables) == 1:
            self.tables[-1].rows.append([])
        elif self.tables and tag in ("td", "th") and len(self.tables) == 1:
            a = dict(attrs)
            t = self.tables[-1]
            t.cell = []
            t.span = (_span(a.get("rowspan")), _span(a.get("colspan")))
        elif tag in BLOCK_TAGS:
            self._newline()

    def handle_startendtag(self, tag, attrs):
        if not self.skip and tag in BLOCK_TAGS:
            self._newline()

    def handle_endtag(self, tag):
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        if tag == "table" and self.tables:
            table = self.tables.pop()
            if not self.tables:
                self._end_cell(table)
                self.items.append(("table", table))
            else:
                self._newline()
        elif self.tables and tag in ("td", "th") and len(self.tables) == 1:
            self._end_cell(self.tables[-1])
        elif self.tables and tag in ("tr",) and len(self.tables) > 1:
            self._newline()
        elif tag in BLOCK_TAGS:
            self._newline()

    def handle_data(self, data):
        if self.skip:
            return
        if self.tables:
            t = self.tables[0]
            if t.cell is None:
                return  # text between cells
            t.cell.append(data)
        else:
            self.buffer.append(data)

    # -- collecting
    def _newline(self) -> None:
        if self.tables:
            if self.tables[0].cell is not None:
                self.tables[0].cell.append(BREAK)
        else:
            self.buffer.append(BREAK)

    def _end_cell(self, t: _Table) -> None:
        if t.cell is not None:
            if not t.rows:
                t.rows.append([])
            t.rows[-1].append((_clean("".join(t.cell)), *t.span))
            t.cell = None

    def _flush(self) -> None:
        if self.buffer:
            self.items.append(("text", "".join(self.buffer)))
            self.buffer = []

    def close(self):
        super().close()
        while self.tables:
            t = self.tables.pop()
            if not self.tables:
                self._end_cell(t)
                self.items.append(("table", t))
        self._flush()


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip() or 1), 10_000))
    except ValueError:
        return 1


def _clean(text: str) -> str:
    """Source whitespace collapsed (a line break between Chinese characters dropped); block ends -> \\n."""
    text = _CJK_BREAK.sub("", text.replace("\xa0", " "))
    parts = (_WS.sub(" ", part).strip() for part in text.split(BREAK))
    return "\n".join(p for p in parts if p)


def html_lines(text: str) -> list[Line]:
    page = _Page()
    page.feed(text)
    page.close()
    lines: list[Line] = []
    number = 0
    for kind, item in page.items:
        if kind == "text":
            for part in _clean(item).split("\n"):
                number += 1
                line = make_line(number, part)
                if line.raw:
                    lines.append(line)
        else:
            grid = item.grid()
            base = number
            number += len(grid)
            lines.extend(table_lines(grid, lambda r, base=base: base + r + 1))
    return lines
