"""Plan data within bounds: YAML and JSON loaded with a limit on nodes (aliases counted as they
expand) and on nesting depth, refused early instead of exhausting memory.

A YAML file of a few kilobytes can stand for billions of nodes through aliases (`&a [*b, *b, …]`),
and every later step (validation, fingerprint, locating errors) walks the expanded tree. Here the
YAML event stream (libyaml, C) is read once: each node counts 1, an alias counts the expanded size
of the node it names, and the load stops as soon as the count passes `MAX_NODES` or the nesting
passes `MAX_DEPTH` (an alias that names a node still being read, i.e. a node containing itself,
counts as too deep). The same pass builds the data (plain scalars resolved exactly as
`yaml.SafeLoader` resolves them); anything unusual (explicit tags, merge keys, several
documents, unhashable keys) is handed to `yaml.SafeLoader` itself once the count has passed.

JSON has no aliases; its nodes are bounded the same way (an upper bound from the structural
characters, counted exactly only when that bound is over the limit) before `json.loads` runs.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

MAX_NODES = 1_000_000  # a 10,000-unit, 10,000-task plan has about 650,000; the bundled plans ~5,000
MAX_DEPTH = 64  # plan data nests about 8 deep


class TooLarge(Exception):
    """The data passes a bound: `kind` "nodes" or "depth", `limit` the bound."""

    def __init__(self, kind: str, limit: int):
        super().__init__(f"{kind} > {limit}")
        self.kind = kind
        self.limit = limit


class _Fallback(Exception):
    pass


_STR = "tag:yaml.org,2002:str"
_SIMPLE_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp"}
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def load_yaml(text: str, max_nodes: Optional[int] = None, max_depth: Optional[int] = None) -> Any:
    """`yaml.safe_load(text)` within the bounds; raises `TooLarge`, or yaml.YAMLError for syntax."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    max_nodes = MAX_NODES if max_nodes is None else max_nodes
    max_depth = MAX_DEPTH if max_depth is None else max_depth
    try:
        return _build(yaml, loader_cls, text, max_nodes, max_depth)
    except _Fallback:
        return yaml.load(text, Loader=loader_cls)  # counted and within bounds: safe to expand


def _build(yaml, loader_cls, text: str, max_nodes: int, max_depth: int) -> Any:
    """One pass over the events: count (an anchored node's expanded size is the count it added),
    build, and raise _Fallback at the end when SafeLoader must build it instead."""
    from yaml.resolver import Resolver

    resolvers = Resolver.yaml_implicit_resolvers
    resolver = Resolver()
    constructor = yaml.constructor.SafeConstructor()
    ev = yaml.events
    scalar_ev, alias_ev = ev.ScalarEvent, ev.AliasEvent
    seq_start, map_start = ev.SequenceStartEvent, ev.MappingStartEvent
    ends = (ev.SequenceEndEvent, ev.MappingEndEvent)
    stack: list[list] = []  # [container (None when only counting), count at its start, anchor, pending key]
    anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, expanded size)
    open_anchors: set[str] = set()
    total = 0
    documents = 0
    root: list = []
    building = True

    def scalar(event) -> Any:
        value, tag = event.value, event.tag
        if tag is None or tag == "!":
            if not event.implicit[0] or value[:1] not in resolvers:  # quoted, or plainly text
                return value
            if _DECIMAL.fullmatch(value):
                return int(value)
            tag = resolver.resolve(yaml.ScalarNode, value, (True, False))
        if tag == _STR:
            return value
        if tag in _SIMPLE_TAGS:
            return constructor.construct_object(yaml.ScalarNode(tag, value))
        raise _Fallback  # merge keys, !!binary, application tags …

    def add(value: Any) -> None:
        if not stack:
            root.append(value)
            return
        top = stack[-1]
        container = top[0]
        if container is None:
            return
        if type(container) is dict:
            if top[3] is _NO_KEY:
                if isinstance(value, (list, dict)):
                    raise _Fallback  # unhashable key: SafeLoader says so
                top[3] = value
            else:
                container[top[3]] = value
                top[3] = _NO_KEY
        else:
            container.append(value)

    loader = loader_cls(text)
    try:
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind is scalar_ev:
                total += 1
                if total > max_nodes:
                    raise TooLarge("nodes", max_nodes)
                if building:
                    try:
                        value = scalar(event)
                        add(value)
                    except _Fallback:
                        building = False
                        value = None
                else:
                    value = None
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
            elif kind is seq_start or kind is map_start:
                total += 1
                if total > max_nodes:
                    raise TooLarge("nodes", max_nodes)
                container = None
                if building:
                    if event.tag in (None, "!", _MAP if kind is map_start else _SEQ):
                        container = {} if kind is map_start else []
                    else:
                        building = False
                stack.append([container, total - 1, event.anchor, _NO_KEY])
                if len(stack) > max_depth:
                    raise TooLarge("depth", max_depth)
                if event.anchor:
                    open_anchors.add(event.anchor)
            elif kind in ends:
                container, begun, anchor, _ = stack.pop()
                if anchor:
                    open_anchors.discard(anchor)
                    anchors[anchor] = (container, total - begun)
                if building:
                    try:
                        add(container)
                    except _Fallback:
                        building = False
            elif kind is alias_ev:
                if event.anchor in open_anchors:
                    raise TooLarge("depth", max_depth)  # a node that contains itself
                if event.anchor not in anchors:
                    building = False  # undefined: SafeLoader's error names it
                    continue
                value, size = anchors[event.anchor]
                total += size
                if total > max_nodes:
                    raise TooLarge("nodes", max_nodes)
                if building:
                    try:
                        add(value)
                    except _Fallback:
                        building = False
            elif event is None or kind is ev.StreamEndEvent:
                break
            elif kind is ev.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    building = False  # SafeLoader refuses several documents with its own error
    finally:
        loader.dispose()
    if not building:
        raise _Fallback
    return root[0] if root else None


_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")


class _NoKey:
    __slots__ = ()


_NO_KEY = _NoKey()


# JSON ---------------------------------------------------------------------------------------------

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_nodes_upper_bound(text: str) -> int:
    """At least the number of values and keys in a JSON text (every one but the first follows a
    comma or colon, or opens a container); strings' commas make it larger, never smaller."""
    return text.count(",") + text.count(":") + text.count("[") + text.count("{") + 1


def load_json(text: str, max_nodes: Optional[int] = None, max_depth: Optional[int] = None) -> Any:
    """`json.loads(text)` within the bounds; raises `TooLarge`, or json.JSONDecodeError."""
    max_nodes = MAX_NODES if max_nodes is None else max_nodes
    max_depth = MAX_DEPTH if max_depth is None else max_depth
    if json_nodes_upper_bound(text) > max_nodes:
        bare = _JSON_STRING.sub('""', text)  # commas inside strings are not nodes
        if json_nodes_upper_bound(bare) > max_nodes:
            raise TooLarge("nodes", max_nodes)
    if text.count("[") + text.count("{") > max_depth:  # only then can it nest too deeply
        brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub('""', text))
        depth = 0
        for ch in brackets:
            if ch in "[{":
                depth += 1
                if depth > max_depth:
                    raise TooLarge("depth", max_depth)
            else:
                depth -= 1
    try:
        return json.loads(text)
    except RecursionError:
        raise TooLarge("depth", max_depth) from None
