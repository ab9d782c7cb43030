"""Text input: decode bytes, drop HTML remnants, split into numbered lines.

Each `Line` keeps `raw`, the text as written (only the file format is decoded: encoding, HTML tags
and entities, edge whitespace), and `norm`, a copy of the same length in which full-width ASCII
(（）：，；０-９％ …) and odd spaces are mapped to their half-width forms one character for one
character, and traditional characters that the patterns meet are mapped to simplified ones
(hanzi.py: 牽頭單位 is matched as 牵头单位). Patterns are matched on `norm`; the spans found index `raw`
directly, so stored texts keep the source's characters exactly.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .hanzi import TRADITIONAL_TO_SIMPLIFIED

SPACES = " \t\u3000\xa0\u2002\u2003\u2009\u200b\ufeff"


@dataclass(frozen=True)
class Line:
    number: int  # 1-based physical line (.docx paragraph or table row, sheet row) the text comes from
    raw: str
    norm: str
    role: str = ""  # from a division table (tables.py): "heading", "task", "assign"; "" for running text
    serial: str = ""  # a table task's 序号 as written


class DecodeError(ValueError):
    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code = code
        self.detail = detail


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: BOM first, then strict UTF-8, then GB18030 (covers GBK/GB2312).

    Raises DecodeError('binary') for data that is not text and DecodeError('encoding') when no
    candidate decodes it.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    sample = data[:65536]
    if b"\x00" in sample or _control_ratio(sample) > 0.05:
        raise DecodeError("binary")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DecodeError("encoding")


def _control_ratio(sample: bytes) -> float:
    if not sample:
        return 0.0
    bad = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return bad / len(sample)


_BREAK_TAGS = re.compile(r"<\s*(?:br|/?p|/?div|/?li|/?tr|/?h[1-6]|/?table|/?ul|/?ol)\b[^<>]{0,200}>", re.I)
_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*\b[^<>]{0,200}>|<!--.*?-->")
_ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#\d{1,6}|#x[0-9A-Fa-f]{1,5});")


def strip_html(text: str) -> list[str]:
    """One physical line without HTML tags and entities; block tags split it into several."""
    if "<" in text:
        text = _BREAK_TAGS.sub("\n", text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    return text.replace("\xa0", " ").split("\n")


_HALF = {0x3000: " ", 0xA0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x200B: " ", 0xFEFF: " ",
         0x09: " ", 0xFF5E: "~", 0x2236: ":", 0xFE55: ":", 0x2014: "—", **TRADITIONAL_TO_SIMPLIFIED}


_TABLE = {**{c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if c != 0xFF5E}, **_HALF}


def normalize(text: str) -> str:
    """Same-length matching copy: full-width ASCII -> half-width, odd spaces -> ' ', traditional
    characters the patterns meet -> simplified (one character for one)."""
    return text.translate(_TABLE)


def make_line(number: int, raw: str) -> Line:
    raw = raw.strip(SPACES + "\r\n\x0b\x0c")
    return Line(number, raw, normalize(raw))


def without_invisible(lines: list[Line]) -> tuple[list[Line], dict[int, dict[str, int]]]:
    """The lines without the characters a plan may not hold (model.INVISIBLE_CATEGORIES: control,
    zero-width and direction characters, BOM, soft hyphen, line separators; tabs are kept), and what
    was removed: line number -> {"U+200B": count}. Lines without any are returned as they are."""
    import unicodedata

    from ..model import INVISIBLE_CATEGORIES

    out: list[Line] = []
    removed: dict[int, dict[str, int]] = {}
    for line in lines:
        if line.raw.isprintable():  # fast path: almost every line
            out.append(line)
            continue
        kept = []
        for ch in line.raw:
            if ch != "\t" and unicodedata.category(ch) in INVISIBLE_CATEGORIES:
                counts = removed.setdefault(line.number, {})
                counts[f"U+{ord(ch):04X}"] = counts.get(f"U+{ord(ch):04X}", 0) + 1
            else:
                kept.append(ch)
        raw = "".join(kept).strip(SPACES)
        if raw:
            out.append(Line(line.number, raw, normalize(raw), line.role, line.serial))
    return out, removed


def split_lines(text: str) -> list[Line]:
    """Non-blank lines with their 1-based line numbers; HTML remnants removed."""
    lines: list[Line] = []
    for number, physical in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        for part in strip_html(physical):
            line = make_line(number, part)
            if line.raw:
                lines.append(line)
    return lines
