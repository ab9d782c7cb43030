"""`xltool parse` never raises on odd input; what it returns is always a valid plan or nothing."""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltoolkit.parsing import parse_text
from xltoolkit.parsing.text import DecodeError, decode_bytes, split_lines
from xltoolkit.plans import plan_from_data

PIECES = ["一、", "二、主要任务", "(一)", "（二）", "1.", "2．", "(1)", "①", "——", "。", ",", "、", ";", "(", ")", "（",
          "牵头单位:", "责任单位：", "落实单位:", "预期性指标", "约束性", "区发改局", "工信局等", "各街道", "到2025年", "未来五年",
          "全年", "达到", "以上", "以下", "左右", "控制在", "以内", "突破", "分别", "各", "和", "3-5个", "12.5%", "2.5%c",
          "9/10万", "18万人", "560亿元", "2022年10月底前", "完成市下达目标", "与经济增长保持同步", "\n", " ", "<p>",
          "&nbsp;", "“", "”", "主要指标", "工作要求", "0", "99", "年", "个"]


def _check(text):
    result = parse_text(text, "doc.txt")
    if result.plan is not None:
        plan_from_data(result.data)
    assert all(w.code and w.line >= 0 for w in result.warnings)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_random_plan_like_fragments_never_raise(pieces):
    _check("".join(pieces))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_raises(text):
    _check(text)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_decode_or_fail_cleanly(data):
    try:
        text, _ = decode_bytes(data)
    except DecodeError:
        return
    split_lines(text)
    _check(text)


def test_odd_documents():
    _check("")
    _check("\n\n\n")
    _check("一、主要任务\n二、主要指标\n(一)约束性指标\n(二)预期性指标\n三、工作要求\n")  # only headings
    _check("一、主要任务\n1.推进。(牵头单位:区发改局、(区财政局\n2.再推进。((责任单位:\n")  # unclosed brackets
    _check("主要指标\n1.地区生产总值增长5-3%。\n")  # an inverted range
    _check("一、主要任务\n1.任务。(牵头单位:区发改局;责任单位:区发改局)\n")  # one unit in both roles


def test_ten_thousand_lines_of_random_cjk():
    rng = random.Random(7)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)] + list("。,、;()1234567890%")
    lines = ["".join(rng.choice(chars) for _ in range(rng.randint(0, 60))) for _ in range(10_000)]
    _check("\n".join(lines))
