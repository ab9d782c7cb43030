"""Property-based fuzzing of real returns (hypothesis).

Three targets mutate a real, validly filled return:

* `test_fuzz_cell_values`: input cells get values of random types (text, "=…" injection text,
  numbers, booleans, dates, error values, formulas with and without a cached result, empty);
* `test_fuzz_container`: zip entries deleted or garbled, XML bytes flipped, rows deleted, the file
  truncated or its raw bytes flipped;
* `test_fuzz_merge`: both kinds together through the whole merge (summary, JSON, feedback copies).

Properties: reading/validating/merging never raises anything but a reported file problem; every
mutation that makes a value invalid is reported as an error at its cell; every deleted item row is
reported; the summary always opens in openpyxl; input files stay byte-identical.

CI runs about 200 examples in total (derandomized, so runs are repeatable). For a long run set
`XLTOOL_FUZZ_EXAMPLES` (examples per target, random seeds), e.g.
`XLTOOL_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py -q`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest

from xltoolkit.forms import FORMS_BY_KEY, STATUS_KEYS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cells import sheet_part
from xltoolkit.forms import HEADER_FIELDS, TEXT_LIMIT
from xltoolkit.merge import (FeedbackOutput, JsonOutput, MergeRequest, SummaryOutput, collect_inputs, merge,
                             read_inputs)
from xltoolkit.model import Period
from xltoolkit.plans import fingerprint
from xltoolkit.reading import ReturnFileError, read_return
from xltoolkit.validation import parse_date, parse_number, valid_phone, validate_return

LONG_RUN = int(os.environ.get("XLTOOL_FUZZ_EXAMPLES", "0"))
PERIOD = Period.parse("2022Q4")
UNIT = "区发改局"


def fuzz_settings(ci_examples: int):
    return settings(max_examples=LONG_RUN or ci_examples, deadline=None, database=None, derandomize=not LONG_RUN,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


class Base:
    """The valid return (the shared `filled14`), its bytes and its parts, read once per module."""

    def __init__(self, plan, labels, filled):
        assert filled.unit == UNIT
        self.plan, self.labels = plan, labels
        self.fp = fingerprint(self.plan)
        self.valid = filled.valid
        self.bytes = self.valid.read_bytes()
        with zipfile.ZipFile(self.valid) as zf:
            self.entries = {i.filename: zf.read(i.filename) for i in zf.infolist()}
        self.raw = read_return(self.valid, self.labels)
        self.sheet_part = sheet_part(self.valid, self.raw.unit_sheet)  # from the workbook's relationships
        # Input cells and what each holds: column key per reference
        self.inputs: dict[str, str] = {}
        for f in HEADER_FIELDS:
            if f.input:
                self.inputs[self.raw.header[f.key].ref] = f"header.{f.key}"
        for row in self.raw.rows:
            for col in FORMS_BY_KEY[row.form].inputs:  # the form says which cells are inputs
                self.inputs[row.values[col.key].ref] = col.key
        self.row_ids = {row.row + 1: row.item_id for row in self.raw.rows}  # 1-based sheet row -> id
        self.header_max = {f"header.{f.key}": f.max_length for f in HEADER_FIELDS}


@pytest.fixture(scope="module")
def base(plan14, labels, filled14):
    return Base(plan14, labels, filled14)


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def set_cells(sheet: bytes, cells: dict[str, str]) -> bytes:
    text = sheet.decode("utf-8")
    for ref, xml in cells.items():
        text, n = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', lambda _: xml, text, count=1, flags=re.S)
        assert n == 1, ref
    return text.encode("utf-8")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Cell values ------------------------------------------------------------------------------------

XML_TEXT = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
TEXTS = st.one_of(
    st.text(XML_TEXT, max_size=40),
    st.tuples(st.sampled_from("=+-@"), st.text(XML_TEXT, max_size=30)).map("".join),
    st.sampled_from(["未启动", "正常推进", "已完成", "滞后", " 已完成 ", "进行中", "7.2%", "７．２", "1,200", "六十",
                     "027-88888888", "13800138000", "2022-12-31", "2022年12月31日", "昨天", "=1+1", "TRUE"]),
    st.integers(TEXT_LIMIT - 5, TEXT_LIMIT + 5).map(lambda n: "字" * n),
)
VALUES = st.one_of(
    TEXTS.map(lambda t: ("s", t)),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(lambda x: ("n", x)),
    st.integers(-200, 200).map(lambda x: ("n", float(x))),
    st.booleans().map(lambda b: ("b", b)),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)).map(lambda d: ("d", d)),
    st.sampled_from(["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?"]).map(lambda e: ("e", e)),
    st.integers(0, 100).map(lambda x: ("f", float(x))),
    st.just(("f-", None)),
    st.just(("empty", None)),
)


def cell_xml(ref: str, kind: str, value) -> str:
    if kind == "s":
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
    if kind == "n":
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if kind == "b":
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind == "d":
        return f'<c r="{ref}" t="d"><v>{value.isoformat()}T00:00:00</v></c>'
    if kind == "e":
        return f'<c r="{ref}" t="e"><v>{escape(value)}</v></c>'
    if kind == "f":
        return f'<c r="{ref}"><f>SUM({value!r},0)</f><v>{value!r}</v></c>'
    if kind == "f-":
        return f'<c r="{ref}"><f>SUM(1,2)</f></c>'
    return f'<c r="{ref}"/>'


def is_invalid(base: Base, field: str, kind: str, value) -> bool:
    """An independent statement of the rules: must this value be reported as an error?"""
    if kind in ("e", "f-"):
        return True  # an error value, or a formula whose result the file does not hold
    text = "" if kind == "empty" else value if kind == "s" else None
    if field == "status":
        return not (kind == "s" and value.strip() in [base.labels["status." + k] for k in STATUS_KEYS])
    if field in ("progress", "actual"):
        if kind in ("b", "d"):
            return True
        if kind in ("n", "f"):
            return field == "progress" and not 0 <= value <= 100
        if not text.strip():
            return False
        number, _ = parse_number(text)
        return number is None or (field == "progress" and not 0 <= number <= 100)
    if field in ("work", "problems", "next_steps", "note"):
        return kind == "s" and len(value.strip()) > TEXT_LIMIT
    # Header fields: required; phone and date must parse
    if kind == "empty" or (kind == "s" and not value.strip()):
        return True
    if field == "header.phone":
        as_text = value if kind == "s" else None
        return as_text is None and kind != "n" or (as_text is not None and not valid_phone(as_text.strip()))
    if field == "header.date":
        if kind == "d":
            return False
        if kind in ("n", "f"):
            return parse_date(value) is None
        return kind == "b" or parse_date(value) is None
    limit = base.header_max.get(field)
    return bool(kind == "s" and limit and len(value.strip()) > limit)


MUTATIONS = st.dictionaries(st.integers(0, 10_000), VALUES, min_size=1, max_size=4)


@fuzz_settings(100)
@given(mutations=MUTATIONS)
def test_fuzz_cell_values(base, mutations):
    refs = sorted(base.inputs)
    chosen = {refs[k % len(refs)]: v for k, v in mutations.items()}
    sheet = set_cells(base.entries[base.sheet_part], {ref: cell_xml(ref, *v) for ref, v in chosen.items()})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / base.valid.name
        path.write_bytes(zip_bytes({**base.entries, base.sheet_part: sheet}))
        before = digest(path)
        raw = read_return(path, base.labels)  # a well-formed file: must read
        result = validate_return(raw, base.plan, PERIOD, base.fp, base.labels, path.name)
        assert digest(path) == before
    errors = {p.cell for p in result.problems if p.severity.value == "error"}
    for ref, (kind, value) in chosen.items():
        field = base.inputs[ref]
        if field == "header.phone" and kind == "n":
            continue  # a number may or may not spell a phone number; not a type question
        if is_invalid(base, field, kind, value):
            assert ref in errors, (ref, field, kind, value, [(p.code, p.cell) for p in result.problems])
    for task in result.tasks:  # nothing accepted that is not one of the choices
        assert task.status is None or task.status in STATUS_KEYS
        assert task.progress is None or 0 <= task.progress <= 100
        assert len(task.work) <= TEXT_LIMIT and len(task.problems) <= TEXT_LIMIT


# Container and structure -------------------------------------------------------------------------


@st.composite
def container_mutation(draw, base: Base):
    op = draw(st.sampled_from(["delete_entry", "garble_entry", "flip_xml", "delete_rows", "truncate", "flip_raw"]))
    entries = dict(base.entries)
    names = sorted(entries)
    deleted_ids: list[str] = []
    if op == "delete_entry":
        del entries[draw(st.sampled_from(names))]
    elif op == "garble_entry":
        entries[draw(st.sampled_from(names))] = draw(st.binary(max_size=200))
    elif op == "flip_xml":
        name = draw(st.sampled_from([n for n in names if n.endswith((".xml", ".rels"))]))
        data = bytearray(entries[name])
        for pos in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=5)):
            data[pos] = draw(st.integers(0, 255))
        entries[name] = bytes(data)
    elif op == "delete_rows":
        rows = draw(st.lists(st.sampled_from(sorted(base.row_ids)), min_size=1, max_size=3, unique=True))
        text = entries[base.sheet_part].decode("utf-8")
        for r in rows:
            text = re.sub(rf'<row r="{r}"[^>]*>.*?</row>', "", text, count=1, flags=re.S)
        entries[base.sheet_part] = text.encode("utf-8")
        deleted_ids = [base.row_ids[r] for r in rows]
    data = zip_bytes(entries)
    if op == "truncate":
        data = base.bytes[: draw(st.integers(0, len(base.bytes) - 1))]
    elif op == "flip_raw":
        buf = bytearray(base.bytes)
        for pos in draw(st.lists(st.integers(0, len(buf) - 1), min_size=1, max_size=8)):
            buf[pos] ^= draw(st.integers(1, 255))
        data = bytes(buf)
    return op, data, deleted_ids


@fuzz_settings(80)
@given(data=st.data())
def test_fuzz_container(base, data):
    op, content, deleted_ids = data.draw(container_mutation(base))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / base.valid.name
        path.write_bytes(content)
        try:
            raw = read_return(path, base.labels)
        except ReturnFileError as exc:
            assert exc.code.startswith("FILE_")
            raw = None
        if raw is not None:
            result = validate_return(raw, base.plan, PERIOD, base.fp, base.labels, path.name)
            missing = {p.value for p in result.problems if p.code == "STRUCT_ROW_MISSING"}
            if result.unit is not None and result.sheet is not None:
                assert set(deleted_ids) <= missing, (deleted_ids, [(p.code, p.value) for p in result.problems])
            else:
                assert result.status in ("rejected", "skipped") and result.errors + result.warnings > 0
        assert path.read_bytes() == content


# The whole merge ---------------------------------------------------------------------------------


@fuzz_settings(20)
@given(mutations=MUTATIONS, data=st.data())
def test_fuzz_merge(base, mutations, data):
    refs = sorted(base.inputs)
    chosen = {refs[k % len(refs)]: v for k, v in mutations.items()}
    sheet = set_cells(base.entries[base.sheet_part], {ref: cell_xml(ref, *v) for ref, v in chosen.items()})
    _, broken, _ = data.draw(container_mutation(base))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inbox = tmp / "inbox"
        inbox.mkdir()
        (inbox / "a.xlsx").write_bytes(zip_bytes({**base.entries, base.sheet_part: sheet}))
        (inbox / "b.xlsx").write_bytes(broken)
        before = {p.name: digest(p) for p in inbox.iterdir()}
        out, js, fb = tmp / "out" / "s.xlsx", tmp / "out" / "r.json", tmp / "out" / "fb"
        out.parent.mkdir()
        out.write_bytes(b"previous summary")  # replaced in one step
        files = read_inputs(collect_inputs([inbox]), base.labels)
        outcome = merge(MergeRequest(base.plan, PERIOD, files),
                        [SummaryOutput(out), JsonOutput(js), FeedbackOutput(fb)], base.labels)
        wb = openpyxl.load_workbook(out, read_only=True)
        assert wb.sheetnames
        wb.close()
        json.loads(js.read_text("utf-8"))
        for p in outcome.paths("feedback"):
            openpyxl.load_workbook(p, read_only=True).close()
        assert {p.name: digest(p) for p in inbox.iterdir()} == before
        assert not list(tmp.rglob(".~xltool-*"))
        shutil.rmtree(tmp / "out")


# Plan files -------------------------------------------------------------------------------------------
#
# `test_fuzz_plan_data`: the conftest base plan with random leaves replaced (random types, text
# with control / zero-width / direction characters, huge or non-finite numbers, deep lists), dumped
# as YAML or JSON; `test_fuzz_plan_yaml_text`: random YAML text built from anchors, aliases, flow
# and block collections, tags and scalars. Property: `load_plan` gives a Plan or a coded
# PlanFileError whose message renders from the label file, never anything else, in bounded time.

from conftest import BASE_PLAN  # noqa: E402
from xltoolkit.labels import get_labels  # noqa: E402
from xltoolkit.plans import PlanFileError  # noqa: E402

_ODD_TEXT = st.text(alphabet=st.sampled_from(list("区甲局 ,:-[]{}&*!#'\"\n\t") + ["\x00", "\x07", "\x1b", "\u200b",
                                                                                    "\u202e", "\ufeff", "\u2028"]),
                    max_size=30)
_LEAF = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
                  st.floats(allow_nan=True, allow_infinity=True), _ODD_TEXT, st.text(max_size=300))
_VALUE = st.recursive(_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=20)


def _paths(data, at=()):
    yield at
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, (*at, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, (*at, i))


def _replace(data, at, value):
    if not at:
        return value
    node = data
    for part in at[:-1]:
        node = node[part]
    node[at[-1]] = value
    return data


def _loads_or_refuses(text: str, suffix: str) -> None:
    import time

    from xltoolkit.plans import load_plan as load

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"plan{suffix}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        started = time.perf_counter()
        try:
            load(str(path))
        except PlanFileError as exc:
            assert exc.code and exc.render(get_labels()).strip()
        assert time.perf_counter() - started < 5


@fuzz_settings(60)
@given(data=st.data(), as_json=st.booleans())
def test_fuzz_plan_data(data, as_json):
    import copy

    plan = copy.deepcopy(BASE_PLAN)
    paths = list(_paths(plan))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.sampled_from(paths))
        plan = _replace(plan, at, data.draw(_VALUE))
        paths = list(_paths(plan))
    if as_json:
        text = json.dumps(plan, ensure_ascii=False, allow_nan=True, default=str)
    else:
        import yaml

        try:
            text = yaml.safe_dump(plan, allow_unicode=True)
        except yaml.YAMLError:
            return
    _loads_or_refuses(text, ".json" if as_json else ".yaml")


_SCALAR_TEXT = st.sampled_from(["x", "1", "1.5", ".nan", "-.inf", "~", "yes", "2022-01-01", "'q'", '"\\x07"',
                                "!!str 3", "!!binary aGk=", "!!python/object:os.system", "0x1F", "1_000", "<<"])


@st.composite
def _yaml_text(draw, depth=0):
    anchors = draw(st.lists(st.sampled_from(["a", "b", "c"]), max_size=3))
    kind = draw(st.sampled_from(["scalar", "flow_seq", "flow_map", "alias"] if depth < 4 else ["scalar", "alias"]))
    anchor = f"&{anchors[0]} " if anchors and kind != "alias" and draw(st.booleans()) else ""
    if kind == "scalar":
        return anchor + draw(_SCALAR_TEXT)
    if kind == "alias":
        return "*" + draw(st.sampled_from(["a", "b", "c"]))
    items = draw(st.lists(_yaml_text(depth + 1), max_size=6))
    if kind == "flow_seq":
        return anchor + "[" + ", ".join(items) + "]"
    return anchor + "{" + ", ".join(f"k{i}: {v}" for i, v in enumerate(items)) + "}"


@fuzz_settings(60)
@given(body=st.lists(_yaml_text(), min_size=1, max_size=8), keys=st.lists(
    st.sampled_from(["id", "title", "horizon", "units", "indicators", "chapters", "x", "<<"]), min_size=8, max_size=8))
def test_fuzz_plan_yaml_text(body, keys):
    text = "".join(f"{k}: {v}\n" for k, v in zip(keys, body))
    _loads_or_refuses(text, ".yaml")
