"""Regenerate samples/returns/: filled returns for the default plan, made by the test filler.

Three returns are filled correctly; one (区科经局) carries typical mistakes, so `xltool validate`
and `xltool merge` on the samples show what problems look like. Run after changing the default plan:
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


if __name__ == "__main__":
    main()
