"""Problems found in returns: stable codes, severities, locations and zh-CN messages.

Each problem is data (code, severity, where, value) plus a message rendered from the label file in
the order location -> rule -> what to do, so the same problem feeds the console, the JSON report, the
summary workbook and the feedback comments without re-formatting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional

from .labels import Labels


class Severity(str, Enum):
    error = "error"
    warning = "warning"


E, W = Severity.error, Severity.warning

# code -> severity. Messages live in the label file under problems.<CODE>.
CODES: dict[str, Severity] = {
    # The file itself
    "FILE_EMPTY": E,
    "FILE_UNREADABLE": E,
    "FILE_NOT_XLSX": E,
    "FILE_CORRUPT": E,
    "FILE_ENCRYPTED": E,
    "FILE_LEGACY_FORMAT": E,
    "FILE_MACRO": E,
    "FILE_TOO_LARGE": E,
    "FILE_XML_UNSAFE": E,
    "FILE_LOCK_SKIPPED": W,
    # Identity: which plan, version, unit and period a return belongs to
    "META_MISSING": W,
    "META_UNIDENTIFIED": E,
    "META_OTHER_PLAN": E,
    "META_OLD_VERSION": W,
    "META_OTHER_PERIOD": E,
    "META_UNKNOWN_UNIT": E,
    "META_NOT_A_RETURN": W,
    "META_DUPLICATE_UNIT": E,
    "META_DUPLICATE_SUPERSEDED": W,
    # Structure of the unit sheet
    "STRUCT_NO_SHEET": E,
    "STRUCT_HEADER_CHANGED": E,
    "STRUCT_ROW_MISSING": E,
    "STRUCT_ROW_DUPLICATE": E,
    "STRUCT_ROW_UNKNOWN": E,
    "STRUCT_ROW_NO_ID": W,
    "STRUCT_LOCKED_EDITED": W,
    "STRUCT_MERGED_CELLS": E,
    # Header block
    "HEADER_REQUIRED": E,
    "HEADER_PHONE_INVALID": E,
    "HEADER_DATE_INVALID": E,
    "HEADER_DATE_OUT_OF_PERIOD": W,
    # Values
    "VALUE_STATUS_EMPTY": E,
    "VALUE_STATUS_INVALID": E,
    "VALUE_PROGRESS_NOT_NUMBER": E,
    "VALUE_PROGRESS_RANGE": E,
    "VALUE_DONE_NOT_100": W,
    "VALUE_NOT_STARTED_PROGRESS": W,
    "VALUE_WORK_EMPTY": E,
    "VALUE_PROBLEMS_EMPTY": E,
    "VALUE_TEXT_TOO_LONG": E,
    "VALUE_ACTUAL_NOT_NUMBER": E,
    "VALUE_ACTUAL_NORMALIZED": W,
    "VALUE_ACTUAL_FRACTION": W,
    "VALUE_ACTUAL_EMPTY": W,
    "VALUE_FORMULA": W,
    "VALUE_FORMULA_NO_RESULT": E,
    "VALUE_ERROR": E,
}


@dataclass(frozen=True)
class Problem:
    code: str
    severity: Severity
    file: str  # file name as given (path relative to what the user passed)
    message: str  # location, then the rule and what to do
    unit: Optional[str] = None
    sheet: Optional[str] = None
    cell: Optional[str] = None
    field: Optional[str] = None
    value: Optional[str] = None
    text: str = ""  # the message without its location, for places that show the location apart

    @property
    def location(self) -> str:
        where = f"[{self.file}]"
        if self.sheet:
            where += f" {self.sheet}"
            if self.cell:
                where += f"!{self.cell}"
        return where

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity.value, "unit": self.unit, "file": self.file,
                "sheet": self.sheet, "cell": self.cell, "field": self.field, "value": self.value,
                "message": self.message}


def shown(value: Any, limit: int = 60) -> str:
    """A cell value as shown in a message: text cut to `limit` characters."""
    text = "" if value is None else str(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class ProblemSink:
    """Collects problems for one file, rendering each message from the labels."""

    labels: Labels
    file: str
    unit: Optional[str] = None
    sheet: Optional[str] = None
    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, *, cell: Optional[str] = None, field: Optional[str] = None, value: Any = None,
            sheet: Optional[str] = None, **params: Any) -> Problem:
        severity = CODES[code]
        sheet = sheet if sheet is not None else (self.sheet if cell else None)
        field_label = self.labels[field] if field and "." in field else (field or "")
        location = self.labels.fmt("problems._location", file=self.file, where=f" {sheet}!{cell}" if sheet and cell
                                   else (f" {sheet}" if sheet else ""))
        text = self.labels.fmt(f"problems.{code}", field=field_label, value=shown(value), **params)
        problem = Problem(code=code, severity=severity, file=self.file, unit=self.unit, sheet=sheet, cell=cell,
                          field=field_label or None, value=None if value is None else shown(value, 200),
                          message=f"{location} {text}", text=text)
        self.problems.append(problem)
        return problem

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity is Severity.error)
