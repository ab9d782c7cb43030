"""Fill a plan workbook (分工表) with openpyxl, as the office would in Excel: used by the tests and by
scripts/make_samples.py (the example assignment of the 2022 annual plan)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from xltoolkit.labels import Labels
from xltoolkit.planbook import ASSIGNMENT_FORM, DIRECTORY_FORM, HEADER_ROW

# The 14 street offices (街道办事处) of Wuchang District, from the district government's public
# administrative-division listing (武昌区人民政府门户网站「走进武昌·行政区划」).
WUCHANG_STREETS = ["积玉桥街道", "杨园街道", "徐家棚街道", "粮道街道", "中华路街道", "黄鹤楼街道", "紫阳街道",
                   "白沙洲街道", "首义路街道", "中南路街道", "水果湖街道", "珞珈山街道", "石洞街道", "南湖街道"]


def _columns(ws, form, labels: Labels) -> dict[str, int]:
    header = [c.value for c in ws[HEADER_ROW + 1]]
    return {col.key: header.index(col.header(labels)) + 1 for col in form.columns}


def fill_planbook(src: Path, dst: Path, labels: Labels, *, units: Optional[list[dict]] = None,
                  edit_units: Optional[dict[str, dict]] = None, assign: Optional[dict[str, dict]] = None) -> None:
    """Copy `src` to `dst` with edits: `units` added in the directory's blank rows (name, kind (a
    key), aliases, members, contact, phone — lists as lists), `edit_units` changes existing rows by
    unit name, `assign` sets item rows by id (lead_units, responsible_units as lists; baseline,
    baseline_year; note)."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    ws = wb[labels["planbook.sheets.directory"]]
    col = _columns(ws, DIRECTORY_FORM, labels)

    def put(row: int, key: str, value) -> None:
        if key == "kind":
            value = labels[f"unit_kind.{value}"]
        elif isinstance(value, (list, tuple)):
            value = "、".join(value)
        cell = ws.cell(row=row, column=col[key])
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"

    by_name = {ws.cell(row=r, column=col["name"]).value: r for r in range(HEADER_ROW + 2, ws.max_row + 1)}
    for name, changes in (edit_units or {}).items():
        for key, value in changes.items():
            put(by_name[name], key, value)
    blank = [r for r in range(HEADER_ROW + 2, ws.max_row + 1) if not ws.cell(row=r, column=col["name"]).value]
    for row, unit in zip(blank, units or []):
        for key, value in unit.items():
            put(row, key, value)
    ws = wb[labels["planbook.sheets.assignment"]]
    col = _columns(ws, ASSIGNMENT_FORM, labels)
    rows = {ws.cell(row=r, column=1).value: r for r in range(HEADER_ROW + 2, ws.max_row + 1)}
    for item, changes in (assign or {}).items():
        for key, value in changes.items():
            put(rows[item], key, value)
    wb.save(dst)


def example_assignment_2022(plan2022, suggestions) -> tuple[list[dict], dict[str, dict], dict[str, dict]]:
    """An example division of the 2022 annual plan, as an office might make it: each item gets the
    units the suggestion names (the most similar item of the 14th-FYP scheme), 各街道 gets the 14
    street offices as members. An example only: the bundled plan itself assigns no units."""
    units = [{"name": s, "kind": "street_office"} for s in WUCHANG_STREETS]
    assign = {}
    for item in [*plan2022.indicators, *plan2022.tasks]:
        s = suggestions[item.id]
        lead = list(s.lead_units) or list(s.responsible_units[:1]) or ["区发改局"]
        resp = [u for u in (*s.named_units, *s.responsible_units) if u not in lead][:4]
        assign[item.id] = {"lead_units": lead, "responsible_units": resp}
    assign["T5.3"] = {"lead_units": ["区城管局"], "responsible_units": ["各街道"]}  # 城市管理: the streets report
    edit_units = {"各街道": {"members": WUCHANG_STREETS, "contact": "示例联系人", "phone": "027-88880000"}}
    return units, edit_units, assign
