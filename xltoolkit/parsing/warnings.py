"""Parse warnings are data: line number, code, values; the message comes from the label file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..problems import LabelText, rendered


@dataclass(frozen=True)
class ParseWarning:
    line: int  # 1-based source line (paragraph for .docx); 0 for the document as a whole
    code: str  # stable code, e.g. LINE_UNPLACED; its template is labels `parse.warning.<code>`
    values: dict[str, Any] = field(default_factory=dict)

    def message(self, labels) -> str:
        values = dict(self.values)
        if "measure" in values:  # a Measure value is shown by its Chinese name
            try:
                values["measure"] = labels[f"parse.measure.{values['measure']}"]
            except KeyError:
                pass
        try:
            text = labels.fmt(f"parse.warning.{self.code}", **values)
        except (KeyError, IndexError, ValueError):
            text = f"{self.code} {self.values}"
        if self.line:
            return labels.fmt("parse.at_line", line=self.line, message=text)
        return text


# The values each code is given, as its label template uses them (tests/test_parse_labels.py).
WARNING_VALUES: dict[str, tuple[str, ...]] = {
    "LINE_UNPLACED": ("text",), "ASSIGNMENT_UNPLACED": ("text",), "TASK_UNNUMBERED": ("text",),
    "NUMBER_GAP": ("number", "expected"), "UNIT_BOTH_ROLES": ("unit",), "BRACKET_UNCLOSED": ("text",),
    "LIST_ENDS_ETC": ("unit",), "UNIT_NAME_ODD": ("unit",), "UNIT_ABBREVIATION": ("short", "full", "first"),
    "NO_TITLE": (), "NO_UNITS": (), "NOTHING_FOUND": (), "INVALID_OUTPUT": ("where", "message"),
    "HORIZON_GUESSED": ("start", "end"), "INDICATOR_NO_TARGET": ("text",), "KIND_ASSUMED": ("text",),
    "RANGE_INVALID": ("text",), "MEASURE_GUESSED": ("text", "measure"), "ALIAS_CHECK_LIMITED": ("units",),
    "INVISIBLE_REMOVED": ("chars",),
}
# Error codes with a `detail`; the others are given the path only (the command passes both).
ERRORS_WITH_DETAIL = {"TOO_LARGE", "TEXT_TOO_LONG", "UNREADABLE", "DOCX_UNREADABLE", "ZIP_TOO_LARGE", "ZIP_CORRUPT",
                      "XML_UNSAFE", "XLSX_UNREADABLE", "XLSX_MACRO", "SHEET_NOT_FOUND", "CSV_UNREADABLE",
                      "PDF_UNREADABLE", "PDF_NO_TEXT"}
ERRORS_WITHOUT_DETAIL = {"NOT_FOUND", "IS_DIRECTORY", "ENCRYPTED", "LEGACY_DOC", "LEGACY_XLS", "SHEET_NOT_APPLICABLE",
                         "BINARY", "ENCODING", "NOT_A_PLAN"}


class ParseInputError(Exception):
    """A document that cannot be read at all (missing, unreadable, unknown encoding, binary).

    `detail` is data: a LabelText (a ``details.*`` label and its values) or a system message as it
    is; the message is rendered with `message(labels)`."""

    def __init__(self, path: str, code: str, detail: "str | LabelText" = ""):
        detail = "" if code in ERRORS_WITHOUT_DETAIL else (detail or "-")
        super().__init__(f"{path}: {code} {detail}".strip())
        self.path = path
        self.code = code
        self.detail = detail

    def message(self, labels) -> str:
        """The label ``parse.error.<code>`` with the path and the detail rendered."""
        return labels.fmt(f"parse.error.{self.code}", path=self.path, detail=rendered(self.detail, labels))
