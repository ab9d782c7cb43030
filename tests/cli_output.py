"""Reading the command line's output by codes and label keys, not by its Chinese sentences.

Problems are printed as ``<severity word> <CODE> <message>`` (``错误 VALUE_STATUS_INVALID …``);
fatal failures as the rendered `XltoolError`; summary lines from label templates. Tests that are
not about wording use these helpers, so a change of wording does not break them.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from xltoolkit.labels import Labels


# Notices about the whole run, not about a file (printed once): left out unless asked for.
RUN_LEVEL = {"META_TOKEN_UNCHECKED"}


def problems(output: str, labels: Labels, *, run_level: bool = False) -> list[tuple[str, str]]:
    """Every problem line of `output`: [(severity key, code)], in order (with `run_level`, the
    once-per-run notices such as META_TOKEN_UNCHECKED too)."""
    words = {str(labels[f"severity.{key}"]): key for key in ("error", "warning")}
    pattern = re.compile(rf"^({'|'.join(map(re.escape, words))}) ([A-Z][A-Z0-9_]+) ", re.M)
    found = [(words[m.group(1)], m.group(2)) for m in pattern.finditer(output)]
    return found if run_level else [p for p in found if p[1] not in RUN_LEVEL]


def codes(output: str, labels: Labels) -> list[str]:
    return [code for _, code in problems(output, labels)]


def fields(output: str, labels: Labels, key: str) -> Optional[dict[str, str]]:
    """The values of the placeholders of label `key` in the first line of `output` rendered from
    it (``{"files": "4", "errors": "0", …}``), or None when no line was rendered from it."""
    template = str(labels[key])
    parts = re.split(r"\{(\w+)(?:[:!][^}]*)?\}", template)
    regex = ""
    for i, part in enumerate(parts):
        regex += re.escape(part) if i % 2 == 0 else rf"(?P<{part}>.*?)"
    m = re.search(rf"^{regex}$", output, re.M)
    return m.groupdict() if m else None


def count(output: str, labels: Labels, key: str) -> int:
    """How many lines of `output` are rendered from label `key`."""
    template = str(labels[key])
    parts = re.split(r"\{\w+(?:[:!][^}]*)?\}", template)
    regex = ".*?".join(re.escape(p) for p in parts)
    return len(re.findall(rf"^{regex}$", output, re.M))


def failure(labels: Labels, code: str, path: Any = None, **params: Any) -> str:
    """The message of a fatal failure `code` as the command line shows it (cli.error_coded around it)."""
    from xltoolkit.problems import XltoolError

    return labels.fmt("cli.error_coded", code=code, message=XltoolError(code, path=path, **params).render(labels))
