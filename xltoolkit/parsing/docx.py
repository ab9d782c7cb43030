"""A .docx document -> lines: paragraphs and tables in document order (python-docx opens the package).

Tables are read from their XML directly: every `w:tr` once, `w:gridSpan` and `w:vMerge` expanded
into a grid with the origin of each merged cell (tables.py), so a cell merged down over a whole
5,000-row table costs one lookup per row (python-docx's own `row.cells` walks up to the top of a
vertical merge for every row). Content controls (`w:sdt`) are read as their content. The package has
passed `limits.check_zip` before python-docx sees it.
"""

from __future__ import annotations

import io

from .limits import MAX_TABLE_COLS
from .tables import Cell, TableTooLarge, table_lines
from .text import Line, make_line

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_lines(data: bytes) -> list[Line]:
    """Lines numbered by paragraph (each table row counts as one paragraph).

    Raises ValueError when the bytes are not a readable .docx, TableTooLarge past the text limit.
    """
    try:
        import docx  # python-docx
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - dependency declared in pyproject
        raise ValueError(f"python-docx is not installed ({exc})") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise ValueError(f"{type(exc).__name__}: {exc}") from None

    lines: list[Line] = []
    counter = [0]

    def paragraph_text(p) -> str:
        return Paragraph(p, document).text

    def walk(parent) -> None:
        for child in parent.iterchildren():
            tag = child.tag
            if tag == W + "p":
                counter[0] += 1
                for text in paragraph_text(child).split("\n"):
                    line = make_line(counter[0], text)
                    if line.raw:
                        lines.append(line)
            elif tag == W + "tbl":
                base = counter[0]
                grid = _grid(child, paragraph_text)
                counter[0] += len(grid)
                lines.extend(table_lines(grid, lambda r, base=base: base + r + 1))
            elif tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    walk(content)

    try:
        walk(document.element.body)
    except TableTooLarge:
        raise
    except (ValueError, TypeError, AttributeError) as exc:  # odd XML python-docx does not expect
        raise ValueError(f"{type(exc).__name__}: {exc}") from None
    return lines


def _int(el, name: str, default: int) -> int:
    if el is None:
        return default
    value = el.get(W + name)
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _cell_text(tc, paragraph_text) -> str:
    parts = []
    for child in tc.iterchildren():
        if child.tag == W + "p":
            parts.append(paragraph_text(child))
        elif child.tag == W + "tbl":  # a nested table: its rows, cells joined by a space
            for tr in child.iter(W + "tr"):
                parts.append(" ".join(paragraph_text(p) for p in tr.iter(W + "p") if paragraph_text(p).strip()))
    return "\n".join(p for p in parts if p.strip())


def _grid(tbl, paragraph_text) -> list[list[Cell]]:
    """Rows of cells with gridSpan and vMerge expanded; origin = (row, column) of the merged cell."""
    rows: list[list[Cell]] = []
    above: dict[int, Cell] = {}  # column -> the cell in the row above (for vMerge continue)
    for r, tr in enumerate(tbl.iterchildren(W + "tr")):
        pr = tr.find(W + "trPr")
        col = min(_int(pr.find(W + "gridBefore") if pr is not None else None, "val", 0), MAX_TABLE_COLS)
        row: list[Cell] = [Cell("", None)] * col
        for tc in tr.iterchildren(W + "tc"):
            if col >= MAX_TABLE_COLS:
                break
            tcpr = tc.find(W + "tcPr")
            span = max(1, min(_int(tcpr.find(W + "gridSpan") if tcpr is not None else None, "val", 1),
                              MAX_TABLE_COLS - col))
            vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
            if vmerge is not None and vmerge.get(W + "val") in (None, "continue") and col in above:
                cell = above[col]
            else:
                cell = Cell(_cell_text(tc, paragraph_text), (r, col))
            for k in range(span):
                row.append(cell)
                above[col + k] = cell
            col += span
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    return [r + [Cell("", None)] * (width - len(r)) for r in rows]
