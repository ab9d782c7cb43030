"""Where the shipped data lives: `templates/` (labels) and `samples/plans/` (bundled plans).

In a wheel they are packaged under `xltoolkit/_data/`; in a source checkout or editable install they
are read from the repository's top-level folders.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_REPO = _PACKAGE.parent


def _find(packaged: str, in_repo: str) -> Path:
    for candidate in (_PACKAGE / "_data" / packaged, _REPO / in_repo):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"xltool data folder missing: {packaged} (reinstall xltool)")


@lru_cache(maxsize=None)
def templates_dir() -> Path:
    return _find("templates", "templates")


@lru_cache(maxsize=None)
def bundled_plans_dir() -> Path:
    return _find("plans", "samples/plans")
