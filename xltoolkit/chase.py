"""Who to chase (催办): every reporting unit's submission against the reporting deadline, and a
ready-to-send message for each unit that needs one. Pure: a Consolidation in, rows out.

On time or late is judged by the workbook's own saved time (docProps/core.xml, written by the office
program on save), else the header's 填报日期; a return with neither is `unknown`. A unit needs chasing
when nothing usable arrived (missing, empty, rejected, duplicate), when it arrived late, or when its
accepted return still has errors (returned for correction).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from .consolidation import Consolidation, Submission

TIMELINESS = ("on_time", "late", "unknown", "none")  # label keys under chase.timeliness


@dataclass(frozen=True)
class ChaseRow:
    """One reporting unit: what arrived, when, and what to ask of it."""

    unit: str
    unit_id: str
    submission: str  # consolidation submission key
    timeliness: str  # one of TIMELINESS
    delivered: Optional[str]  # ISO date the return was saved / filled in
    errors: int
    contact: str
    phone: str
    asks: tuple[str, ...] = field(default_factory=tuple)  # label keys under chase.ask: what is asked

    @property
    def needs_chasing(self) -> bool:
        return bool(self.asks)


def _delivered(s: Submission) -> Optional[dt.date]:
    r = s.result
    if r is None:
        return None
    for text in (r.saved_at, r.header.get("date")):
        if text:
            try:
                return dt.date.fromisoformat(str(text)[:10])
            except ValueError:
                continue
    return None


def chase_rows(c: Consolidation, due: dt.date) -> list[ChaseRow]:
    """Every reporting unit, in plan order, from a merge's consolidation."""
    errors_of: dict[str, int] = {}
    for p in c.problems:
        if p.unit and p.severity.value == "error":
            errors_of[p.unit] = errors_of.get(p.unit, 0) + 1
    return _rows([(s.unit, s.status, _delivered(s), errors_of.get(s.unit.name, 0)) for s in c.submissions], due)


def _rows(items, due: dt.date) -> list[ChaseRow]:
    rows = []
    for unit, status, day, errors in items:
        if status in ("missing",):
            timeliness = "none"
        elif day is None:
            timeliness = "unknown"
        else:
            timeliness = "on_time" if day <= due else "late"
        asks = []
        if status == "missing":
            asks.append("submit")
        elif status == "empty":
            asks.append("fill_in")
        elif status in ("rejected", "duplicate"):
            asks.append("resubmit")
        elif status == "problems":
            asks.append("correct")
        if timeliness == "late":
            asks.append("on_time_next")
        rows.append(ChaseRow(unit.name, unit.id, status, timeliness, day.isoformat() if day else None,
                             errors, unit.contact or "", unit.phone or "", tuple(asks)))
    return rows
