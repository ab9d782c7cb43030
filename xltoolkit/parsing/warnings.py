"""Parse warnings are data: line number, code, values; the message comes from the label file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ParseWarning:
    line: int  # 1-based source line (paragraph for .docx); 0 for the document as a whole
    code: str  # stable code, e.g. LINE_UNPLACED; its template is labels `parse.warning.<code>`
    values: dict[str, Any] = field(default_factory=dict)

    def message(self, labels) -> str:
        try:
            text = labels.fmt(f"parse.warning.{self.code}", **self.values)
        except (KeyError, IndexError, ValueError):
            text = f"{self.code} {self.values}"
        if self.line:
            return labels.fmt("parse.at_line", line=self.line, message=text)
        return text


class ParseInputError(Exception):
    """A document that cannot be read at all (missing, unreadable, unknown encoding, binary)."""

    def __init__(self, path: str, code: str, detail: str = ""):
        super().__init__(f"{path}: {code} {detail}".strip())
        self.path = path
        self.code = code
        self.detail = detail
