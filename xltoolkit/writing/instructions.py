"""The 填报说明 sheet: purpose, period, how to fill in, status definitions, what happens next."""

from __future__ import annotations

from ..forms import STATUS_KEYS
from ..labels import Labels
from ..model import Period, Plan
from .styles import Styles
from .workbook import protect, setup_print, write_title
from .tables import row_height

# Portrait A4: the two columns print one page wide at 8 pt or more (see workbook.print_scale).
LABEL_WIDTH, TEXT_WIDTH = 12, 82


def write_instructions(workbook, styles: Styles, labels: Labels, plan: Plan, period: Period,
                       password=None) -> None:
    ws = workbook.add_worksheet(labels["sheets.instructions"])
    period_label = labels.period(period)
    start, end = period.start.isoformat(), period.end.isoformat()
    definitions = labels["instructions.status_separator"].join(
        f"“{labels['status.' + key]}”{labels['status.definitions.' + key]}" for key in STATUS_KEYS)
    values = {"plan": plan.title, "period": period_label, "start": start, "end": end,
              "due": plan.due_date(period).isoformat(), "due_days": plan.due_days,
              "doc_number": plan.doc_number or "", "status_definitions": definitions}
    ws.set_column(0, 0, LABEL_WIDTH)
    ws.set_column(1, 1, TEXT_WIDTH)
    write_title(ws, styles, labels.fmt("instructions.title", **values), 1, height=48, width=LABEL_WIDTH + TEXT_WIDTH)
    for r, (label, text) in enumerate(labels["instructions.rows"], start=2):
        body = text.format(**values)
        ws.write_string(r, 0, label, styles.label)
        ws.write_string(r, 1, body, styles.text)
        ws.set_row(r, max(row_height([(label, LABEL_WIDTH), (body, TEXT_WIDTH)]) or 0, 20))
    setup_print(ws, labels, landscape=False, widths=(LABEL_WIDTH, TEXT_WIDTH))
    protect(ws, password)
