"""催办名单.xlsx: one row per unit to chase (unit, contact, phone, what is missing, a ready-to-send
message in Chinese), then every unit's status for the record."""

from __future__ import annotations

from ..chase import ChaseRow
from ..labels import Labels
from .tables import row_height
from .workbook import new_workbook, save, setup_print, write_title

COLUMNS = (("seq", 5), ("unit", 22), ("contact", 10), ("phone", 15), ("submission", 12), ("timeliness", 10),
           ("delivered", 11), ("errors", 6), ("asks", 24), ("message", 60))


def message_text(row: ChaseRow, labels: Labels, plan_title: str, period_label: str, due: str) -> str:
    """The message to send a unit: who, which period, what is asked, by when."""
    asks = "；".join(labels[f"chase.ask.{a}"] for a in row.asks)
    return labels.fmt("chase.message", unit=row.unit, plan=plan_title, period=period_label, asks=asks, due=due,
                      office=labels["chase.office"])


def write_chase_list(path: str, rows: list[ChaseRow], labels: Labels, plan_title: str, period_label: str,
                     due: str, reply_by: str) -> None:
    workbook, styles = new_workbook(path)
    ws = workbook.add_worksheet(labels["chase.sheet"])
    widths = [w for _, w in COLUMNS]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    write_title(ws, styles, labels.fmt("chase.title", plan=plan_title, period=period_label), len(COLUMNS) - 1,
                subtitle=labels.fmt("chase.subtitle", due=due, reply_by=reply_by,
                                    count=sum(1 for r in rows if r.needs_chasing), total=len(rows)))
    header = 2
    ws.write_row(header, 0, [labels[f"chase.columns.{k}"] for k, _ in COLUMNS], styles.header)
    ordered = [r for r in rows if r.needs_chasing] + [r for r in rows if not r.needs_chasing]
    for n, r in enumerate(ordered, start=1):
        row = header + n
        message = message_text(r, labels, plan_title, period_label, reply_by) if r.needs_chasing else ""
        values = [n, r.unit, r.contact, r.phone, labels[f"submission.{r.submission}"],
                  labels[f"chase.timeliness.{r.timeliness}"], r.delivered or "", r.errors,
                  "；".join(labels[f"chase.ask.{a}"] for a in r.asks), message]
        for c, v in enumerate(values):
            if isinstance(v, int):
                ws.write_number(row, c, v, styles.count)
            else:
                ws.write_string(row, c, str(v), styles.text)
        ws.set_row(row, max(row_height([(message, widths[-1]), (values[8], widths[8])]) or 0, 20))
    ws.freeze_panes(header + 1, 2)
    ws.autofilter(header, 0, header + len(ordered), len(COLUMNS) - 1)
    setup_print(ws, labels, header_rows=(header, header), widths=widths)
    save(workbook)
