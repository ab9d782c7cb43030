"""The duty table: what each kind of district unit is responsible for, as keywords
(`templates/unit_duties.<locale>.yaml`, zh-CN by default), read for the unit suggestions (suggest.py).

An entry applies to a unit when it names the unit (or one of its aliases) exactly, else when its
`pattern` matches the unit's name (entries in file order, the first match wins): the bundled plans'
units are named, other districts' spellings of the same kind of unit (区科技局, 区发展和改革局) are
caught by the patterns. An entry for a kind of unit the bundled plans do not have names none and
says what to call such a unit when no plan has one (`propose`). Collective units (各街道, …成员单位)
have no duties. The file says how it was written and what each field means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Union

import yaml

from .resources import templates_dir

SCHEMA = 1


class DutyTableError(ValueError):
    """The duty table is not as documented (message in English: a maintainer's file, not user input)."""


@dataclass(frozen=True)
class Duty:
    """One entry: the units it is for (exact names, and a pattern for other spellings), names a text
    may use for them, and the keywords of their field of work."""

    names: tuple[str, ...]
    pattern: Optional[re.Pattern]
    aliases: tuple[str, ...]
    keywords: tuple[str, ...]
    propose: Optional[str] = None

    def matches(self, name: str) -> bool:
        return name in self.names or bool(self.pattern and self.pattern.search(name))


@dataclass(frozen=True)
class DutyTable:
    entries: tuple[Duty, ...] = ()

    @classmethod
    def empty(cls) -> "DutyTable":
        return cls(())

    def entry_for(self, name: str, aliases: Iterable[str] = ()) -> Optional[Duty]:
        """The entry for the unit called `name` (with `aliases`): one naming it exactly, else the
        first whose pattern matches its name, else None."""
        spellings = (name, *aliases)
        for entry in self.entries:
            if any(s in entry.names for s in spellings):
                return entry
        for entry in self.entries:
            if entry.pattern and entry.pattern.search(name):
                return entry
        return None

    @property
    def names(self) -> list[str]:
        return [n for e in self.entries for n in e.names]


def _strings(value, where: str, min_len: int = 1) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(x, str) and len(x.strip()) >= min_len for x in value):
        raise DutyTableError(f"{where}: expected a list of strings of at least {min_len} characters")
    out = tuple(x.strip() for x in value)
    if len(set(out)) != len(out):
        raise DutyTableError(f"{where}: repeated entries")
    return out


def parse_duties(data) -> DutyTable:
    """A DutyTable from the loaded YAML data; DutyTableError when it is not as documented."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("units"), list):
        raise DutyTableError(f"expected a mapping with schema: {SCHEMA} and a list of units")
    entries, seen = [], set()
    for n, raw in enumerate(data["units"], 1):
        where = f"units[{n}]"
        if not isinstance(raw, dict) or set(raw) - {"names", "propose", "pattern", "aliases", "keywords"}:
            raise DutyTableError(f"{where}: expected names or propose, pattern, aliases, keywords")
        names = _strings(raw.get("names"), f"{where}.names")
        keywords = _strings(raw.get("keywords"), f"{where}.keywords", min_len=2)
        propose = raw.get("propose")
        if not keywords:
            raise DutyTableError(f"{where}: keywords must not be empty")
        if bool(names) == (propose is not None):
            raise DutyTableError(f"{where}: either names (units of the bundled plans) or propose (a name to suggest)")
        if propose is not None and (not isinstance(propose, str) or len(propose.strip()) < 3 or raw.get("pattern") is None):
            raise DutyTableError(f"{where}: propose must be a unit name (3 characters or more) and needs a pattern")
        if propose is not None and not re.search(str(raw["pattern"]), propose):
            raise DutyTableError(f"{where}: the pattern does not match the proposed name {propose}")
        if seen & set(names):
            raise DutyTableError(f"{where}: {sorted(seen & set(names))} named by an earlier entry")
        seen.update(names)
        pattern = raw.get("pattern")
        if pattern is not None:
            try:
                pattern = re.compile(str(pattern))
            except re.error as e:
                raise DutyTableError(f"{where}.pattern: {e}") from None
        entries.append(Duty(names, pattern, _strings(raw.get("aliases"), f"{where}.aliases", min_len=3), keywords,
                            propose.strip() if propose else None))
    return DutyTable(tuple(entries))


def duties_path(locale: str = "zh-CN") -> Path:
    return templates_dir() / f"unit_duties.{locale}.yaml"


@lru_cache(maxsize=8)
def _load(path: str) -> DutyTable:
    return parse_duties(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def load_duties(path: Union[str, Path, None] = None) -> DutyTable:
    """The duty table at `path` (default: the shipped zh-CN table), read once."""
    return _load(str(path or duties_path()))
