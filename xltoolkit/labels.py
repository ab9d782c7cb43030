"""Workbook and message text, loaded from `templates/labels.<locale>.yaml` (zh-CN by default).

The active locale is a module-level setting: `set_locale("xx")` (the CLI calls it from `--locale` or
`XLTOOL_LOCALE`) makes every later `get_labels()` return that locale's labels, so workbooks, messages
and `--help` follow one choice. Label files are looked up in the folders of `XLTOOL_LABELS_DIR`
(several separated by `os.pathsep`; for a locale under test or a site's own wording) and then in the
shipped `templates/` folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from .resources import templates_dir

DEFAULT_LOCALE = "zh-CN"
LABELS_DIR_ENV = "XLTOOL_LABELS_DIR"
LOCALE_ENV = "XLTOOL_LOCALE"

_active_locale = DEFAULT_LOCALE
_cache: dict[Path, "Labels"] = {}


class Labels:
    """Dotted-key access to one locale's labels: `labels["columns.id"]`, `labels.fmt("period.year", year=2022)`."""

    def __init__(self, data: dict[str, Any], locale: str = DEFAULT_LOCALE):
        self._data = data
        self.locale = locale

    def __getitem__(self, key: str) -> Any:
        node: Any = self._data
        for part in key.split("."):
            try:
                node = node[part]
            except (KeyError, TypeError):
                raise KeyError(f"label missing: {key}") from None
        return node

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

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


class LocaleError(Exception):
    """No label file for the locale asked for; `available` lists the locales there are."""

    code = "LOCALE_UNKNOWN"

    def __init__(self, locale: str, available: list[str]):
        super().__init__(f"{self.code} {locale!r} {available}")
        self.locale = locale
        self.available = available


def label_dirs() -> list[Path]:
    """Where label files are looked for, in order: `XLTOOL_LABELS_DIR` folders, then `templates/`."""
    extra = [Path(p) for p in os.environ.get(LABELS_DIR_ENV, "").split(os.pathsep) if p.strip()]
    return [*extra, templates_dir()]


def available_locales() -> list[str]:
    found = {p.name[len("labels."):-len(".yaml")] for d in label_dirs() if d.is_dir() for p in d.glob("labels.*.yaml")}
    return sorted(found)


def labels_path(locale: str) -> Path:
    """The label file of `locale`; `LocaleError` when there is none."""
    if locale and "/" not in locale and "\\" not in locale and not locale.startswith("."):
        for d in label_dirs():
            path = d / f"labels.{locale}.yaml"
            if path.is_file():
                return path
    raise LocaleError(locale, available_locales())


def set_locale(locale: Optional[str]) -> str:
    """Make `locale` (default: zh-CN) the one `get_labels()` returns; checked first (`LocaleError`)."""
    global _active_locale
    locale = locale or DEFAULT_LOCALE
    labels_path(locale)
    _active_locale = locale
    return locale


def active_locale() -> str:
    return _active_locale


def get_labels(locale: Optional[str] = None) -> Labels:
    """The labels of `locale`, by default the active locale; each file is read once."""
    locale = locale or _active_locale
    path = labels_path(locale)
    hit = _cache.get(path)
    if hit is None:
        hit = _cache[path] = Labels(_load_yaml(path), locale)
    return hit


def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster, keeps --help quick
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)
