"""Render a plan (its bundled YAML data) as the documents departments publish, for parse tests and
scripts/parse_report.py: a division table in .docx, .xlsx, .csv and HTML, and the text in a PDF."""

from __future__ import annotations

import csv
import html
from pathlib import Path

import yaml

HEADER = ["序号", "重点任务", "牵头单位", "责任单位"]


def load(path: Path) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def rows(plan: dict) -> list[tuple[str, list[str]]]:
    """("heading", [title]) and ("item", [serial, text, lead, responsible]) rows, in document order."""
    out: list[tuple[str, list[str]]] = []
    if plan.get("indicators"):
        out.append(("heading", ["一、主要指标"]))
        for kind, title in (("binding", "(一)约束性指标"), ("expected", "(二)预期性指标")):
            items = [i for i in plan["indicators"] if i["kind"] == kind]
            if items:
                out.append(("heading", [title]))
            seen = []
            for i in items:
                if i["text"] in seen:
                    continue  # one line split into several indicators
                seen.append(i["text"])
                out.append(("item", [str(len(seen)), i["text"], "、".join(i["lead_units"]),
                                     "、".join(i["responsible_units"])]))
    out.append(("heading", ["二、主要任务"]))
    cn = "一二三四五六七八九十"
    for ci, c in enumerate(plan["chapters"]):
        out.append(("heading", [f"({cn[ci]}){c['title']}"]))
        for ti, t in enumerate(c["tasks"], start=1):
            out.append(("item", [str(ti), t["text"], "、".join(t["lead_units"]), "、".join(t["responsible_units"])]))
    return out


def front(plan: dict) -> list[str]:
    return [plan["title"]]


def to_docx(plan: dict, path: Path) -> Path:
    import docx

    d = docx.Document()
    for line in front(plan):
        d.add_paragraph(line)
    table = d.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, HEADER):
        cell.text = text
    for kind, values in rows(plan):
        row = table.add_row()
        if kind == "heading":
            merged = row.cells[0].merge(row.cells[3])
            merged.text = values[0]
        else:
            for cell, text in zip(row.cells, values):
                cell.text = text
    d.save(path)
    return path


def _sheet_rows(plan: dict) -> list[list[str]]:
    return [HEADER] + [values if kind == "item" else [values[0], "", "", ""] for kind, values in rows(plan)]


def to_xlsx(plan: dict, path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务分工"
    ws.append([plan["title"]])
    ws.merge_cells("A1:D1")
    for r in _sheet_rows(plan):
        ws.append(r)
    for n, (kind, _) in enumerate(rows(plan), start=3):
        if kind == "heading":
            ws.merge_cells(f"A{n}:D{n}")
    wb.save(path)
    return path


def to_csv(plan: dict, path: Path) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(_sheet_rows(plan))
    return path


def to_html(plan: dict, path: Path) -> Path:
    e = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>", e(plan["title"]),
             "</title><script>var nav = '首页';</script><style>td{border:1px}</style></head><body>",
             "<div class='nav'>首页 &gt; 政务公开 &gt; 规划计划</div>"]
    parts += [f"<p>{e(line)}</p>" for line in front(plan)]
    parts.append("<table><tr>" + "".join(f"<th>{h}</th>" for h in HEADER) + "</tr>")
    for kind, values in rows(plan):
        if kind == "heading":
            parts.append(f"<tr><td colspan='4'>{e(values[0])}</td></tr>")
        else:
            cells = "".join(f"<td>{e(v).replace(chr(10), '<br>')}</td>" for v in values)
            parts.append(f"<tr>{cells}</tr>")
    parts.append("</table><div class='footer'>主办：区人民政府办公室 &copy; 2022</div></body></html>")
    Path(path).write_text("".join(parts), encoding="utf-8")
    return path


def text_lines(plan: dict) -> list[str]:
    """The plan as a text document: headings and numbered items with their assignment brackets."""
    out = list(front(plan))
    for kind, values in rows(plan):
        if kind == "heading":
            out.append(values[0])
            continue
        serial, text, lead, resp = values
        labels = [f"牵头单位:{lead}"] * bool(lead) + [f"责任单位:{resp}"] * bool(resp)
        bracket = f"({','.join(labels)})" if labels else ""
        paragraphs = text.split("\n")
        paragraphs[-1] += bracket
        out.append(f"{serial}.{paragraphs[0]}")
        out.extend(paragraphs[1:])
    return out


def to_pdf(plan: dict, path: Path, per_page: int = 36, width: int = 38) -> Path:
    from pdfmaker import make_pdf, wrap

    visual = [v for line in text_lines(plan) for v in wrap(line, width)]
    pages = []
    for n, start in enumerate(range(0, len(visual), per_page), start=1):
        pages.append(["武昌区人民政府办公室"] + visual[start:start + per_page] + [f"— {n} —"])
    Path(path).write_bytes(make_pdf(pages))
    return path
