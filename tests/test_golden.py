"""Golden files: what generate and merge produce for the tiny inline plan, compared with reviewed
reference digests under tests/golden/ (XlsxWriter's habit of comparing with reference files).

To regenerate them deliberately, after a change to the output that you have checked:

    .venv/bin/python scripts/update_golden.py        # or: .venv/bin/python -m pytest tests/test_golden.py --update-golden

then review `git diff tests/golden/` and commit it with the change.

Compared (golden_digest.py): per sheet, its visibility, every non-empty cell's value and A1
reference (formulas with their cached result), the unlocked input cells, data validations, merged
ranges, hyperlinks, freeze panes, filter, column widths, protection and print settings; per
workbook, sheet order, defined names, document and custom properties, charts; the merge's JSON.
Ignored: timestamps and the tool version (masked), zip order, XML formatting and style ids.

Inputs: BASE_PLAN (conftest) for 2022Q4, generated at FIXED_NOW: the master and 区甲局's return;
a merge of 区甲局 (valid answers) and 区乙局 (one invalid status; 区丙办 does not report): its
summary workbook and its JSON.
"""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest

from cells import Cells, Ref
from conftest import FIXED_NOW
from filler import answers, fill_openpyxl
from golden_digest import dump, json_digest, workbook_digest
from xltoolkit.merge import JsonOutput, MergeOptions, MergeRequest, SummaryOutput, collect_inputs, merge, read_inputs
from xltoolkit.model import Period
from xltoolkit.forms import LAYOUT
from xltoolkit.reading import a1, read_return

GOLDEN = Path(__file__).parent / "golden"
PERIOD = Period.parse("2022Q4")
RETURN_UNIT = "区甲局"
BAD_UNIT = "区乙局"  # its first task gets an invalid status
INVALID_STATUS = "进行中"


def _return_of(generated, unit: str) -> Path:
    return next(p for p in generated.returns if p.stem.endswith(unit))


@pytest.fixture(scope="module")
def merged(generated_tiny, tiny_plan, labels, tmp_path_factory):
    """A small merge of two filled returns: (summary path, JSON data)."""
    root = tmp_path_factory.mktemp("golden-merge")
    inbox = root / "inbox"
    inbox.mkdir()
    for seed, unit in enumerate((RETURN_UNIT, BAD_UNIT)):
        src = _return_of(generated_tiny, unit)
        raw = read_return(src, labels)
        a = answers(raw, tiny_plan, PERIOD, labels, seed=seed)
        if unit == BAD_UNIT:
            task = next(r.item_id for r in raw.rows if r.form == "tasks")
            a.cells[Cells(raw)(Ref(task, "status"))] = INVALID_STATUS
        fill_openpyxl(src, inbox / src.name, a)
    summary, js = root / "out" / "summary.xlsx", root / "out" / "result.json"
    files = read_inputs(collect_inputs([inbox]), labels)
    merge(MergeRequest(tiny_plan, PERIOD, files, MergeOptions(now=FIXED_NOW, jobs=1)),
          [SummaryOutput(summary), JsonOutput(js)], labels)
    return summary, json.loads(js.read_text(encoding="utf-8"))


def check_golden(name: str, digests: dict[str, dict], request) -> None:
    """Compare `digests` ({file stem: digest}) with tests/golden/<name>/, or rewrite that folder
    with --update-golden. A difference fails with a unified diff of the YAML texts."""
    folder = GOLDEN / name
    texts = {f"{stem}.yaml": dump(d) for stem, d in digests.items()}
    if request.config.getoption("--update-golden"):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for file, text in texts.items():
            (folder / file).write_text(text, encoding="utf-8")
        return
    assert folder.is_dir(), f"no golden files in {folder}: run scripts/update_golden.py"
    stored = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))}
    diffs = []
    for file in sorted(set(stored) | set(texts)):
        old, new = stored.get(file, ""), texts.get(file, "")
        if old != new:
            diffs += difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                          f"golden/{name}/{file}", f"produced/{name}/{file}")
    if diffs:
        pytest.fail("output differs from the golden files (if intended: scripts/update_golden.py, then review "
                    "git diff tests/golden/):\n" + "".join(diffs), pytrace=False)


def test_master_matches_golden(generated_tiny, request):
    check_golden("master", workbook_digest(generated_tiny.master), request)


def test_return_matches_golden(generated_tiny, request):
    check_golden("return", workbook_digest(_return_of(generated_tiny, RETURN_UNIT)), request)


def test_summary_matches_golden(merged, request):
    stamp = FIXED_NOW.isoformat(sep=" ")  # the merge's time, shown in the subtitles
    check_golden("summary", workbook_digest(merged[0], masks={stamp: "<generated_at>"}), request)


def test_merge_json_matches_golden(merged, request):
    check_golden("merge", {"result": json_digest(merged[1])}, request)


def test_a_changed_cell_fails_with_a_readable_diff(generated_tiny, request, tmp_path):
    """The comparison itself can fail: one changed cell gives a diff naming the file and the cell."""
    import openpyxl

    path = tmp_path / "changed.xlsx"
    wb = openpyxl.load_workbook(_return_of(generated_tiny, RETURN_UNIT))
    title = a1(LAYOUT.title_row, 0)
    wb[RETURN_UNIT][title] = "改过的标题"
    wb.save(path)
    if request.config.getoption("--update-golden"):
        pytest.skip("updating")
    with pytest.raises(pytest.fail.Exception) as info:
        check_golden("return", workbook_digest(path), request)
    text = str(info.value)
    assert f"golden/return/02_{RETURN_UNIT}.yaml" in text and f"+  {title}: 改过的标题" in text
