"""A target's measure from its wording, for plan files that do not state it (pure).

The parser records the measure it infers in the plan file; this rule is the fallback for hand-written
plans and the parser's first guess. See `model.Measure` for what each measure means.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .model import Measure, Target

# 增长7% / 年均增长 / 增速 / 提高…个百分点 per year: a rate of change reported each period.
_RATE = re.compile(r"(年均)?增长|增速|增幅|降幅|下降\d|[涨降]幅")
# Amounts that add up: new things built, brought in, trained, completed over the plan period.
_CUMULATIVE = re.compile(r"新增|新建|新引进|引进|培育|建成|建设|打造|完成|改造|推荐|新培育|招引|新开工|累计|"
                         r"开展|举办|创建|新改扩建|提档升级|整治|孵化|认定|储备|实施|打通|新设|增加")


def infer_measure(target: "Target", context: str = "") -> "Measure":
    """cumulative / level / rate / qualitative from the comparator, unit and wording; `context` is
    text around the target that names what is measured (an indicator's name)."""
    from .model import Comparator, Measure

    if target.comparator is Comparator.qualitative:
        return Measure.qualitative
    text = f"{context} {target.text}"
    if target.unit in ("%", "‰") and _RATE.search(text) and "率" not in (target.metric or ""):
        return Measure.rate
    if target.unit not in ("%", "‰", "年", "岁") and _CUMULATIVE.search(text):
        return Measure.cumulative
    return Measure.level
