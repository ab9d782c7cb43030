"""A unit's return workbook: 填报说明, the unit's sheet, and the hidden metadata that identifies it."""

from __future__ import annotations

from typing import Optional

from ..forms import vocabulary
from ..labels import Labels
from ..metadata import ReturnMeta
from ..model import Period, Plan, Unit
from .instructions import write_instructions
from .unitsheet import write_unit_sheet
from .workbook import new_workbook, save, write_metadata


def write_return(path: str, plan: Plan, unit: Unit, period: Period, sheet_name: str, meta: ReturnMeta,
                 labels: Labels, password: Optional[str] = None) -> None:
    workbook, styles = new_workbook(path)
    period_label = labels.period(period)
    write_instructions(workbook, styles, labels, plan, period, password)
    write_unit_sheet(workbook, styles, labels, plan, unit, period_label, sheet_name, password)
    workbook.worksheets()[1].activate()
    write_metadata(workbook, meta, labels, styles, vocabulary(labels))
    workbook.set_properties({"title": f"{plan.title}（{unit.name}）", "subject": period_label,
                             "author": "xltool", "company": unit.name})
    save(workbook)
