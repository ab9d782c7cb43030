"""Parse the seed documents and print how well `xltool parse` reproduces the bundled plans.

    python scripts/parse_report.py [-v]

Prints precision and recall of indicators, targets (value, unit, comparator) and unit assignments,
the differences that are recorded as manual edits, and (-v) every difference.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xltoolkit.parsing import parse_lines, read_document  # noqa: E402
from xltoolkit.parsing.compare import compare, format_scores, scores  # noqa: E402

SEEDS = [("wuchang-14fyp", "000_204739c3a34e3f44.txt"), ("wuchang-2022", "002_93ebdd97daf7e864.txt")]


def main(verbose: bool = False) -> int:
    unexplained_total = 0
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
    return 1 if unexplained_total else 0


if __name__ == "__main__":
    sys.exit(main("-v" in sys.argv[1:]))
