"""Parse the seed documents and print how well `xltool parse` reproduces the bundled plans.

    python scripts/parse_report.py [-v]

For each bundled plan: precision and recall of indicators, targets (value, unit, comparator) and unit
assignments from its source text, the differences recorded as manual edits, and (-v) every difference;
then the same plan rendered by tests/parse_render.py as a division table in .docx, .xlsx, .csv and
HTML and as a PDF (text layer, running heads, page numbers, wrapped lines), parsed back and scored;
and the plan's targets counted by measure.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from xltoolkit.parsing import parse_lines, read_document  # noqa: E402
from xltoolkit.parsing.compare import compare, format_scores, scores  # noqa: E402

SEEDS = [("wuchang-14fyp", "000_204739c3a34e3f44.txt"), ("wuchang-2022", "002_93ebdd97daf7e864.txt")]
FORMATS = ("docx", "xlsx", "csv", "html", "pdf")


def measure_counts(plan: dict) -> dict[str, Counter]:
    return {"indicators": Counter(i["target"].get("measure") for i in plan.get("indicators", [])),
            "task targets": Counter(t.get("measure") for c in plan.get("chapters", []) for task in c["tasks"]
                                    for t in task["targets"])}


def format_table(plan_id: str, bundled: dict, folder: Path) -> list[str]:
    import parse_render

    out = [f"  {'format':<6} {'indicators P/R':>15} {'targets P/R':>13} {'units P/R':>11}"]
    for fmt in FORMATS:
        path = getattr(parse_render, f"to_{fmt}")(bundled, folder / f"{plan_id}.{fmt}")
        lines, _ = read_document(path)
        s = scores(parse_lines(lines, path.name, plan_id).data, bundled)
        cells = [f"{s[k]['precision']:.3f}/{s[k]['recall']:.3f}" for k in ("indicators", "targets", "unit assignments")]
        out.append(f"  {fmt:<6} {cells[0]:>15} {cells[1]:>13} {cells[2]:>11}")
    return out


def main(verbose: bool = False) -> int:
    unexplained_total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for plan_id, source in SEEDS:
            lines, _ = read_document(ROOT / "samples" / "sources" / source)
            result = parse_lines(lines, source_name=source, plan_id=plan_id)
            bundled = yaml.safe_load((ROOT / "samples" / "plans" / f"{plan_id}.yaml").read_text(encoding="utf-8"))
            print(format_scores(f"{plan_id} ({source})", scores(result.data, bundled)))
            edits = {(e["item"], e["field"]) for e in bundled.get("manual_edits", [])}
            diffs = compare(result.data, bundled)
            unexplained = [d for d in diffs if d.key not in edits]
            unexplained_total += len(unexplained)
            print(f"  differences: {len(diffs)} ({len(diffs) - len(unexplained)} recorded as manual edits, "
                  f"{len(unexplained)} unexplained); warnings: {len(result.warnings)}; "
                  f"unit-merge suggestions: {len(result.suggestions)}")
            for d in diffs if verbose else unexplained:
                print(f"    {'edit ' if d.key in edits else 'NEW  '}{d}")
            print(f"  {plan_id} rendered in each format and parsed back (precision/recall):")
            print("\n".join(format_table(plan_id, bundled, Path(tmp))))
            for what, counts in measure_counts(bundled).items():
                print(f"  {what} by measure: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 1 if unexplained_total else 0


if __name__ == "__main__":
    sys.exit(main("-v" in sys.argv[1:]))
