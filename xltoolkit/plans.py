"""Plan files: read, validate, normalize, fingerprint; find the bundled plans.

A broken plan file raises `PlanFileError` (an `XltoolError`, see planerrors.py): a code, the file, and
for a plan that breaks rules, one located `PlanProblem` per rule (code, path in the data, line,
parameters), rendered from the label file at the edge; never a traceback.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable, Optional

from pydantic import ValidationError

from .model import Plan
from .planerrors import (PlanFileError, PlanProblem, json_syntax_error, non_finite_numbers,
                         problems_from_validation, yaml_locator, yaml_syntax_error)
from .resources import bundled_plans_dir

__all__ = ["DEFAULT_PLAN", "PlanFileError", "PlanProblem", "bundled_plan_names", "fingerprint", "load_plan",
           "plan_from_data", "plan_to_dict", "public_json", "resolve_plan_path"]

DEFAULT_PLAN = "wuchang-14fyp"
MAX_PLAN_BYTES = 32 * 1024 * 1024  # a 10,000-unit, 10,000-task plan is about 23 MB


def bundled_plan_names() -> list[str]:
    return sorted(p.stem for p in bundled_plans_dir().glob("*.yaml"))


def resolve_plan_path(ref: Optional[str]) -> Path:
    """A plan reference is a path to a plan file or the name of a bundled plan."""
    ref = ref or DEFAULT_PLAN
    path = Path(ref)
    try:
        exists = path.exists()
    except OSError:  # a folder on the way that cannot be searched: not a plan file here
        exists = False
    if path.suffix.lower() in (".yaml", ".yml", ".json") or exists:
        return path
    bundled = bundled_plans_dir() / f"{ref}.yaml"
    if bundled.exists():
        return bundled
    raise PlanFileError("PLAN_BUNDLED_NOT_FOUND", path=ref, bundled=bundled_plan_names())


def load_plan(ref: Optional[str] = None) -> Plan:
    """Load and validate a plan from a file path or a bundled plan name."""
    path = resolve_plan_path(ref)
    data, locate = _read_data(path)
    return plan_from_data(data, str(path), locate=locate)


def plan_from_data(data: Any, source: str = "<plan>",
                   locate: Optional[Callable[[tuple], Optional[int]]] = None) -> Plan:
    """Validate plan data; `locate` maps a path in the data to its line in the file (for messages)."""
    if data is None:
        raise PlanFileError("PLAN_EMPTY", path=source)
    if not isinstance(data, dict):
        raise PlanFileError("PLAN_NOT_MAPPING", path=source)
    data = {k: v for k, v in data.items() if k != "schema"}
    problems = non_finite_numbers(data, source)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        problems += problems_from_validation(exc, data, source)
        plan = None
    if problems:
        if locate is not None:
            for p in problems:
                p.line_no = locate(p.at)
            problems.sort(key=lambda p: p.line_no or 0)
        raise PlanFileError("PLAN_INVALID", path=source, problems=problems)
    return plan


def _read_data(path: Path) -> tuple[Any, Optional[Callable[[tuple], Optional[int]]]]:
    """The file's data, and for YAML a function giving the line of a path (built only when needed)."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_PLAN_BYTES:
            raise PlanFileError("PLAN_TOO_LARGE", path=source, size=size, limit=MAX_PLAN_BYTES)
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PlanFileError("PLAN_NOT_FOUND", path=source) from None
    except IsADirectoryError:
        raise PlanFileError("PLAN_IS_FOLDER", path=source) from None
    except OSError as exc:
        if path.is_dir():
            raise PlanFileError("PLAN_IS_FOLDER", path=source) from None
        raise PlanFileError("PLAN_UNREADABLE", path=source, reason=exc.strerror or type(exc).__name__) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanFileError("PLAN_NOT_UTF8", path=source, byte=exc.start) from None
    from .yamlsafe import TooLarge, load_json, load_yaml

    try:
        if path.suffix.lower() == ".json":
            try:
                return load_json(text), None
            except json.JSONDecodeError as exc:
                raise json_syntax_error(exc, source) from None
        import yaml

        try:
            data = load_yaml(text)
        except yaml.YAMLError as exc:
            raise yaml_syntax_error(exc, source, text) from None
    except TooLarge as exc:  # nodes (aliases expanded) or nesting beyond the bounds (yamlsafe.py)
        code = "PLAN_TOO_MANY_NODES" if exc.kind == "nodes" else "PLAN_TOO_DEEP"
        raise PlanFileError(code, path=source, limit=exc.limit) from None
    return data, _lazy(lambda: yaml_locator(text))


def _lazy(build):
    """A locator composed on first use (the YAML is composed again only when there is an error)."""
    cache: list = []

    def locate(loc: tuple) -> Optional[int]:
        if not cache:
            cache.append(build())
        return cache[0](loc)

    return locate


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


# What the fingerprint leaves out, as a pydantic exclude spec (the same keys at every level where
# the model has them); `_without` is the generic form, kept for data that is not a Plan.
_FINGERPRINT_EXCLUDE = {
    "decisions": True, "manual_edits": True, "assessment": True, "derived_from": True, "due_days": True,
    "units": {"__all__": {"note", "contact", "phone"}},
    "indicators": {"__all__": {"notes": True, "note": True, "target": {"note"}}},
    "chapters": {"__all__": {"tasks": {"__all__": {"notes": True, "note": True, "targets": {"__all__": {"note"}}}}}},
}


def fingerprint(plan: Plan) -> str:
    """A short stable hash of everything the forms show: ids, texts, targets, units, assignments.

    Notes, transcription decisions, lineage, contacts and the assessment thresholds are left out, so
    annotating a plan (or tuning how the office judges pace, or updating a phone number) does not
    orphan returns. (Dumped by pydantic's own JSON serializer with those fields excluded, then
    written with sorted keys: twice as fast on a 10,000-task plan as dumping and filtering.)
    """
    data = json.loads(plan.model_dump_json(exclude=_FINGERPRINT_EXCLUDE))
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _without(data: Any, keys: set[str]) -> Any:
    if isinstance(data, dict):
        return {k: _without(v, keys) for k, v in data.items() if k not in keys}
    if isinstance(data, list):
        return [_without(v, keys) for v in data]
    return data


def plan_yaml_text(data: dict, comment: str = "") -> str:
    """A plan file's text (YAML, keys in model order, Chinese readable), with a leading comment."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    head = "".join(f"# {line}\n" for line in comment.splitlines()) if comment else ""
    return head + yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=4096,
                            default_flow_style=None)
