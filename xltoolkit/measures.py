"""A target's measure from its wording (pure): what the parser writes into plan files, and the
fallback for hand-written plans that do not state one. See `model.Measure` for what each means.

Rules, first match wins (`measure_of`):

1. qualitative comparator (完成市下达目标, 与经济增长保持同步) -> qualitative.
2. a percentage (%, ‰, 个百分点): a change verb with 到/至 (提高到, 降至) or 控制在/稳定在/保持在 -> level;
   a change word (增长, 增速, 增幅, 年均, 下降, 降低, 减少, 提高) in the target or the indicator's name ->
   rate (地区生产总值增长 + 年均7%左右; 全员劳动生产率增长 + 年均大于7%; 外贸进出口增幅达10%);
   otherwise level (覆盖率达到41.51%, 失业率小于6%).
3. an annual plan's 全年/年度 amounts, and its investment and funds, add up over the year ->
   cumulative (全年招商引资700亿元, 年度计划投资300亿元, 区级城建投资100亿元).
4. an accumulating verb in the target phrase (新增, 新建, 引进, 培育, 建成, 完成, 改造, 打造, 累计 …) ->
   cumulative, unless the number is a ratio or per-unit value (人均, 每千, 密度, 率, 比重, N/平方公里).
5. a ratio or per-unit value in the phrase -> level (人均公园绿地面积8.9平方米, 路网密度5.98千米/平方公里).
6. an accumulating verb in the clause the phrase belongs to (改造建成1个P2+实验室和4个P2实验室: the
   second count) -> cumulative; a ratio word there -> level (每千常住人口床位数12张、医师数7人).
7. 'to a level' wording (达到, 突破, 超过, 控制在, 稳定在 …) or a unitless number -> level (上市公司达到8家).
8. otherwise level, and the parser warns (MEASURE_GUESSED): nothing in the wording decided it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .model import Measure, Target

PERCENT_UNITS = ("%", "‰", "个百分点", "百分点")
CHANGE = re.compile(r"增长|增速|增幅|涨幅|降幅|年均|下降|降低|减少|提高|提升|回落")
TO_LEVEL_PERCENT = re.compile(r"(?:提高|提升|增加|增长|下降|降低|减少|降|升)(?:到|至)|控制在|控制到|保持在|稳定在|维持在")
TO_LEVEL = re.compile(r"(?:提高|提升|增加|增长|下降|降低|减少|降|升)(?:到|至)|达到|达|控制在|控制到|保持在|稳定在|维持在|突破|超过"
                      r"|不低于|不高于|不超过|大于|小于|高于|低于")
ACCUMULATE = re.compile(r"新增|新建|新引进|引进|培育|建成|建设|兴建|打造|完成|改造|推荐|招引|开工|累计|开展|举办|承办|创建|新改扩建|"
                        r"提档升级|整治|孵化|认定|储备|实施|打通|新设|扶持|带动|吸引|选定|培训|安置|帮扶|签约|落地|形成|扩建|"
                        r"新开|开通|筹集|供应|发放|修复|栽植|种植|拆除|清理|治理|接待|化解|新招")
RATIO = re.compile(r"人均|每千|每万|每百|每十万|密度|比重|比例|占比|覆盖|率(?!先)|寿命|年限|指数|强度|/")


def measure_of(text: str, unit: Optional[str], comparator: str, context: str = "", clause: str = "",
               period: Optional[str] = None, annual: bool = False) -> tuple[str, bool]:
    """(measure, decided by a rule) for a target phrase `text`; `context` names what is measured (an
    indicator's name), `clause` is the clause the phrase was cut from, `annual`: a one-year plan."""
    if comparator == "qualitative":
        return "qualitative", True
    if unit in PERCENT_UNITS:
        if TO_LEVEL_PERCENT.search(text):
            return "level", True
        if CHANGE.search(text) or CHANGE.search(context):
            return "rate", True
        return "level", True
    per_unit = bool(unit and "/" in unit)
    if annual and re.search(r"全年|年度|投资|资金", f"{period or ''}{text}") and not per_unit and not RATIO.search(text):
        return "cumulative", True
    if ACCUMULATE.search(text) and not per_unit and not RATIO.search(text):
        return "cumulative", True
    if per_unit or RATIO.search(text) or RATIO.search(context):
        return "level", True
    if ACCUMULATE.search(clause) and not RATIO.search(clause):
        return "cumulative", True
    if RATIO.search(clause):
        return "level", True
    if TO_LEVEL.search(text) or unit is None:
        return "level", True
    return "level", False


def infer_measure(target: "Target", context: str = "") -> "Measure":
    """The measure of a target from its comparator, unit and wording; `context` is text around the
    target that names what is measured (an indicator's name)."""
    from .model import Measure

    measure, _sure = measure_of(target.text, target.unit, target.comparator.value, context=context,
                                clause=target.metric or "", period=target.period)
    return Measure(measure)
