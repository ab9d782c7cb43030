"""Plan files: read, validate, normalize, fingerprint; find the bundled plans.

A broken plan file raises `PlanFileError` whose message names the file, the place in it and the rule,
never a traceback.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Optional

from pydantic import ValidationError

from .model import Plan
from .resources import bundled_plans_dir

DEFAULT_PLAN = "wuchang-14fyp"
MAX_PLAN_BYTES = 20 * 1024 * 1024


class PlanFileError(Exception):
    """A plan file that cannot be used; `problems` lists (location, message) pairs."""

    def __init__(self, path: str, problems: list[tuple[str, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}: {where}: {msg}" if where else f"{path}: {msg}" for where, msg in problems]
        super().__init__("\n".join(lines))


def bundled_plan_names() -> list[str]:
    return sorted(p.stem for p in bundled_plans_dir().glob("*.yaml"))


def resolve_plan_path(ref: Optional[str]) -> Path:
    """A plan reference is a path to a plan file or the name of a bundled plan."""
    ref = ref or DEFAULT_PLAN
    path = Path(ref)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.exists():
        return path
    bundled = bundled_plans_dir() / f"{ref}.yaml"
    if bundled.exists():
        return bundled
    raise PlanFileError(ref, [("", f"no such plan file or bundled plan (bundled: {', '.join(bundled_plan_names())})")])


def load_plan(ref: Optional[str] = None) -> Plan:
    """Load and validate a plan from a file path or a bundled plan name."""
    path = resolve_plan_path(ref)
    data = _read_data(path)
    return plan_from_data(data, str(path))


def plan_from_data(data: Any, source: str = "<plan>") -> Plan:
    if not isinstance(data, dict):
        raise PlanFileError(source, [("", "a plan file must hold a mapping (id, title, units, …) at the top")])
    data = {k: v for k, v in data.items() if k != "schema"}
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise PlanFileError(source, [_describe(err) for err in exc.errors()]) from None


def _describe(err: dict) -> tuple[str, str]:
    where = ".".join(str(p) for p in err.get("loc", ()))
    msg = err.get("msg", "invalid")
    # Our own located messages ("chapters.0.tasks.1: unknown unit …") come through as value errors.
    msg = msg.removeprefix("Value error, ")
    if ": " in msg and msg.split(": ", 1)[0].replace(".", "").replace("_", "").isalnum():
        inner, msg = msg.split(": ", 1)
        where = f"{where}.{inner}" if where else inner
    return where, msg


def _read_data(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_PLAN_BYTES:
            raise PlanFileError(str(path), [("", f"file is {size} bytes; plan files are limited to {MAX_PLAN_BYTES}")])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PlanFileError(str(path), [("", "file not found")]) from None
    except IsADirectoryError:
        raise PlanFileError(str(path), [("", "is a folder, not a plan file")]) from None
    except OSError as exc:
        raise PlanFileError(str(path), [("", f"cannot read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanFileError(str(path), [("", f"not UTF-8 text (byte {exc.start})")]) from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise PlanFileError(str(path), [(f"line {exc.lineno}, column {exc.colno}", f"JSON error: {exc.msg}")]) from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlanFileError(str(path), [(where, f"YAML error: {problem}")]) from None


def public_json(plan: Plan) -> dict:
    """The normalized plan with exactly the field names other tools rely on (`plan show --json`)."""

    def target(t):
        return {"text": t.text, "value": list(t.value) if isinstance(t.value, tuple) else t.value,
                "unit": t.unit, "comparator": t.comparator.value, "direction": t.direction.value,
                "deadline_year": t.deadline_year}

    return {
        "id": plan.id,
        "title": plan.title,
        "units": [{"id": u.id, "name": u.name, "kind": u.kind.value, "aliases": list(u.aliases)} for u in plan.units],
        "indicators": [
            {"id": i.id, "kind": i.kind.value, "name": i.name, "target": target(i.target),
             "lead_units": list(i.lead_units), "responsible_units": list(i.responsible_units)}
            for i in plan.indicators
        ],
        "chapters": [
            {"id": c.id, "title": c.title, "tasks": [
                {"id": t.id, "title": t.title, "text": t.text, "lead_units": list(t.lead_units),
                 "responsible_units": list(t.responsible_units), "targets": [target(x) for x in t.targets]}
                for t in c.tasks]}
            for c in plan.chapters
        ],
    }


def fingerprint(plan: Plan) -> str:
    """A short stable hash of everything the forms show: ids, texts, targets, units, assignments.

    Notes, transcription decisions and the assessment thresholds are left out, so annotating a plan
    (or tuning how the office judges pace) does not orphan returns.
    """
    data = _without(plan.model_dump(mode="json"), {"notes", "note", "decisions", "manual_edits", "assessment"})
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _without(data: Any, keys: set[str]) -> Any:
    if isinstance(data, dict):
        return {k: _without(v, keys) for k, v in data.items() if k not in keys}
    if isinstance(data, list):
        return [_without(v, keys) for v in data]
    return data
