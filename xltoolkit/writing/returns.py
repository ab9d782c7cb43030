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
                 labels: Labels, password: Optional[str] = None, earlier: Optional[dict] = None,
                 prefill: bool = False) -> None:
    """`earlier`: the unit's last recorded answers (``{"period": code, "answers": {item_id: row}}``,
    history.last_answers; ``{}`` when the database has earlier periods but none from this unit):
    given, the 上期 columns are written; `prefill` also types those answers into the input cells."""
    workbook, styles = new_workbook(path)
    period_label = labels.period(period)
    write_instructions(workbook, styles, labels, plan, period, password)
    last = fill = None
    last_period = ""
    if earlier is not None:
        from .. import wording

        answers = earlier.get("answers", {})
        last = {item: wording.last_cells(a, labels) for item, a in answers.items() if a["kind"] != "indicator"}
        if prefill and answers:
            fill = {item: wording.prefill_cells(a, labels) for item, a in answers.items()}
            last_period = labels.period(Period.parse(earlier["period"]))
    write_unit_sheet(workbook, styles, labels, plan, unit, period_label, sheet_name, password, last=last,
                     prefill=fill, last_period=last_period)
    workbook.worksheets()[1].activate()
    write_metadata(workbook, meta, labels, styles, vocabulary(labels, with_last=earlier is not None))
    workbook.set_properties({"title": f"{plan.title}（{unit.name}）", "subject": period_label,
                             "author": "xltool", "company": unit.name})
    save(workbook)
