"""Problems are data: a stable code, a severity, where it is, and the parameters of its message.

A `Problem` (something wrong in a return) and an `XltoolError` (a failure that stops a command: a plan
file, an input, an output, a period) keep their code and parameters; the sentence a person reads is
rendered from the label file only at the edge (console, JSON, summary workbook, feedback comments,
later a report or another locale), in the order location -> rule -> what to do
(pyxform/frictionless style).
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from enum import Enum
from typing import Any, Mapping, Optional

from .labels import Labels


class Severity(str, Enum):
    error = "error"
    warning = "warning"


E, W = Severity.error, Severity.warning

class ProblemCode(str, Enum):
    """Every problem a return can raise; topic-prefixed (FILE_, META_, STRUCT_, HEADER_, VALUE_).
    Messages live in the label file under ``problems.<CODE>``; severities in `CODES`."""

    # The file itself
    FILE_EMPTY = "FILE_EMPTY"
    FILE_UNREADABLE = "FILE_UNREADABLE"
    FILE_NOT_XLSX = "FILE_NOT_XLSX"
    FILE_CORRUPT = "FILE_CORRUPT"
    FILE_ENCRYPTED = "FILE_ENCRYPTED"
    FILE_LEGACY_FORMAT = "FILE_LEGACY_FORMAT"
    FILE_MACRO = "FILE_MACRO"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    FILE_XML_UNSAFE = "FILE_XML_UNSAFE"
    FILE_LOCK_SKIPPED = "FILE_LOCK_SKIPPED"
    FILE_NOT_REGULAR = "FILE_NOT_REGULAR"
    # Identity: which plan, version, unit and period a return belongs to
    META_MISSING = "META_MISSING"
    META_UNIDENTIFIED = "META_UNIDENTIFIED"
    META_OTHER_PLAN = "META_OTHER_PLAN"
    META_OLD_VERSION = "META_OLD_VERSION"
    META_OTHER_PERIOD = "META_OTHER_PERIOD"
    META_UNKNOWN_UNIT = "META_UNKNOWN_UNIT"
    META_NOT_A_RETURN = "META_NOT_A_RETURN"
    META_OLD_FORM = "META_OLD_FORM"
    META_NEWER_FORM = "META_NEWER_FORM"
    META_DUPLICATE_UNIT = "META_DUPLICATE_UNIT"
    META_DUPLICATE_SUPERSEDED = "META_DUPLICATE_SUPERSEDED"
    META_IDENTITY_MISMATCH = "META_IDENTITY_MISMATCH"
    META_EXTRA_UNIT_SHEETS = "META_EXTRA_UNIT_SHEETS"
    META_TOKEN_INVALID = "META_TOKEN_INVALID"
    META_TOKEN_MISSING = "META_TOKEN_MISSING"
    META_TOKEN_UNCHECKED = "META_TOKEN_UNCHECKED"
    META_FEEDBACK_COPY = "META_FEEDBACK_COPY"
    # Structure of the unit sheet
    STRUCT_NO_SHEET = "STRUCT_NO_SHEET"
    STRUCT_HEADER_CHANGED = "STRUCT_HEADER_CHANGED"
    STRUCT_ROW_MISSING = "STRUCT_ROW_MISSING"
    STRUCT_ROW_DUPLICATE = "STRUCT_ROW_DUPLICATE"
    STRUCT_ROW_UNKNOWN = "STRUCT_ROW_UNKNOWN"
    STRUCT_ROW_NO_ID = "STRUCT_ROW_NO_ID"
    STRUCT_LOCKED_EDITED = "STRUCT_LOCKED_EDITED"
    STRUCT_MERGED_CELLS = "STRUCT_MERGED_CELLS"
    # Header block
    HEADER_REQUIRED = "HEADER_REQUIRED"
    HEADER_PHONE_INVALID = "HEADER_PHONE_INVALID"
    HEADER_DATE_INVALID = "HEADER_DATE_INVALID"
    HEADER_DATE_OUT_OF_PERIOD = "HEADER_DATE_OUT_OF_PERIOD"
    # Values
    VALUE_STATUS_EMPTY = "VALUE_STATUS_EMPTY"
    VALUE_STATUS_INVALID = "VALUE_STATUS_INVALID"
    VALUE_PROGRESS_NOT_NUMBER = "VALUE_PROGRESS_NOT_NUMBER"
    VALUE_PROGRESS_RANGE = "VALUE_PROGRESS_RANGE"
    VALUE_DONE_NOT_100 = "VALUE_DONE_NOT_100"
    VALUE_NOT_STARTED_PROGRESS = "VALUE_NOT_STARTED_PROGRESS"
    VALUE_WORK_EMPTY = "VALUE_WORK_EMPTY"
    VALUE_UNCHANGED = "VALUE_UNCHANGED"
    VALUE_PROBLEMS_EMPTY = "VALUE_PROBLEMS_EMPTY"
    VALUE_TEXT_TOO_LONG = "VALUE_TEXT_TOO_LONG"
    VALUE_ACTUAL_NOT_NUMBER = "VALUE_ACTUAL_NOT_NUMBER"
    VALUE_ACTUAL_NORMALIZED = "VALUE_ACTUAL_NORMALIZED"
    VALUE_ACTUAL_FRACTION = "VALUE_ACTUAL_FRACTION"
    VALUE_PERCENT_TYPED = "VALUE_PERCENT_TYPED"
    VALUE_NOTHING_FILLED = "VALUE_NOTHING_FILLED"
    VALUE_ACTUAL_EMPTY = "VALUE_ACTUAL_EMPTY"
    VALUE_FORMULA = "VALUE_FORMULA"
    VALUE_FORMULA_NO_RESULT = "VALUE_FORMULA_NO_RESULT"
    VALUE_ERROR = "VALUE_ERROR"

    @property
    def severity(self) -> Severity:
        return CODES[self]


CODES: dict[ProblemCode, Severity] = {
    # The file itself
    ProblemCode.FILE_EMPTY: E,
    ProblemCode.FILE_UNREADABLE: E,
    ProblemCode.FILE_NOT_XLSX: E,
    ProblemCode.FILE_CORRUPT: E,
    ProblemCode.FILE_ENCRYPTED: E,
    ProblemCode.FILE_LEGACY_FORMAT: E,
    ProblemCode.FILE_MACRO: E,
    ProblemCode.FILE_TOO_LARGE: E,
    ProblemCode.FILE_XML_UNSAFE: E,
    ProblemCode.FILE_LOCK_SKIPPED: W,
    ProblemCode.FILE_NOT_REGULAR: E,
    # Identity: which plan, version, unit and period a return belongs to
    ProblemCode.META_MISSING: W,
    ProblemCode.META_UNIDENTIFIED: E,
    ProblemCode.META_OTHER_PLAN: E,
    ProblemCode.META_OLD_VERSION: W,
    ProblemCode.META_OTHER_PERIOD: E,
    ProblemCode.META_UNKNOWN_UNIT: E,
    ProblemCode.META_NOT_A_RETURN: W,
    ProblemCode.META_OLD_FORM: W,
    ProblemCode.META_NEWER_FORM: E,
    ProblemCode.META_DUPLICATE_UNIT: E,
    ProblemCode.META_DUPLICATE_SUPERSEDED: W,
    ProblemCode.META_IDENTITY_MISMATCH: E,
    ProblemCode.META_EXTRA_UNIT_SHEETS: E,
    ProblemCode.META_TOKEN_INVALID: E,
    ProblemCode.META_TOKEN_MISSING: W,
    ProblemCode.META_TOKEN_UNCHECKED: W,  # once per run, not per file (the command line says it)
    ProblemCode.META_FEEDBACK_COPY: W,
    # Structure of the unit sheet
    ProblemCode.STRUCT_NO_SHEET: E,
    ProblemCode.STRUCT_HEADER_CHANGED: E,
    ProblemCode.STRUCT_ROW_MISSING: E,
    ProblemCode.STRUCT_ROW_DUPLICATE: E,
    ProblemCode.STRUCT_ROW_UNKNOWN: E,
    ProblemCode.STRUCT_ROW_NO_ID: W,
    ProblemCode.STRUCT_LOCKED_EDITED: W,
    ProblemCode.STRUCT_MERGED_CELLS: E,
    # Header block
    ProblemCode.HEADER_REQUIRED: E,
    ProblemCode.HEADER_PHONE_INVALID: E,
    ProblemCode.HEADER_DATE_INVALID: E,
    ProblemCode.HEADER_DATE_OUT_OF_PERIOD: W,
    # Values
    ProblemCode.VALUE_STATUS_EMPTY: E,
    ProblemCode.VALUE_STATUS_INVALID: E,
    ProblemCode.VALUE_PROGRESS_NOT_NUMBER: E,
    ProblemCode.VALUE_PROGRESS_RANGE: E,
    ProblemCode.VALUE_DONE_NOT_100: W,
    ProblemCode.VALUE_NOT_STARTED_PROGRESS: W,
    ProblemCode.VALUE_WORK_EMPTY: E,
    ProblemCode.VALUE_UNCHANGED: W,
    ProblemCode.VALUE_PROBLEMS_EMPTY: E,
    ProblemCode.VALUE_TEXT_TOO_LONG: E,
    ProblemCode.VALUE_ACTUAL_NOT_NUMBER: E,
    ProblemCode.VALUE_ACTUAL_NORMALIZED: W,
    ProblemCode.VALUE_ACTUAL_FRACTION: W,
    ProblemCode.VALUE_PERCENT_TYPED: W,
    ProblemCode.VALUE_NOTHING_FILLED: E,
    ProblemCode.VALUE_ACTUAL_EMPTY: W,
    ProblemCode.VALUE_FORMULA: W,
    ProblemCode.VALUE_FORMULA_NO_RESULT: E,
    ProblemCode.VALUE_ERROR: E,
}


class LabelRef(tuple):
    """A message parameter that is a label, not a value: one or more label keys, rendered (joined
    with 、) only when the message is. In JSON it is the list of keys."""

    def __new__(cls, *keys: str):
        return super().__new__(cls, keys)

    def __getnewargs__(self):  # pickled to worker processes and back
        return tuple(self)

    def render(self, labels: Labels) -> str:
        return "、".join(str(labels[k]) for k in self)


class LabelText:
    """A message parameter that is a phrase of its own: a label template and the values it is
    formatted with (numbers stay numbers; a value may be a LabelRef or LabelText itself), rendered
    (``labels.fmt(key, **params)``) only when the message is. In JSON it is
    ``{"label": key, "params": {...}}`` (`as_data`)."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, **params: Any):
        self.key = key
        self.params = params

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LabelText) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted(self.params))))

    def __repr__(self) -> str:
        values = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"LabelText({self.key!r}{values})"

    def __reduce__(self):  # pickled to worker processes and back
        return (_label_text, (self.key, self.params))

    def render(self, labels: Labels) -> str:
        return labels.fmt(self.key, **_rendered(self.params, labels))

    def as_data(self) -> dict[str, Any]:
        """The JSON form: the label key and the values, each in its own JSON form."""
        return {"label": self.key, "params": {k: _plain(v) for k, v in self.params.items()}}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> "LabelText":
        """Back from `as_data` (a restored problem renders the same message): a nested dict with a
        ``label`` is a LabelText again, a list a LabelRef."""
        return cls(data["label"], **{k: from_plain(v) for k, v in (data.get("params") or {}).items()})


def _label_text(key: str, params: Mapping[str, Any]) -> LabelText:
    return LabelText(key, **params)


def rendered(value: Any, labels: Labels) -> Any:
    """A parameter as it goes into a message: a LabelRef or LabelText rendered, anything else as is."""
    return value.render(labels) if isinstance(value, (LabelRef, LabelText)) else value


def _rendered(params: Mapping[str, Any], labels: Labels) -> dict[str, Any]:
    return {k: rendered(v, labels) for k, v in params.items()}


def shown(value: Any, limit: int = 60) -> str:
    """A cell value as shown in a message: text cut to `limit` characters."""
    text = "" if value is None else str(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text if len(text) <= limit else text[:limit] + "…"




@dataclass(frozen=True)
class Problem:
    """Something wrong in one input file, as data.

    `field` is a label key (``columns.status``), `value` the offending cell value (as text, cut to 200
    characters), `params` the other values its message template needs (``expected``, ``other`` …).
    The message is rendered with `text(labels)` / `message(labels)`; nothing here is localized.
    """

    code: str
    file: str  # file name as shown (path relative to what the user passed)
    unit: Optional[str] = None
    sheet: Optional[str] = None
    cell: Optional[str] = None
    field: Optional[str] = None
    value: Optional[str] = None
    params: Mapping[str, Any] = dc_field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return CODES[self.code]

    @property
    def location(self) -> str:
        where = f"[{self.file}]"
        if self.sheet:
            where += f" {self.sheet}"
            if self.cell:
                where += f"!{self.cell}"
        return where

    def field_label(self, labels: Labels) -> str:
        if not self.field:
            return ""
        try:
            return str(labels[self.field])
        except KeyError:
            return self.field

    def text(self, labels: Labels) -> str:
        """The rule and what to do, without the location (for places that show the location apart)."""
        return labels.fmt(f"problems.{self.code}", field=self.field_label(labels),
                          value=shown(self.value), **_rendered(self.params, labels))

    def message(self, labels: Labels) -> str:
        """Location, then the rule and what to do."""
        where = f" {self.sheet}!{self.cell}" if self.sheet and self.cell else (f" {self.sheet}" if self.sheet else "")
        return f"{labels.fmt('problems._location', file=self.file, where=where)} {self.text(labels)}"

    def as_dict(self, labels: Optional[Labels] = None) -> dict[str, Any]:
        """JSON form: keys and parameters; with `labels`, also the rendered message and field label."""
        out: dict[str, Any] = {"code": self.code, "severity": self.severity.value, "unit": self.unit,
                               "file": self.file, "sheet": self.sheet, "cell": self.cell, "field": self.field,
                               "value": self.value, "params": {k: _plain(v) for k, v in self.params.items()}}
        if labels is not None:
            out["field_label"] = self.field_label(labels) or None
            out["message"] = self.message(labels)
        return out


def _plain(value: Any) -> Any:
    """A parameter's JSON form: a LabelRef is its list of keys, a LabelText a dict (`LabelText.as_data`)."""
    if isinstance(value, LabelRef):
        return list(value)
    if isinstance(value, LabelText):
        return value.as_data()
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def from_plain(value: Any) -> Any:
    """A parameter back from its JSON form (`_plain`): a list is a LabelRef, a dict with a ``label``
    a LabelText; anything else as is."""
    if isinstance(value, list):
        return LabelRef(*value)
    if isinstance(value, dict) and "label" in value:
        return LabelText.from_data(value)
    return value


@dataclass
class ProblemSink:
    """Collects the problems of one file; `add` records data only (no message is rendered here)."""

    file: str
    unit: Optional[str] = None
    sheet: Optional[str] = None
    problems: list[Problem] = dc_field(default_factory=list)

    def add(self, code: str, *, cell: Optional[str] = None, field: Optional[str] = None, value: Any = None,
            sheet: Optional[str] = None, **params: Any) -> Problem:
        if code not in CODES:
            raise KeyError(f"unknown problem code {code}")
        sheet = sheet if sheet is not None else (self.sheet if cell else None)
        problem = Problem(code=code, file=self.file, unit=self.unit, sheet=sheet, cell=cell, field=field,
                          value=None if value is None else shown(value, 200),
                          params=dict(params))
        self.problems.append(problem)
        return problem

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity is Severity.error)


class XltoolError(Exception):
    """A failure that stops a command, as data: a code, where (file, place in it) and parameters.

    The message is ``labels["errors.<code>"]`` formatted with `path`, `where` and `params`; a subclass may
    use another template group (`group`). `problems` holds further located items of the same failure
    (a plan file with several errors), each an XltoolError itself.
    """

    group = "errors"

    def __init__(self, code: str, *, path: Any = None, where: str = "", problems: Optional[list] = None,
                 **params: Any):
        self.code = code
        self.path = "" if path is None else str(path)
        self.where = where
        self.params = params
        self.problems: list[XltoolError] = list(problems or [])
        super().__init__(f"{code} {self.path} {where} {params}".strip())

    def render(self, labels: Labels) -> str:
        """The whole message: this failure's line, then one line per located problem."""
        lines = [self.line(labels)] if not self.problems else []
        lines += [p.line(labels) for p in self.problems]
        return "\n".join(lines)

    def line(self, labels: Labels) -> str:
        text = labels.fmt(f"{self.group}.{self.code}", path=self.path, **_rendered(self.params, labels))
        if self.where:
            text = labels.fmt("errors._located", where=self.where, message=text)
        if self.path and "{path}" not in str(labels[f"{self.group}.{self.code}"]):
            text = labels.fmt("errors._in_file", path=self.path, message=text)
        return text

    def as_dict(self, labels: Optional[Labels] = None) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "path": self.path or None, "where": self.where or None,
                               "params": {k: _plain(v) for k, v in self.params.items()}}
        if labels is not None:
            out["message"] = self.render(labels)
        return out
