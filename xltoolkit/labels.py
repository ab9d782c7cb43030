"""Workbook and message text, loaded from `templates/labels.<locale>.yaml` (zh-CN by default)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .resources import templates_dir

DEFAULT_LOCALE = "zh-CN"


class Labels:
    """Dotted-key access to one locale's labels: `labels["columns.id"]`, `labels.fmt("period.year", year=2022)`."""

    def __init__(self, data: dict[str, Any]):
        self._data = data

    def __getitem__(self, key: str) -> Any:
        node: Any = self._data
        for part in key.split("."):
            try:
                node = node[part]
            except (KeyError, TypeError):
                raise KeyError(f"label missing: {key}") from None
        return node

    def fmt(self, key: str, **values: Any) -> str:
        return str(self[key]).format(**values)

    def period(self, period) -> str:
        """A reporting period in words: 2022年第四季度, 2022年下半年, 2022年度."""
        kind = period.kind.value
        if kind == "year":
            return self.fmt("period.year", year=period.year)
        if kind == "half":
            return self.fmt("period.half", year=period.year, half=self["period.halves"][period.index - 1])
        return self.fmt("period.quarter", year=period.year, quarter=self["period.quarters"][period.index - 1])


@lru_cache(maxsize=None)
def get_labels(locale: str = DEFAULT_LOCALE) -> Labels:
    import yaml

    path = templates_dir() / f"labels.{locale}.yaml"
    with open(path, encoding="utf-8") as fh:
        return Labels(yaml.safe_load(fh))
