"""Sheet names, shared by the writers and the reader so both agree on where a unit's tab is."""

from __future__ import annotations

import re
from typing import Iterable

from .labels import Labels
from .model import Plan

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


class SheetNamer:
    """Unique, valid sheet names: at most 31 characters, none of []:*?/\\, no leading/trailing quote."""

    def __init__(self, reserved: Iterable[str] = ()):
        self._used = {n.casefold() for n in reserved}

    def name(self, wanted: str) -> str:
        base = _SHEET_FORBIDDEN.sub("_", wanted).strip().strip("'").strip() or "Sheet"
        if base.casefold() == "history":  # reserved by Excel
            base = base + "_"
        candidate = _trim(base[:SHEET_NAME_MAX])
        n = 2
        while candidate.casefold() in self._used:
            suffix = f"~{n}"
            candidate = _trim(base[: SHEET_NAME_MAX - len(suffix)]) + suffix
            n += 1
        self._used.add(candidate.casefold())
        return candidate


def _trim(name: str) -> str:
    """No leading or trailing apostrophe or space (Excel rejects them), even after truncation."""
    return name.strip().strip("'").strip() or "Sheet"


def fixed_sheet_names(labels: Labels) -> list[str]:
    return [labels[f"sheets.{k}"] for k in
            ("instructions", "summary", "matrix", "binding", "expected", "unassigned", "calc", "meta")]


def unit_sheet_names(plan: Plan, labels: Labels) -> dict[str, str]:
    """Unit name -> its tab name, identical in the master and in the unit's return."""
    namer = SheetNamer(fixed_sheet_names(labels))
    return {u.name: namer.name(u.name) for u in plan.reporting_units}
