"""How good are the unit suggestions of `xltool plan export --suggest-from`? (prints figures)

For each indicator and task of the 2022 annual plan, REFERENCE is the lead unit a reader of the two
documents would pick (our judgment, from the item's wording and the 14th-FYP scheme's division of
the same field). Printed: how often the suggestion's first unit is that unit, and how often it is
among the suggested units.

    .venv/bin/python scripts/suggest_report.py
"""

from __future__ import annotations

from xltoolkit.plans import load_plan
from xltoolkit.suggest import suggest

REFERENCE = {
    "E01": "区发改局", "E02": "区财政局", "E03": "区发改局", "E04": "区发改局", "E05": "区发改局",
    "E06": "区发改局", "E07": "区发改局",
    "T1.1": "区科经局", "T1.2": "区科经局", "T1.3": "区科经局", "T2.1": "区发改局", "T2.2": "区商务局",
    "T2.3": "区商务局", "T3.1": "区商务局", "T3.2": "区发改局", "T3.3": "区市场监管局", "T4.1": "区行政审批局",
    "T4.2": "区科经局", "T4.3": "区行政审批局", "T5.1": "区建设局", "T5.2": "区水务和湖泊局", "T5.3": "区城管局",
    "T6.1": "区人资局", "T6.2": "区卫健局", "T6.3": "区文旅局", "T7.1": "区委政法委", "T7.2": "区委政法委",
    "T7.3": "区民政局",
}


def main() -> None:
    plan22, plan14 = load_plan("wuchang-2022"), load_plan("wuchang-14fyp")
    found = suggest(plan22, plan14)
    first = among = none = 0
    for item_id, pick in REFERENCE.items():
        s = found[item_id]
        units = [*s.lead_units, *s.responsible_units, *s.named_units]
        first += bool(units) and units[0] == pick
        among += pick in units
        none += not units
        print(f"{item_id:5} {pick:10} {'✓' if units and units[0] == pick else ('~' if pick in units else '✗')} "
              f"{s.matched_id or '-':5} {s.score:.2f} {'、'.join(units[:4])}")
    n = len(REFERENCE)
    print(f"\nitems {n}: first suggested unit is the reader's pick {first}/{n} ({first / n:.0%}); "
          f"among the suggested units {among}/{n} ({among / n:.0%}); no suggestion {none}/{n}")


if __name__ == "__main__":
    main()
