"""Plan-file failures as data: codes, places in the file and parameters; sentences only from labels.

A plan file that cannot be used raises `PlanFileError` (an `XltoolError`, ``errors.<code>``): either a
file-level failure (not found, not UTF-8, YAML/JSON syntax …) or PLAN_INVALID with `problems`, one
`PlanProblem` (``plan_errors.<code>``) per broken rule. Pydantic's own error types are translated
here into our codes (unknown field with the closest allowed name, missing field, wrong type, bad id
…); the model's rules arrive as `model.PlanError` through pydantic's ``ctx["error"]`` with their code,
path and parameters. Each problem carries its path in the data (``indicators[0].lead_units``) and,
for YAML files, the line it is on (from the composed node tree).
"""

from __future__ import annotations

import difflib
import enum
import json
import math
import typing
from typing import Any, Callable, Optional

from pydantic import BaseModel, ValidationError

from .labels import Labels
from .model import ID_PATTERN, Plan, PlanError
from .problems import XltoolError

Loc = tuple  # a path into the plan data: field names and list indexes

# Parameters whose values are keys rendered through a label group at the edge (lists are joined).
_LABELLED = {"direction": "direction", "comparator": "comparator", "measure": "plan_errors._measure",
             "kind": "period_kind", "accepted": "period_kind", "hint": "plan_errors._yaml_hints"}


def loc_text(loc: Loc) -> str:
    """``("indicators", 0, "lead_units")`` -> ``indicators[0].lead_units`` (no words to translate)."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class LabelledError(XltoolError):
    """An `XltoolError` placed by line/column and path, whose key parameters are rendered as labels."""

    def __init__(self, code: str, *, path: Any = None, loc: Loc = (), line: Optional[int] = None,
                 column: Optional[int] = None, problems: Optional[list] = None, **params: Any):
        super().__init__(code, path=path, where=loc_text(loc), problems=problems, **params)
        self.loc = tuple(loc)
        self.at = self.loc  # the path whose line is shown (an unknown field: the field itself)
        self.line_no = line
        self.column = column

    def text(self, labels: Labels) -> str:
        """The rule alone, without file or place."""
        values = {}
        for name, value in self.params.items():
            group = _LABELLED.get(name)
            if group is not None:
                value = _label_values(labels, group, value)
            elif isinstance(value, (list, tuple)):
                value = labels["plan_errors._list_separator"].join(map(str, value))
            values[name] = value
        return labels.fmt(f"{self.group}.{self.code}", path=self.path, **values)

    def place(self, labels: Labels) -> str:
        """第 12 行 indicators[0] / 第 3 行第 5 列 / indicators[0] / ''."""
        if self.line_no and self.column:
            at = labels.fmt("plan_errors._at_line_column", line=self.line_no, column=self.column)
        elif self.line_no:
            at = labels.fmt("plan_errors._at_line", line=self.line_no)
        else:
            at = ""
        if at and self.where:
            return labels.fmt("plan_errors._place", at=at, where=self.where)
        return at or self.where

    def line(self, labels: Labels) -> str:
        text = self.text(labels)
        place = self.place(labels)
        if place:
            text = labels.fmt("errors._located", where=place, message=text)
        if self.path and "{path}" not in str(labels[f"{self.group}.{self.code}"]):
            text = labels.fmt("errors._in_file", path=self.path, message=text)
        return text

    def as_dict(self, labels: Optional[Labels] = None) -> dict[str, Any]:
        out = super().as_dict(labels)
        out["line"], out["column"] = self.line_no, self.column
        return out


def _label_values(labels: Labels, group: str, value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return labels["plan_errors._list_separator"].join(_label_values(labels, group, v) for v in value)
    return str(labels.get(f"{group}.{value}", value))


class PlanProblem(LabelledError):
    """One broken rule in a plan file: ``plan_errors.<code>``, at `loc` (and `line` for YAML)."""

    group = "plan_errors"


class PlanFileError(LabelledError):
    """A plan file that cannot be used. PLAN_INVALID holds the located `problems`; other codes
    (PLAN_NOT_FOUND, YAML_SYNTAX …) are one failure of the file itself."""

    def render(self, labels: Labels) -> str:
        if not self.problems:
            return self.line(labels)
        head = labels.fmt("errors.PLAN_INVALID", path=self.path, count=len(self.problems))
        return "\n".join([head, *(p.line(labels) for p in self.problems)])


# --------------------------------------------------------------------------- pydantic -> problems


def problems_from_validation(exc: ValidationError, data: Any, source: str) -> list[PlanProblem]:
    """Every pydantic error of `exc` as a `PlanProblem`, in order, without repeats (a union value
    gives one problem, not one per member type)."""
    out: list[PlanProblem] = []
    seen: set = set()
    for err in exc.errors(include_url=False):
        problem = _problem(err, data, source)
        key = (problem.code, problem.loc)
        if key in seen:
            continue
        seen.add(key)
        out.append(problem)
    return out


def non_finite_numbers(data: Any, source: str, loc: Loc = ()) -> list[PlanProblem]:
    """NaN and infinities anywhere in the data (YAML .nan/.inf, JSON NaN/Infinity) are refused.
    (Iterative: the data's size and depth are bounded by yamlsafe, this walks it once.)"""
    found: list[PlanProblem] = []
    todo: list[tuple[Any, Loc]] = [(data, tuple(loc))]
    while todo:
        node, at = todo.pop()
        kind = type(node)
        if kind is float:
            if not math.isfinite(node):
                found.append(PlanProblem("NUMBER_NOT_FINITE", path=source, loc=at, value=str(node)))
        elif kind is dict:
            todo.extend(reversed([(v, (*at, k)) for k, v in node.items() if type(v) in (dict, list, float)]))
        elif kind is list:
            todo.extend(reversed([(v, (*at, i)) for i, v in enumerate(node) if type(v) in (dict, list, float)]))
        elif isinstance(node, float) and not math.isfinite(node):
            found.append(PlanProblem("NUMBER_NOT_FINITE", path=source, loc=at, value=str(node)))
    return found  # in the data's order (children are taken in order from the stack)


_SIMPLE = {
    "string_type": "NOT_TEXT",
    "int_parsing": "NOT_INTEGER", "int_type": "NOT_INTEGER", "int_from_float": "NOT_INTEGER",
    "float_parsing": "NOT_NUMBER", "float_type": "NOT_NUMBER",
    "bool_parsing": "NOT_BOOLEAN", "bool_type": "NOT_BOOLEAN",
    "tuple_type": "NOT_LIST", "list_type": "NOT_LIST", "set_type": "NOT_LIST",
    "dict_type": "NOT_MAPPING", "model_type": "NOT_MAPPING", "model_attributes_type": "NOT_MAPPING",
}
_LIMITS = {"greater_than_equal": ("NUMBER_TOO_SMALL", "ge"), "greater_than": ("NUMBER_NOT_ABOVE", "gt"),
           "less_than_equal": ("NUMBER_TOO_LARGE", "le"), "less_than": ("NUMBER_NOT_BELOW", "lt")}


def _problem(err: dict, data: Any, source: str) -> PlanProblem:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    value = shown(err.get("input"))
    loc, union = _data_loc(tuple(err.get("loc", ())), data, kind)
    cause = ctx.get("error")
    if isinstance(cause, PlanError):
        params = {k: loc_text(v) if isinstance(v, tuple) and v and isinstance(v[0], str) else v
                  for k, v in cause.params.items()}
        return PlanProblem(cause.code, path=source, loc=(*loc, *cause.where), **params)
    if union:
        return PlanProblem("VALUE_NOT_NUMBER_OR_RANGE", path=source, loc=loc, value=value)
    if kind == "extra_forbidden":
        field, parent = str(loc[-1]), loc[:-1]
        allowed = _allowed_fields(parent)
        close = difflib.get_close_matches(field, allowed, n=1, cutoff=0.6)
        if close:
            problem = PlanProblem("FIELD_UNKNOWN_SUGGEST", path=source, loc=parent, field=field,
                                  suggestion=close[0])
        else:
            problem = PlanProblem("FIELD_UNKNOWN", path=source, loc=parent, field=field, allowed=allowed)
        problem.at = loc
        return problem
    if kind == "missing":
        if loc and isinstance(loc[-1], int):
            return PlanProblem("ITEM_MISSING", path=source, loc=loc[:-1], index=loc[-1] + 1)
        return PlanProblem("FIELD_MISSING", path=source, loc=loc[:-1], field=str(loc[-1]) if loc else "")
    if kind == "string_too_short":
        return PlanProblem("TEXT_EMPTY", path=source, loc=loc)
    if kind in _SIMPLE:
        return PlanProblem(_SIMPLE[kind], path=source, loc=loc, value=value)
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == ID_PATTERN:
            return PlanProblem("ID_INVALID", path=source, loc=loc, value=value)
        return PlanProblem("PATTERN_MISMATCH", path=source, loc=loc, value=value, pattern=ctx.get("pattern", ""))
    if kind == "enum":
        choices = _enum_values(loc) or [ctx.get("expected", "")]
        return PlanProblem("NOT_ONE_OF", path=source, loc=loc, value=value, allowed=choices)
    if kind in ("too_short", "too_long"):
        code = "TOO_FEW_ITEMS" if kind == "too_short" else "TOO_MANY_ITEMS"
        limit = ctx.get("min_length", ctx.get("max_length", ""))
        return PlanProblem(code, path=source, loc=loc, limit=limit, actual=ctx.get("actual_length", ""))
    if kind in _LIMITS:
        code, key = _LIMITS[kind]
        return PlanProblem(code, path=source, loc=loc, value=value, limit=ctx.get(key, ""))
    # A kind of error no plan file has shown yet: keep pydantic's text as a detail.
    detail = str(cause) if cause is not None else err.get("msg", kind)
    return PlanProblem("INVALID", path=source, loc=loc, value=value, detail=detail)


def _data_loc(loc: Loc, data: Any, kind: str) -> tuple[Loc, bool]:
    """The part of `loc` that is a path in the data, and whether the rest names a member of a union
    type (pydantic adds ``float`` / ``tuple[float, float]`` to the loc of a union's errors)."""
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and (not isinstance(node, dict) or kind not in ("missing", "extra_forbidden")):
            return loc[:i], True
        else:
            return loc, False
    return loc, False


def _annotation_at(loc: Loc) -> Any:
    """The model, enum or type the plan model expects at `loc` (None when not known)."""
    cls: Any = Plan
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or part not in cls.model_fields:
            return None
        cls = _inner(cls.model_fields[part].annotation)
    return cls


def _inner(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, (BaseModel, enum.Enum)):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner(arg)
        if found is not None:
            return found
    return annotation if not typing.get_args(annotation) else None


def _allowed_fields(loc: Loc) -> list[str]:
    cls = _annotation_at(loc)
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return list(cls.model_fields)
    return []


def _enum_values(loc: Loc) -> list[str]:
    cls = _annotation_at(loc)
    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        return [m.value for m in cls]
    return []


def shown(value: Any, limit: int = 60) -> str:
    """A value from the file as shown in a message (text as is, other data as JSON), cut to `limit`."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


# --------------------------------------------------------------------------- YAML places and syntax


def yaml_locator(text: str) -> Callable[[Loc], Optional[int]]:
    """loc -> 1-based line of that place in the YAML text (the deepest node the path reaches)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        root = None

    def locate(loc: Loc) -> Optional[int]:
        node = root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        line, node = key.start_mark.line + 1, value
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    return locate


# libyaml's problem texts -> a hint key (plan_errors._yaml_hints.<key>); the text itself is kept as detail.
_YAML_HINTS = [
    ("found character '\\t'", "tab"),
    ("mapping values are not allowed", "colon"),
    ("could not find expected ':'", "missing_colon"),
    ("expected <block end>", "indent"),
    ("did not find expected key", "indent"),
    ("did not find expected '-'", "indent"),
    ("did not find expected ',' or ']'", "bracket"),
    ("did not find expected ',' or '}'", "bracket"),
    ("found unexpected end of stream", "quote"),
    ("found unknown escape character", "escape"),
    ("found undefined alias", "alias"),
    ("found duplicate", "duplicate"),
]


def yaml_syntax_error(exc: Exception, source: str, text: Optional[str] = None) -> PlanFileError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    hint = next((key for start, key in _YAML_HINTS if problem.startswith(start)), "other")
    if hint == "other" and problem.startswith("found character") and mark is not None and text is not None:
        lines = text.splitlines()
        if mark.line < len(lines) and lines[mark.line][mark.column:mark.column + 1] == "\t":
            hint = "tab"  # libyaml (the C loader) does not name the character
    return PlanFileError("YAML_SYNTAX", path=source, line=mark.line + 1 if mark else None,
                         column=mark.column + 1 if mark else None, hint=hint, problem=problem)


def json_syntax_error(exc: json.JSONDecodeError, source: str) -> PlanFileError:
    return PlanFileError("JSON_SYNTAX", path=source, line=exc.lineno, column=exc.colno, problem=exc.msg)
