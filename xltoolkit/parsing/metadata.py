"""Front matter -> document metadata: title, issuer (发布机构), 文号, 公开日期, plan horizon."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .text import Line, normalize

FIELD_NAMES = {"名称": "name", "标题": "name", "发布机构": "issuer", "发文机关": "issuer", "发文单位": "issuer",
               "文号": "doc_number", "发文字号": "doc_number", "索引号": "index", "公开日期": "published",
               "发布日期": "published", "发文日期": "date", "成文日期": "date", "公开方式": "mode", "主题分类": "topic",
               "有效性": "validity"}
_SPACED = {k: r"\s*".join(k) for k in FIELD_NAMES}
FIELD = re.compile(r"(?P<label>" + "|".join(_SPACED[k] for k in sorted(FIELD_NAMES, key=len, reverse=True)) + r")\s*:\s*")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{2,12}[〔【\[(]\d{4}[〕】\])]\s*\d{1,4}\s*号")
DATE = re.compile(r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")
GENRE_END = re.compile(r"(?:方案|计划|规划|纲要|意见|要点|清单|安排|分工)(?:[(（][^()（）]{0,20}[)）])?$")
NOTICE = re.compile(r"关于印发[《<]?(?P<title>.+?)[》>]?的通知")


@dataclass
class Metadata:
    title: Optional[str] = None
    issuer: Optional[str] = None
    doc_number: Optional[str] = None
    published: Optional[str] = None
    horizon: Optional[tuple[int, int]] = None
    title_line: int = 0
    fields: dict[str, str] = field(default_factory=dict)


def read_fields(lines: list[Line]) -> dict[str, str]:
    """'名  称: … 发布机构: …' header fields; several may share one line."""
    fields: dict[str, str] = {}
    for line in lines:
        marks = list(FIELD.finditer(line.norm))
        for n, m in enumerate(marks):
            end = marks[n + 1].start() if n + 1 < len(marks) else len(line.raw)
            key = FIELD_NAMES[re.sub(r"\s+", "", m.group("label"))]
            fields.setdefault(key, line.raw[m.end():end].strip())
    return fields


def iso_date(text: str) -> Optional[str]:
    m = DATE.search(text or "")
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if 1990 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def extract(front: list[Line]) -> Metadata:
    meta = Metadata()
    meta.fields = read_fields(front)
    f = meta.fields
    meta.issuer = f.get("issuer") or None
    meta.doc_number = f.get("doc_number") or None
    meta.published = iso_date(f.get("published", "")) or iso_date(f.get("date", ""))
    # Title: the document's own heading line (not the notice that publishes it), else from the notice.
    for line in front:
        text = line.raw
        if FIELD.search(line.norm) or "通知" in line.norm or len(text) > 80 or re.search(r"[。:;,]", line.norm) \
                or re.match(r"^[(]?[\d一二三四五六七八九十]", line.norm):
            continue
        if GENRE_END.search(line.norm) and len(text) >= 6:
            meta.title, meta.title_line = text, line.number
    notice_line = next((ln for ln in front if NOTICE.search(ln.norm)), None)
    if meta.title is None:
        source = f.get("name") or (notice_line.raw if notice_line else "")
        m = NOTICE.search(normalize(source))
        if m:
            meta.title = re.sub(r"\s+", "", source[m.start("title"):m.end("title")])
        elif source:
            meta.title = source
    if meta.issuer is None and notice_line is not None:
        m = re.match(r"^(.{4,30}?)关于印发", notice_line.norm)
        if m:
            meta.issuer = notice_line.raw[:m.end(1)]
    if meta.doc_number is None:
        for line in front:
            m = DOC_NUMBER.search(line.raw)
            if m:
                meta.doc_number = m.group(0)
                break
    if meta.published is None:
        for line in front:
            if re.fullmatch(r"\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*", line.norm):
                meta.published = iso_date(line.norm)
    meta.horizon = horizon_from(meta.title or f.get("name", ""))
    return meta


FIVE_YEAR = {"十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030),
             "第十三个五年": (2016, 2020), "第十四个五年": (2021, 2025), "第十五个五年": (2026, 2030)}


def horizon_from(title: str) -> Optional[tuple[int, int]]:
    for key, span in FIVE_YEAR.items():
        if key in title:
            return span
    m = re.search(r"(\d{4})\s*[-—–至~]\s*(\d{4})年", title)
    if m and int(m.group(1)) <= int(m.group(2)):
        return int(m.group(1)), int(m.group(2))
    m = re.search(r"(\d{4})年", title)
    if m and "远景" not in title[m.end():m.end() + 3]:
        return int(m.group(1)), int(m.group(1))
    return None
