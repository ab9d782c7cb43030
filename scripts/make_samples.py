"""Regenerate samples/returns/ and samples/planbooks/, made by the test fillers.

* samples/returns/: filled returns for the default plan. Three are filled correctly; one (区科经局)
  carries typical mistakes, so `xltool validate` and `xltool merge` on the samples show what
  problems look like.
* samples/planbooks/: the 2022 annual plan's plan workbook (分工表) filled as an example division of
  the work (the suggested units of the 14th-FYP scheme, the 14 street offices as members of 各街道),
  marked as an example in its 说明 sheet. The bundled plan wuchang-2022 itself stays as the
  document wrote it (no units).

Run after changing a bundled plan or the forms:
    .venv/bin/python scripts/make_samples.py
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from filler import answers, fill_openpyxl  # noqa: E402
from planbook_filler import example_assignment_2022, fill_planbook  # noqa: E402
from xltoolkit.generate import generate  # noqa: E402
from xltoolkit.labels import get_labels  # noqa: E402
from xltoolkit.model import Period  # noqa: E402
from xltoolkit.plans import load_plan  # noqa: E402
from xltoolkit.reading import read_return  # noqa: E402

UNITS = ("区发改局", "区教育局", "区卫健局", "区科经局")
FAULTY = "区科经局"


def main() -> None:
    plan, labels, period = load_plan(), get_labels(), Period.parse("2022Q4")
    out = ROOT / "samples" / "returns"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = generate(plan, period, Path(tmp), now=dt.datetime(2022, 12, 20, 9, 0))
        for seed, src in enumerate(result.returns):
            raw = read_return(src, labels)
            unit = raw.meta.unit_name
            if unit not in UNITS:
                continue
            a = answers(raw, plan, period, labels, seed=seed)
            if unit == FAULTY:
                tasks = [r for r in raw.rows if r.form == "tasks"]
                inds = [r for r in raw.rows if r.form == "indicators"]
                a.cells[tasks[0].values["status"].ref] = "进行中"
                a.cells[tasks[1].values["progress"].ref] = 150
                a.cells[inds[0].values["actual"].ref] = "约7"
                a.cells[raw.header["phone"].ref] = "待定"
            fill_openpyxl(src, out / src.name, a)
            print(out / src.name)
    make_planbook_sample(labels)


def make_planbook_sample(labels) -> None:
    """samples/planbooks/wuchang-2022_分工_示例.xlsx: export with suggestions, filled as an example."""
    from xltoolkit.plans import fingerprint
    from xltoolkit.suggest import suggest
    from xltoolkit.writing.planbook import write_planbook

    plan22, plan14 = load_plan("wuchang-2022"), load_plan("wuchang-14fyp")
    suggestions = suggest(plan22, plan14)
    out = ROOT / "samples" / "planbooks"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        blank = Path(tmp) / "blank.xlsx"
        write_planbook(str(blank), plan22, fingerprint(plan22), labels, "2023-01-05T09:00:00", suggestions,
                       other=plan14, example_note=labels["planbook.example_note"])
        units, edit_units, assign = example_assignment_2022(plan22, suggestions)
        target = out / "wuchang-2022_分工_示例.xlsx"
        fill_planbook(blank, target, labels, units=units, edit_units=edit_units, assign=assign)
    print(target)


if __name__ == "__main__":
    main()
