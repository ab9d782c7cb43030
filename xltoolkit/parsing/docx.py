"""A .docx document -> text lines (paragraphs and table rows in document order), via python-docx."""

from __future__ import annotations

import io

from .text import Line, make_line


def docx_lines(data: bytes) -> list[Line]:
    """Lines numbered by paragraph (table rows count as one paragraph each, cells joined by a space).

    Raises ValueError when the bytes are not a readable .docx.
    """
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - dependency declared in pyproject
        raise ValueError(f"python-docx is not installed ({exc})") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise ValueError(f"{type(exc).__name__}: {exc}") from None
    lines: list[Line] = []
    number = 0
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            number += 1
            texts = Paragraph(child, document).text.split("\n")
        elif tag == "tbl":
            texts = []
            for row in Table(child, document).rows:
                cells = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if value and (not cells or cells[-1] != value):  # merged cells repeat
                        cells.append(value)
                texts.append(" ".join(cells))
            number += 1
        else:
            continue
        for text in texts:
            line = make_line(number, text)
            if line.raw:
                lines.append(line)
    return lines
