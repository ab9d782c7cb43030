"""A .pdf with a text layer -> lines (pypdf), page furniture dropped, paragraphs rejoined.

Per page, pypdf (layout mode) gives the text in reading order by position, one visual line per line. Dropped: page numbers
("— 3 —", "- 3 -", "第 3 页", "3 / 12", a bare number) in the first or last two lines of a page, and
running heads and feet (a line, digits ignored, that starts or ends at least two pages and half of
them). Visual lines are joined into paragraphs: a line continues the one before unless it starts
with numbering (一、 (一) 1. (1) ① ——) or a responsibility label outside an open bracket, or the line
before is short (under 85% of the longest lines of the document) or ends with a colon; a page break
does not end one, nor does a full line ending with 。 (sentences end at line ends by chance), and a
bracket still open continues the paragraph.

A PDF without a text layer (a scan) is refused with PDF_NO_TEXT: xltool does no OCR.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

from ..problems import LabelText
from .limits import MAX_PDF_PAGES, MAX_TEXT_CHARS
from .text import Line, make_line, normalize

PAGE_NUMBER = re.compile(r"^[\s\-—–_·•]*(?:第\s*\d+\s*页(?:\s*[/,，]?\s*共\s*\d+\s*页)?|\d{1,4}(?:\s*/\s*\d{1,4})?|"
                         r"[-—–]\s*\d{1,4}\s*[-—–]|page\s*\d+(?:\s*of\s*\d+)?)[\s\-—–_·•]*$", re.I)
STARTS_ITEM = re.compile(r"^(?:第[一二三四五六七八九十百]+[章部篇节]|[一二三四五六七八九十]{1,3}\s*[、.]|[(（]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]"
                         r"|\d{1,3}\s*[.、．](?!\d)|[①-⑳]|——|附件|(?:牵头|责任|配合|协办|参与|落实)(?:单位|部门)\s*[:：])")
ENDS_PARAGRAPH_STRICT = re.compile(r"[:：]\s*$")  # an introduction ends its line; 。 at a full line may not


class PdfError(ValueError):
    """A PDF refused: a parse error code and its detail (a LabelText, or pypdf's message as it is)."""

    def __init__(self, code: str, detail: "str | LabelText" = ""):
        super().__init__(f"{code} {detail}")
        self.code = code
        self.detail = detail


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def pdf_pages(data: bytes) -> list[list[str]]:
    """The visual lines of each page (raises PdfError ENCRYPTED, PDF_UNREADABLE, TOO_LARGE, PDF_NO_TEXT)."""
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover - dependency declared in pyproject
        raise PdfError("PDF_UNREADABLE", f"pypdf is not installed ({exc})") from None
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings are English noise for our users
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == 0:
            raise PdfError("ENCRYPTED")
        count = len(reader.pages)
        if count > MAX_PDF_PAGES:
            raise PdfError("TOO_LARGE", LabelText("details.pdf_pages", count=count, limit=MAX_PDF_PAGES))
        pages, total = [], 0
        for page in reader.pages:
            try:  # layout mode orders the text by its position on the page, whatever the stream order
                text = page.extract_text(extraction_mode="layout") or ""
            except Exception:  # pragma: no cover - fonts layout mode cannot measure
                text = page.extract_text() or ""
            total += len(text)
            if total > MAX_TEXT_CHARS * 2:
                raise PdfError("TEXT_TOO_LONG", LabelText("details.text_over", limit=MAX_TEXT_CHARS))
            pages.append([ln.strip() for ln in text.replace("\r", "\n").split("\n")])
    except PdfError:
        raise
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise PdfError("PDF_UNREADABLE", f"{type(exc).__name__}: {str(exc)[:200]}") from None
    if not any(re.search(r"[\u4e00-\u9fffA-Za-z0-9]", ln) for page in pages for ln in page):
        raise PdfError("PDF_NO_TEXT", LabelText("details.pdf_page_count", count=count))
    return pages


def _furniture(pages: list[list[str]]) -> set[str]:
    """Running heads and feet: lines (digits ignored) that open or close at least 2 pages and half of them."""
    if len(pages) < 2:
        return set()
    seen: Counter = Counter()
    for page in pages:
        lines = [ln for ln in page if ln]
        edge = {_key(ln) for ln in lines[:2] + lines[-2:]}
        seen.update(edge)
    return {k for k, n in seen.items() if k and n >= 2 and n * 2 >= len(pages)}


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", normalize(line)))


def pdf_lines(data: bytes) -> list[Line]:
    pages = pdf_pages(data)
    furniture = _furniture(pages)
    kept: list[str] = []
    for page in pages:
        lines = [ln for ln in page if ln]
        n = len(lines)
        for i, ln in enumerate(lines):
            at_edge = i < 2 or i >= n - 2
            if at_edge and (PAGE_NUMBER.match(normalize(ln)) or _key(ln) in furniture):
                continue
            kept.append(ln)
    widths = sorted((_width(ln) for ln in kept), reverse=True)
    full = widths[min(len(widths) - 1, max(0, len(widths) // 10))] if widths else 0
    paragraphs: list[str] = []
    previous = ""
    depth = 0  # open brackets in the paragraph so far: a wrapped assignment bracket continues it
    for ln in kept:
        norm = normalize(ln)
        starts = bool(STARTS_ITEM.match(norm)) and depth == 0
        joins = bool(paragraphs) and not starts and (depth > 0 or _width(previous) >= 0.85 * full) \
            and not (ENDS_PARAGRAPH_STRICT.search(normalize(previous)) and depth == 0)
        if joins:
            paragraphs[-1] += ln
        else:
            paragraphs.append(ln)
            depth = 0
        depth = max(0, depth + norm.count("(") + norm.count("【") - norm.count(")") - norm.count("】"))
        previous = ln
    return [make_line(i, p) for i, p in enumerate(paragraphs, start=1) if p.strip()]
