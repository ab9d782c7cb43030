"""Foundations: keys inside and labels at the edges, problems as data, forms that drive the reader,
all-or-nothing outputs, file problems before period questions."""

from __future__ import annotations

import copy
import hashlib
import json
import string
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from filler import answers, fill_openpyxl
from xltoolkit import FORM_VERSION
from xltoolkit.cli import main
from xltoolkit.forms import FORMS, STATUS_KEYS, TASK_FORM, vocabulary
from xltoolkit.labels import Labels
from xltoolkit.model import Period
from xltoolkit.plans import fingerprint
from xltoolkit.problems import CODES, LabelRef, LabelText, ProblemCode, ProblemSink, from_plain
from xltoolkit.reading import read_return
from xltoolkit.validation import validate_return

from conftest import BASE_PLAN

PERIOD = Period.parse("2022Q4")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, labels, tiny_plan, generated_tiny):
    """The small inline plan generated (shared) and every return filled in."""
    plan, gen = tiny_plan, generated_tiny
    root = tmp_path_factory.mktemp("foundations")
    inbox = root / "inbox"
    inbox.mkdir()
    for seed, src in enumerate(gen.returns):
        fill_openpyxl(src, inbox / src.name, answers(read_return(src, labels), plan, PERIOD, labels, seed=seed))
    return {"plan": plan, "root": root, "inbox": inbox, "gen": gen}


def test_every_problem_template_renders_with_its_parameters(labels):
    """Every code has a template; the placeholders a template names are exactly those it is given
    (field, value, and the parameters the code passes; checked against the source)."""
    src = "\n".join(p.read_text(encoding="utf-8") for p in Path(__file__).parents[1].glob("xltoolkit/*.py"))
    for code in ProblemCode:
        template = labels[f"problems.{code.value}"]
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        assert code.value in src, code
        params = {n: "x" for n in names if n not in ("field", "value")}
        sink = ProblemSink("f.xlsx", sheet="S")
        problem = sink.add(code.value, cell="A1", field="columns.status", value="v", **params)
        text = problem.message(labels)
        assert "{" not in text and text.startswith("[f.xlsx] S!A1 "), code
    assert set(CODES) == set(ProblemCode)


def test_problems_keep_parameters_and_render_labels_late(labels):
    sink = ProblemSink("f.xlsx", sheet="S")
    p = sink.add("VALUE_STATUS_INVALID", cell="H9", field="columns.status", value="进行中",
                 choices=LabelRef(*(f"status.{k}" for k in STATUS_KEYS)))
    assert p.as_dict()["params"] == {"choices": [f"status.{k}" for k in STATUS_KEYS]}
    assert p.as_dict()["field"] == "columns.status" and "message" not in p.as_dict()
    other = Labels({**labels._data, "status": {**labels["status"], "lagging": "落后"}})
    assert "落后" in p.text(other) and "落后" not in p.text(labels)


def _detail_calls() -> dict[str, set[str]]:
    """Each ``details.*`` key the code names -> the values it is given (LabelText(key, ...) calls, and
    container's ``_too_large(key, ...)``, which adds the part)."""
    import ast

    found: dict[str, set[str]] = {}
    for path in Path(__file__).parents[1].glob("xltoolkit/**/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            key = node.args[0].value
            if name in ("LabelText", "_too_large") and isinstance(key, str) and key.startswith("details."):
                names = {k.arg for k in node.keywords} | ({"part"} if name == "_too_large" else set())
                assert found.setdefault(key, names) == names, (path, key)
    return found


def test_every_detail_label_is_used_with_exactly_its_placeholders(labels):
    """The details section: each label named by the code, its placeholders exactly the values passed."""
    calls = _detail_calls()
    assert set(calls) == {f"details.{k}" for k in labels["details"]}
    for key, names in calls.items():
        assert {f for _, f, _, _ in string.Formatter().parse(labels[key]) if f} == names, key
        assert "{" not in LabelText(key, **{n: 7 for n in names}).render(labels), key


def test_a_label_text_parameter_is_data_rendered_late(labels):
    """A LabelText param: a label and its values (numbers stay numbers); JSON a dict that turns back
    into the same object (the history database restores it so); survives pickling (worker processes)."""
    import pickle

    sink = ProblemSink("f.xlsx")
    detail = LabelText("details.not_xlsx", what=LabelText("details.opendocument"))
    p = sink.add("FILE_TOO_LARGE", detail=LabelText("details.file_bytes", size=60, limit=50))
    assert p.as_dict()["params"] == {"detail": {"label": "details.file_bytes", "params": {"size": 60, "limit": 50}}}
    assert p.message(labels) == "[f.xlsx] 文件过大或内容异常（60 > 50 字节），不予读取。请使用下发的原填报表填写。"
    other = Labels({**labels._data, "details": {**labels["details"], "file_bytes": "{size} of {limit} bytes"}})
    assert "60 of 50 bytes" in p.text(other)
    nested = sink.add("FILE_NOT_XLSX", detail=detail)
    for param in (p.params["detail"], detail, LabelText("x", kind=LabelRef("file_kind.fifo"))):
        data = json.loads(json.dumps(param.as_data()))
        assert from_plain(data) == param and pickle.loads(pickle.dumps(param)) == param
    assert nested.text(labels).startswith("不是 Excel .xlsx 工作簿（OpenDocument 表格 .ods）。")


def test_json_carries_keys_labels_and_params(tiny, tmp_path, labels):
    out, js = tmp_path / "s.xlsx", tmp_path / "r.json"
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(BASE_PLAN, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["merge", str(tiny["inbox"]), "--plan", str(plan_file),
                                       "--out", str(out), "--json", str(js)])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(js.read_text(encoding="utf-8"))
    statuses = {t["status"] for t in data["tasks"]} | {r["status"] for t in data["tasks"] for r in t["reports"]}
    assert statuses <= set(STATUS_KEYS) | {None}
    for t in data["tasks"]:
        if t["status"]:
            assert t["status_label"] == labels[f"status.{t['status']}"]
    assert {s["status"] for s in data["submissions"]} <= {"ok", "problems", "rejected", "missing", "duplicate"}
    for issue in data["issues"]:
        assert isinstance(issue["params"], dict) and issue["message"]


def test_unwritable_output_leaves_every_earlier_output_untouched(tiny, tmp_path):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(BASE_PLAN, ensure_ascii=False), encoding="utf-8")
    out, js, fb = tmp_path / "out" / "s.xlsx", tmp_path / "out" / "r.json", tmp_path / "out" / "fb"
    args = ["merge", str(tiny["inbox"]), "--plan", str(plan_file), "--out", str(out), "--json", str(js)]
    assert CliRunner().invoke(main, args).exit_code in (0, 1)
    before = {p: sha(p) for p in (out, js)}
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    for bad in (["--json", str(blocker / "r.json")], ["--feedback", str(blocker / "fb")]):
        run_args = ["merge", str(tiny["inbox"]), "--plan", str(plan_file), "--out", str(out), *bad]
        if bad[0] == "--feedback":
            run_args += ["--json", str(js)]
        result = CliRunner().invoke(main, run_args)
        assert result.exit_code == 2 and str(blocker) in result.output, result.output
        assert {p: sha(p) for p in (out, js)} == before
        assert not [p for p in out.parent.iterdir() if p.name.startswith(".~xltool-")]
    assert not fb.exists()


def test_validate_reports_a_non_workbook_before_asking_for_a_period(tmp_path):
    bad = tmp_path / "empty.xlsx"
    bad.write_text("not a workbook")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1 and "FILE_NOT_XLSX" in result.output, result.output
    zero = tmp_path / "zero.xlsx"
    zero.write_bytes(b"")
    result = CliRunner().invoke(main, ["validate", str(zero)])
    assert result.exit_code == 1 and "FILE_EMPTY" in result.output, result.output


def test_a_return_reads_by_its_own_vocabulary_in_another_locale(tiny, labels, tmp_path):
    """Headers and answers are found by the words the return was written with, not the reader's."""
    plan = tiny["plan"]
    src = next(iter(sorted(tiny["inbox"].iterdir())))
    raw = read_return(src, labels)
    expected = validate_return(raw, plan, PERIOD, fingerprint(plan), labels)
    assert expected.tasks and all(t.status in STATUS_KEYS for t in expected.tasks)
    # A reader whose locale words every header and answer differently.
    data = copy.deepcopy(labels._data)
    for key in data["columns"]:
        data["columns"][key] = "XX" + data["columns"][key]
    for key in STATUS_KEYS:
        data["status"][key] = "XX" + data["status"][key]
    other = Labels(data)
    raw2 = read_return(src, other)
    assert [(r.item_id, sorted(r.values)) for r in raw2.rows] == [(r.item_id, sorted(r.values)) for r in raw.rows]
    again = validate_return(raw2, plan, PERIOD, fingerprint(plan), other)
    assert [(t.task_id, t.status, t.progress) for t in again.tasks] == \
        [(t.task_id, t.status, t.progress) for t in expected.tasks]
    assert not [p for p in again.problems if p.code.startswith(("STRUCT_", "VALUE_STATUS"))]


def test_vocabulary_holds_every_form_column_and_choice(labels):
    vocab = vocabulary(labels)
    for form in FORMS:
        assert set(vocab["forms"][form.key]) == {c.key for c in form.columns}
    assert vocab["choices"]["status"] == {k: labels[f"status.{k}"] for k in STATUS_KEYS}
    assert TASK_FORM.column("status").choices == STATUS_KEYS


@pytest.mark.parametrize("version,code,usable", [(str(int(FORM_VERSION) - 1 if FORM_VERSION != "0" else "0"),
                                                   "META_OLD_FORM", True),
                                                  (str(int(FORM_VERSION) + 1), "META_NEWER_FORM", False)])
def test_form_version_is_checked(tiny, labels, tmp_path, version, code, usable):
    plan = tiny["plan"]
    src = next(iter(sorted(tiny["inbox"].iterdir())))
    dst = tmp_path / src.name
    wb = openpyxl.load_workbook(src)
    ws = wb[labels["sheets.meta"]]
    row = next(r for r in ws.iter_rows() if r[0].value == "form_version")
    row[1].value = version
    wb.save(dst)
    result = validate_return(read_return(dst, labels), plan, PERIOD, fingerprint(plan), labels)
    if version == FORM_VERSION:
        pytest.skip("form version 1 has no older version")
    found = [p for p in result.problems if p.code == code]
    assert found and found[0].params["found"] == version and found[0].params["expected"] == FORM_VERSION
    assert result.usable is usable
