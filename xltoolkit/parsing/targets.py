"""Quantities in a text -> targets (comparator, value, unit, direction, period, deadline).

All matching runs on the normalized text (same length as the raw text), so every span found is a
span of the text as written: a target's `text` is always an exact substring of its item's text.

Rules (the bundled plans' transcription decisions, generalized):

* comparator from the wording: 以上/及以上/达到/达/不少于/不低于/稳定在 -> '>='; 突破/超过/大于/高于 -> '>';
  以内/之内/以下/不超过/控制在…以内/降至…以下 -> '<=' (in Chinese legal usage 以上、以下、以内 include the
  number itself); 低于/小于 -> '<'; 左右 -> '~'; a-b (also a%-b%) -> range; N余/N多 -> '>' (more than N);
  完成…下达目标/指标 / 与…保持同步 -> qualitative; a bare number -> '='. A word after the number (以上,
  以下, 以内, 左右) beats one before it.
* direction: '>=' and '>' are higher-better, '<=' and '<' lower-better; otherwise rates that should
  fall (失业率, 死亡率, 发病率, 能耗, 排放 …, but not a 降低率) are lower-better.
* units keep their multiplier (18万人 -> 18 万人, 560亿元 -> 560 亿元); N/10万 -> unit /10万;
  ‰, and the slip '%c' read as ‰ (with a note).
* not quantities: years (2025年), ordinals (第2批), 未来5年, numbers glued to Latin letters (5G, P2,
  C4地块, 4A级), numbers without a unit of measure (5.5产业园, 500强, 11号线, 15分钟生活圈),
  age brackets (0-3岁示范托育中心, 3岁以下婴幼儿), counts of an existing stock (全区354条…),
  and a quantity followed by 的 that qualifies a later counted noun (床位在100张以上的…综合体).
* a clause (between commas) is one target phrase; a clause listing several counted phrases joined
  by 、 (or 和 before a number) gives one target per phrase; '分别' gives one target per number with the
  whole phrase as text; 'A、B各10家' gives one target per subject.
* period phrases: 到2025年, 2022年10月底前, 未来五年, “十四五”期间 hold for the rest of their sentence
  (deadline from their year, else the plan horizon's end); 全年, 年均 only for their own phrase. A
  period phrase standing alone before the target's clause is kept in the text of the sentence's
  first target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional, Union

Value = Union[float, tuple[float, float], None]

MULT = r"(?:十万|百万|千万|万|亿|千|百)?"
BASE = ("个百分点|百分点|个工作日|工作日|个月|微克|毫克|平方公里|平方千米|平方米|立方米|千瓦时|千瓦|兆瓦|标准煤|公里|千米|公顷|亩|米|"
        "亿元|万元|元|人次|人|户|家|个|项|件|座|栋|幢|条|场|张|根|处|所|台|辆|套|间|名|位|岁|年|天|吨|"
        "次|批|篇|部|株|棵|艘|架|份|班|例|床|届|倍|公斤")
DENOM = r"(?:平方公里|平方千米|平方米|立方米|万人|千人|百人|人|户|年|天)"
ASCII_UNITS = r"(?:m3/s|m³/s|km|MW|kW|kV)"
UNIT = rf"(?:%c(?![A-Za-z])|%|‰|/\d+万|{MULT}(?:{BASE})(?:/{DENOM})?|{ASCII_UNITS})"
NUMBER = r"\d+(?:\.\d+)?"
SUFFIXES = r"(?:及以上|以上|以下|以内|之内|左右)"
QUANTITY = re.compile(
    rf"(?<![A-Za-z0-9.\-/])(?P<low>{NUMBER})(?:(?P<lunit>%|‰)?\s*(?:-|—|~|至)\s*(?P<high>{NUMBER}))?"
    rf"(?P<more>余|多)?(?P<unit>{UNIT})?(?P<suffix>{SUFFIXES})?")
CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
CN_QUANTITY = re.compile(r"(?<![一二两三四五六七八九十百千万亿第])(?P<cn>[一二两三四五六七八九]|十)(?P<unit>座|栋)")

SUFFIX_COMPARATOR = {"及以上": ">=", "以上": ">=", "以下": "<=", "以内": "<=", "之内": "<=", "左右": "~"}
PREFIX_WORDS = [
    ("不少于", ">="), ("不低于", ">="), ("不小于", ">="), ("至少", ">="), ("达到", ">="), ("提高到", ">="),
    ("提高至", ">="), ("提升到", ">="), ("提升至", ">="), ("增加到", ">="), ("增加至", ">="), ("增至", ">="),
    ("稳定在", ">="), ("保持在", ">="), ("维持在", ">="),
    ("不超过", "<="), ("不高于", "<="), ("不大于", "<="), ("控制在", "<="), ("控制到", "<="),
    ("突破", ">"), ("超过", ">"), ("大于", ">"), ("高于", ">"), ("多于", ">"),
    ("低于", "<"), ("小于", "<"), ("少于", "<"), ("降至", "<"), ("降到", "<"), ("下降到", "<"),
    ("下降至", "<"), ("降低到", "<"), ("降低至", "<"),
]
PREFIX_RE = re.compile("|".join(sorted((re.escape(w) for w, _ in PREFIX_WORDS), key=len, reverse=True)))
PREFIX_MAP = dict(PREFIX_WORDS)

QUALITATIVE = re.compile(
    r"完成[^,;。:]{0,6}?下达(?:的)?[^,;。:]{0,4}?(?:目标|任务|指标)(?:任务)?|与[^,;。:]{1,12}?(?:保持同步(?:增长)?|同步增长|同步(?![\u4e00-\u9fff]))"
    r"|保持同步(?:增长)?|同步增长")
LOWER_BETTER = re.compile(r"失业率|死亡率|发病率|患病率|能耗|排放|事故|浓度|PM2\.5|用水量|近视率|肥胖率|犯罪率|发案")
REDUCTION_RATE = re.compile(r"降低|下降|减少|降幅")

# Period phrases. Propagating ones hold for the rest of their sentence.
_CN_YEARS = r"[一二三四五六七八九十\d]+"
PROPAGATING = re.compile(
    rf"(?:到|至)\d{{4}}年(?:底|末)?|\d{{4}}年(?:\d{{1,2}}月)?(?:底|末)?(?:前|以前)|未来{_CN_YEARS}年"
    r"|[“\"]?十[一二三四五六七八九]五[”\"]?(?:期间|时期|末)")
LOCAL = re.compile(r"全年|年均|每年")
CLAUSE_YEAR = re.compile(r"^(?:力争)?(\d{4})年(?![\d月])")
FIVE_YEAR_PLANS = {"十三五": 2020, "十四五": 2025, "十五五": 2030, "十六五": 2035}


@dataclass
class Quantity:
    start: int
    end: int  # end of number + unit (before the suffix)
    stop: int  # end including the suffix
    value: Value
    unit: Optional[str]
    suffix: Optional[str]
    more: bool = False  # N余 / N多
    typo_per_mille: bool = False


@dataclass
class TargetFound:
    start: int  # span of the target text in the item text
    end: int
    value: Value
    unit: Optional[str]
    comparator: str
    direction: str
    metric: Optional[str] = None
    period: Optional[str] = None
    deadline_year: Optional[int] = None
    notes: list[str] = field(default_factory=list)
    clause: tuple[int, int] = (0, 0)  # the clause the target phrase was cut from
    measure: Optional[str] = None
    measure_sure: bool = True

    def to_data(self, raw: str) -> dict:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"text": raw[self.start:self.end], "metric": self.metric, "value": value, "unit": self.unit,
                "comparator": self.comparator, "direction": self.direction, "deadline_year": self.deadline_year,
                "period": self.period, "measure": self.measure, "note": "; ".join(self.notes) or None}

    def infer_measure(self, raw: str, context: str = "", annual: bool = False) -> None:
        from ..measures import measure_of

        a, b = self.clause
        self.measure, self.measure_sure = measure_of(
            raw[self.start:self.end], self.unit, self.comparator, context=context,
            clause=raw[a:b] if b > a else "", period=self.period, annual=annual)


def _num(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _is_scope(norm: str, start: int) -> bool:
    return norm[max(0, start - 2):start] in ("全区", "全市", "全县", "辖区", "全省", "全国", "全镇")


def find_quantities(norm: str, start: int = 0, end: Optional[int] = None) -> list[Quantity]:
    """Every quantity with a unit of measure (or a comparator word after it) in norm[start:end]."""
    end = len(norm) if end is None else end
    found: list[Quantity] = []
    for m in QUANTITY.finditer(norm, start, end):
        unit, suffix = m.group("unit"), m.group("suffix")
        if unit is None and suffix is None and not _after_comparator(norm, m.start()):
            continue
        nxt = norm[m.end():m.end() + 1]
        if unit and unit[-1].isascii() and unit[-1].isalpha() and re.match(r"[A-Za-z]", nxt):
            continue
        if unit is None and re.match(r"[A-Za-z]", nxt):
            continue
        low, high = m.group("low"), m.group("high")
        if m.group("lunit") and unit != m.group("lunit"):
            unit = m.group("lunit") if unit is None else unit  # 7.5%—8%: the unit written twice
        if unit == "年" and (re.fullmatch(r"(19|20|21)\d\d", low) or norm[max(0, m.start() - 2):m.start()] in ("未来", "近")
                           or norm[m.start() - 1:m.start()] in ("近", "前", "后", "每")
                           or norm[m.end():m.end() + 1] in ("内", "间", "来")):
            continue
        if unit is None and re.fullmatch(r"(19|20|21)\d\d", low):
            continue
        if norm[m.start() - 1:m.start()] == "第" or _is_scope(norm, m.start()):
            continue
        stop = m.end()
        if unit and unit.endswith("岁") and re.match(r"[\u4e00-\u9fff]", norm[stop:stop + 1] or " "):
            continue  # an age bracket qualifying a noun: 0-3岁示范托育中心, 3岁以下婴幼儿
        value: Value = _num(low)
        if high is not None:
            value = (_num(low), _num(high))
        typo = unit == "%c"
        if typo:
            unit = "‰"
        elif unit and unit.startswith("/"):
            unit = unit
        found.append(Quantity(m.start(), m.end() - len(suffix or ""), stop, value, unit, suffix,
                              bool(m.group("more")), typo))
    for m in CN_QUANTITY.finditer(norm, start, end):
        if any(q.start <= m.start() < q.stop for q in found) or _is_scope(norm, m.start()):
            continue
        found.append(Quantity(m.start(), m.end(), m.end(), CN_DIGITS[m.group("cn")], m.group("unit"), None))
    found.sort(key=lambda q: q.start)
    return found


def _after_comparator(norm: str, start: int) -> bool:
    before = norm[max(0, start - 3):start]
    return any(before.endswith(w) for w, _ in PREFIX_WORDS)


def comparator_for(norm: str, window_start: int, quantity: Quantity, suffix: Optional[str] = None) -> str:
    """The comparator of a quantity from the words before it (in norm[window_start:start]) and after it."""
    if isinstance(quantity.value, tuple):
        return "range"
    suffix = suffix if suffix is not None else quantity.suffix
    prefix = None
    for m in PREFIX_RE.finditer(norm, window_start, quantity.start):
        prefix = PREFIX_MAP[m.group(0)]
    if prefix is None and norm[quantity.start - 1:quantity.start] == "达":
        prefix = ">="
    if suffix:
        by_suffix = SUFFIX_COMPARATOR[suffix]
        if prefix == ">" and by_suffix == ">=":
            return ">"
        return by_suffix
    if prefix:
        return prefix
    if quantity.more:
        return ">"
    return "="


def direction_for(comparator: str, metric_text: str) -> str:
    if comparator == "qualitative":
        return "qualitative"
    if comparator in (">=", ">"):
        return "higher_better"
    if comparator in ("<=", "<"):
        return "lower_better"
    if LOWER_BETTER.search(metric_text) and not REDUCTION_RATE.search(metric_text):
        return "lower_better"
    return "higher_better"


def quantity_notes(q: Quantity) -> list[str]:
    notes = []
    if q.typo_per_mille:
        notes.append("'%c' read as ‰ (per mille)")
    if q.more:
        notes.append("N余/N多 = more than N; recorded as '>'")
    return notes


# --------------------------------------------------------------------------- periods

def period_year(phrase: str, horizon_end: int) -> Optional[int]:
    m = re.search(r"(\d{4})年", phrase)
    if m:
        year = int(m.group(1))
        return year if 2000 <= year <= 2100 else None
    for name, year in FIVE_YEAR_PLANS.items():
        if name in phrase:
            return year
    return horizon_end


# --------------------------------------------------------------------------- splitting

OPEN, CLOSE = "(（[【《", ")）]】》"
QUOTE_OPEN, QUOTE_CLOSE = "“‘", "”’"


@lru_cache(maxsize=4)
def _depths(norm: str) -> tuple[tuple[int, int], ...]:
    """Bracket depth and quote depth before each character.

    Computed once per text (cached: sentences, clauses and parts of one text share it), so splitting
    stays linear in the text however many sentences and clauses it has.
    """
    bracket = quote = 0
    out = []
    append = out.append
    for ch in norm:
        append((bracket, quote))
        if ch in OPEN:
            bracket += 1
        elif ch in CLOSE and bracket:
            bracket -= 1
        elif ch in QUOTE_OPEN:
            quote += 1
        elif ch in QUOTE_CLOSE and quote:
            quote -= 1
    return tuple(out)


def sentences(norm: str, start: int = 0, end: Optional[int] = None) -> list[tuple[int, int]]:
    end = len(norm) if end is None else end
    depth = _depths(norm)
    spans, s = [], start
    for i in range(start, end):
        ch = norm[i]
        if ch == "\n" or (ch in "。;!?" and depth[i][0] == 0):
            if i > s:
                spans.append((s, i))
            s = i + 1
    if end > s:
        spans.append((s, end))
    return spans


def clauses(norm: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a sentence at commas, colons and spaces outside brackets and quotes."""
    depth = _depths(norm)
    spans, s = [], start
    for i in range(start, end):
        ch = norm[i]
        if depth[i] != (0, 0):
            continue
        split = ch in ",:" or (ch == " " and i > start and i + 1 < end and norm[i - 1] != " " and norm[i + 1] != " ")
        if split:
            if i > s:
                spans.append((s, i))
            s = i + 1
    if end > s:
        spans.append((s, end))
    return [_trim(norm, a, b) for a, b in spans if _trim(norm, a, b)[0] < _trim(norm, a, b)[1]]


def _trim(norm: str, a: int, b: int) -> tuple[int, int]:
    while a < b and norm[a] in " \t":
        a += 1
    while b > a and norm[b - 1] in " \t":
        b -= 1
    return a, b


def _parts(norm: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a clause at 、 outside brackets, and before 和/及/与 directly followed by a number."""
    depth = _depths(norm)
    spans, s = [], start
    i = start
    while i < end:
        ch = norm[i]
        if depth[i][0] == 0 and ch == "、":
            spans.append((s, i))
            s = i + 1
        elif depth[i][0] == 0 and ch in "和及与" and i + 1 < end and norm[i + 1].isdigit() and i > s:
            spans.append((s, i))
            s = i + 1
        i += 1
    spans.append((s, end))
    return [(a, b) for a, b in spans if a < b]


def _period_only(norm: str, a: int, b: int) -> bool:
    text = norm[a:b].strip()
    m = PROPAGATING.fullmatch(text) or re.fullmatch(r"(?:到|至)?\d{4}年(?:底|末)?", text)
    return bool(m)


# --------------------------------------------------------------------------- task targets

def _choose(norm: str, quantities: list[Quantity], group_end: int) -> list[Quantity]:
    """The counted quantity of one target phrase: drop qualifiers (…以上的, followed by a noun)."""
    if len(quantities) <= 1:
        return quantities
    kept = [q for q in quantities if not norm[q.stop:q.stop + 1] == "的"] or quantities[-1:]
    if len(kept) == 1:
        return kept
    terminal = [q for q in kept if not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", norm[q.stop:group_end])]
    return terminal[-1:] if terminal else kept[-1:]


def _metric(norm: str, start: int, q_start: int) -> Optional[str]:
    text = norm[start:q_start]
    text = PROPAGATING.sub("", text)
    text = LOCAL.sub("", text)
    text = re.sub(r"^[\s,:]+", "", text)
    text = re.sub(r"^(?:力争|努力|确保|保证|实现|推进|推动|累计)+", "", text)
    text = PREFIX_RE.sub("", text)
    text = re.sub(r"[达各\s“”\"]+$", "", text).strip(" ,、")
    return text or None


@dataclass
class _Context:
    """What one task text shares while its clauses are read: the text, the horizon, the deadline
    from a time limit, and the period phrase holding for the rest of the current sentence."""

    raw: str
    norm: str
    horizon_end: int
    default_deadline: Optional[int]
    sentence_period: Optional[tuple[str, Optional[int]]] = None  # (phrase as written, year)

    def set_period(self, start: int, end: int) -> None:
        self.sentence_period = (self.raw[start:end], period_year(self.norm[start:end], self.horizon_end))


def task_targets(raw: str, norm: str, horizon_end: int, default_deadline: Optional[int] = None) -> list[TargetFound]:
    """Every quantitative target in a task text, in text order."""
    found: list[TargetFound] = []
    ctx = _Context(raw, norm, horizon_end, default_deadline)
    for s_start, s_end in sentences(norm):
        ctx.sentence_period = None
        pending_prefix: Optional[int] = None  # a period phrase standing alone before the clause
        for c_start, c_end in clauses(norm, s_start, s_end):
            if _period_only(norm, c_start, c_end):
                ctx.set_period(c_start, c_end)
                pending_prefix = c_start
                continue
            clause_period = PROPAGATING.search(norm, c_start, c_end)
            quantities = find_quantities(norm, c_start, c_end)
            if quantities:
                found += _clause_targets(ctx, c_start, c_end, quantities, pending_prefix)
            pending_prefix = None
            if clause_period:
                ctx.set_period(clause_period.start(), clause_period.end())
    return found


def _clause_targets(ctx: _Context, c_start: int, c_end: int, quantities: list[Quantity],
                    pending_prefix: Optional[int]) -> list[TargetFound]:
    """The targets of one clause: one per target phrase (group) and chosen quantity."""
    norm = ctx.norm
    found: list[TargetFound] = []
    groups = _groups(norm, c_start, c_end, quantities)
    list_mode = len(groups) > 1
    inherited_cmp_window: Optional[int] = None  # the first phrase's comparator governs a list
    for gi, (g_start, g_end, g_quantities, mode) in enumerate(groups):
        text_start = g_start
        if list_mode and gi == 0 and norm.startswith("做到", g_start):
            text_start = g_start + 2
        chosen = g_quantities if mode in ("each", "respectively") else _choose(norm, g_quantities, g_end)
        text_end = g_end
        if list_mode and chosen and norm[chosen[-1].stop:chosen[-1].stop + 1] == "的":
            text_end = chosen[-1].stop
        if pending_prefix is not None and gi == 0:
            text_start = pending_prefix
        text_start, text_end = _trim(norm, text_start, text_end)
        own_period = _own_period(norm, text_start, text_end)
        for qi, q in enumerate(chosen):
            cmp = _group_comparator(norm, g_start, q, chosen, mode)
            if list_mode and gi == 0 and cmp != "=":
                inherited_cmp_window = g_start
            if list_mode and gi > 0 and cmp == "=" and inherited_cmp_window is not None \
                    and not isinstance(q.value, tuple) and not q.suffix:
                cmp = comparator_for(norm, inherited_cmp_window, Quantity(g_start, g_start, g_start, q.value,
                                                                           q.unit, None))
            target = TargetFound(text_start, text_end, q.value, q.unit, cmp,
                                 direction_for(cmp, norm[g_start:q.start] + norm[q.stop:g_end]),
                                 metric=_metric(norm, g_start, q.start), notes=quantity_notes(q),
                                 clause=(c_start, c_end))
            if mode == "each":
                subjects = chosen_subjects(norm, g_start + _subject_start(norm[g_start:q.start]), q.start)
                target.metric = subjects[qi] if qi < len(subjects) else target.metric
            _set_period(target, own_period, ctx.sentence_period, ctx.horizon_end, ctx.default_deadline,
                        ctx.raw, norm)
            if isinstance(q.value, tuple) and not q.value[0] < q.value[1]:
                continue  # reported by the caller as RANGE_INVALID
            found.append(target)
    return found


def _group_comparator(norm: str, g_start: int, q: Quantity, chosen: list[Quantity], mode: str) -> str:
    if mode != "respectively":
        return comparator_for(norm, g_start, q)
    cmp = comparator_for(norm, g_start, q, suffix=chosen[-1].suffix)  # 分别降至9/10万和2.5‰以下
    if cmp == "=":
        cmp = comparator_for(norm, g_start, chosen[0], suffix=chosen[-1].suffix)
    return cmp


def invalid_ranges(norm: str) -> list[str]:
    return [norm[q.start:q.stop] for q in find_quantities(norm)
            if isinstance(q.value, tuple) and not q.value[0] < q.value[1]]


def chosen_subjects(norm: str, g_start: int, q_start: int) -> list[str]:
    text = norm[g_start:q_start]
    text = re.sub(r"各$", "", text)
    return [s for s in text.split("、") if s] or [text]


def _own_period(norm: str, start: int, end: int) -> Optional[tuple[int, int]]:
    m = PROPAGATING.search(norm, start, end) or LOCAL.search(norm, start, end)
    m2 = CLAUSE_YEAR.match(norm[start:end])
    if m:
        return m.start(), m.end()
    if m2:
        return start + m2.start(1), start + m2.end(0)
    return None


def _set_period(target: TargetFound, own: Optional[tuple[int, int]], sentence: Optional[tuple[str, int]],
                horizon_end: int, default_deadline: Optional[int], raw: str, norm: str) -> None:
    if own is not None:
        phrase = norm[own[0]:own[1]]
        target.period = raw[own[0]:own[1]]
        if PROPAGATING.fullmatch(phrase) or re.fullmatch(r"\d{4}年", phrase):
            target.deadline_year = period_year(phrase, horizon_end)
    elif sentence is not None:
        target.period = sentence[0]
    if target.deadline_year is None:
        if sentence is not None and sentence[1] is not None:
            target.deadline_year = sentence[1]
        else:
            target.deadline_year = default_deadline or horizon_end
    if target.deadline_year is not None and not 2000 <= target.deadline_year <= 2100:
        target.deadline_year = None


def _groups(norm: str, start: int, end: int, quantities: list[Quantity]):
    """(start, end, quantities, mode) per target phrase of a clause; mode 'one', 'each' or 'respectively'."""
    text = norm[start:end]
    if "分别" in text and len(quantities) > 1:
        return [(start, end, quantities, "respectively")]
    each = re.search(r"各(?=\d)", text)
    if each and len(quantities) == 1 and "、" in text[:each.start()]:
        q = quantities[0]
        subjects = chosen_subjects(norm, start + _subject_start(text[:each.start()]), q.start)
        return [(start, end, [q] * len(subjects), "each")]
    parts = _parts(norm, start, end)
    with_q = [(a, b, [q for q in quantities if a <= q.start < b]) for a, b in parts]
    counted = [p for p in with_q if p[2]]
    if len(counted) <= 1:
        return [(start, end, quantities, "one")]
    return [(a, b, qs, "one") for a, b, qs in counted]


def _subject_start(text: str) -> int:
    """Where the subjects listed before 各 begin: after the last verb-like word (培育, 引进 …)."""
    m = None
    for m in re.finditer(r"(?:培育|引进|新增|建设|建成|打造|创建|扶持|可上市的|的)", text):
        pass
    return m.end() if m else 0


# --------------------------------------------------------------------------- indicator targets

RUN_WORDS = re.compile(r"(?:年均|" + "|".join(sorted((re.escape(w) for w, _ in PREFIX_WORDS), key=len, reverse=True))
                       + r"|达|力争|保持)+$")
LEADING_VERBS = re.compile(r"^(?:实施|完成|实现|新增|引进|建成|建设|培育|力争|确保)")


@dataclass
class IndicatorTarget:
    name: str
    target: TargetFound


def indicator_targets(raw: str, norm: str, horizon_end: int, start: int = 0,
                      end: Optional[int] = None) -> list[IndicatorTarget]:
    """Name and target(s) of one indicator line body (without number, kind or assignment).

    One target: 'name + target' (劳动年龄人口平均受教育年限12.5年). Several clauses with a number each
    (实施重大项目210项,年度计划投资300亿元以上; 地区生产总值,2025年达到800亿元,年均增长7.5%) give one
    indicator per target; a first clause without a number is the name of all of them.
    """
    end = len(norm) if end is None else end
    while end > start and norm[end - 1] in "。;,. ":
        end -= 1
    spans = clauses(norm, start, end)
    sentence_period: Optional[tuple[str, int]] = None
    results: list[IndicatorTarget] = []
    shared_name: Optional[str] = None
    with_target = [(a, b) for a, b in spans if find_quantities(norm, a, b) or QUALITATIVE.search(norm, a, b)]
    single = len(with_target) <= 1
    for a, b in spans:
        if _period_only(norm, a, b):
            sentence_period = (raw[a:b], period_year(norm[a:b], horizon_end))
            continue
        qual = QUALITATIVE.search(norm, a, b)
        quantities = [q for q in find_quantities(norm, a, b) if not norm[q.stop:q.stop + 1] == "的"]
        if not quantities and not qual:
            if single and (a, b) != spans[-1] and not results:
                shared_name = raw[a:b].strip()
            elif not results:
                shared_name = raw[a:b].strip()
            continue
        name, target = _indicator_clause(raw, norm, a, b, qual, quantities, single)
        target.clause = (a, b)
        name = _indicator_name(name, shared_name, results)
        own = _own_period(norm, target.start, target.end)
        _set_period(target, own, sentence_period, horizon_end, None, raw, norm)
        if own is None and sentence_period is None:
            target.period = None
        results.append(IndicatorTarget(name or raw[a:b], target))
    return results


def _indicator_clause(raw: str, norm: str, a: int, b: int, qual, quantities: list[Quantity],
                      single: bool) -> tuple[str, TargetFound]:
    """(name as written before the target, target) of one indicator clause with a target in it."""
    if qual and (not quantities or qual.start() < quantities[-1].start):
        t_start = qual.start()
        name = raw[a:t_start].strip(" ,")
        target = TargetFound(t_start, qual.end() if single else b, None, None, "qualitative", "qualitative")
        if not single:
            target.start = a
    else:
        q = quantities[-1]
        name_end, t_start = _indicator_split(norm, a, q.start)
        if not single:
            t_start = a
        name = raw[a:name_end].strip(" ,")
        cmp = comparator_for(norm, a, q)
        target = TargetFound(t_start, b, q.value, q.unit, cmp, direction_for(cmp, norm[a:b]), notes=quantity_notes(q))
    name = LEADING_VERBS.sub("", name) if not single else name
    name = re.sub(r"^(?:\d{4}年|到\d{4}年|力争|[“\"]?十[一二三四五六七八九]五[”\"]?(?:期间|时期)?)+", "", name).strip(" ,")
    return name, target


def _indicator_name(name: str, shared_name: Optional[str], results: list[IndicatorTarget]) -> str:
    """A clause's name, completed from a shared first clause or the previous indicator of the line."""
    growth_only = re.fullmatch(r"(?:年均)?(?:增长|增速)?", name)
    if not name and shared_name:
        return shared_name  # 粮食综合生产能力,“十四五”稳定在1.2万吨
    if shared_name and growth_only:
        return shared_name + name
    if growth_only and name and results:
        return results[-1].name + name
    if not name and results:
        return results[-1].name
    return name


def _indicator_split(norm: str, start: int, q_start: int) -> tuple[int, int]:
    """(end of the name, start of the target text) before a quantity at q_start."""
    before = norm[start:q_start]
    m = RUN_WORDS.search(before)
    if m and m.group(0):
        return start + m.start(), start + m.start()
    if before.endswith("增长"):
        return q_start, q_start - 4 if before.endswith("年均增长") else q_start - 2
    return q_start, q_start
