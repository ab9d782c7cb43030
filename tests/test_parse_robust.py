"""`xltool parse` never raises on odd input; what it returns is always a valid plan or nothing.

Property tests run a fixed set of examples in CI (derandomized: the same examples every run);
XLTOOL_FUZZ_EXAMPLES=5000 explores new ones (as tests/test_fuzz.py does). A case found that way is
added to `test_odd_documents`."""

import os
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


LONG_RUN = int(os.environ.get("XLTOOL_FUZZ_EXAMPLES", "0"))


def robust(ci_examples: int):
    return settings(max_examples=LONG_RUN or ci_examples, deadline=None, database=None, derandomize=not LONG_RUN,
                    suppress_health_check=[HealthCheck.too_slow])


def _check(text):
    result = parse_text(text, "doc.txt")
    if result.plan is not None:
        plan_from_data(result.data)
    assert all(w.code and w.line >= 0 for w in result.warnings)


@robust(150)
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_random_plan_like_fragments_never_raise(pieces):
    _check("".join(pieces))


@robust(60)
@given(st.text(max_size=400))
def test_random_text_never_raises(text):
    _check(text)


@robust(60)
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
    _check("一、主要任务\n二三、新建公园2个。\n一一、完成任务。\n十十十、再议。\n")  # numerals that are not numbers


def test_ten_thousand_lines_of_random_cjk():
    rng = random.Random(7)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)] + list("。,、;()1234567890%")
    lines = ["".join(rng.choice(chars) for _ in range(rng.randint(0, 60))) for _ in range(10_000)]
    _check("\n".join(lines))


# --------------------------------------------------------------------------- new inputs: tables, HTML, PDF text

CELLS = ["序号", "重点任务", "牵头单位", "配合单位", "完成时限", "责任领导", "一、产业", "(一)民生", "1", "", "新建公园2个。",
         "区发改局", "区财政局、各街道", "2023年底前", "2023.12", "张副区长", "类别", "各区、县级市", "X牵头,Y配合"]


@robust(80)
@given(st.lists(st.lists(st.tuples(st.sampled_from(CELLS), st.integers(0, 3)), min_size=1, max_size=6),
                max_size=12))
def test_random_tables_with_merges_never_raise(rows):
    from xltoolkit.parsing import parse_lines
    from xltoolkit.parsing.tables import Cell, table_lines

    grid, width = [], max((len(r) for r in rows), default=0)
    for r, row in enumerate(rows):
        cells = []
        for c, (text, merge) in enumerate(row):  # merge: 0 own cell, 1 from the left, 2 from above, 3 missing
            if merge == 1 and cells:
                cells.append(cells[-1])
            elif merge == 2 and r and c < len(grid[-1]):
                cells.append(grid[-1][c])
            elif merge == 3:
                cells.append(Cell("", None))
            else:
                cells.append(Cell(text, (r, c)))
        grid.append(cells + [Cell("", None)] * (width - len(cells)))
    result = parse_lines(table_lines(grid, lambda r: r + 1), "t.docx")
    if result.plan is not None:
        plan_from_data(result.data)


@robust(60)
@given(st.lists(st.sampled_from(["<table>", "</table>", "<tr>", "</tr>", "<td rowspan='3'>", "<td colspan=9999>",
                                 "<th>", "</td>", "<p>", "</p>", "<br>", "<script>", "</script>", "<nav>", "&amp;",
                                 "&#x4e00;", "序号", "重点任务", "牵头单位", "一、主要任务", "1.新建公园2个。", "区发改局",
                                 "<div class='nav'>", "</div>", "<!--", "-->"]), max_size=60))
def test_random_html_never_raises(pieces):
    from xltoolkit.parsing import parse_lines
    from xltoolkit.parsing.htmlpage import html_lines

    result = parse_lines(html_lines("".join(pieces)), "p.html")
    if result.plan is not None:
        plan_from_data(result.data)


@robust(20)
@given(st.lists(st.lists(st.sampled_from(PIECES[:40] + ["— 1 —", "第 2 页", "武昌区人民政府"]), max_size=8),
                min_size=1, max_size=4))
def test_random_pdf_pages_never_raise(pages):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from pdfmaker import make_pdf
    from xltoolkit.parsing.pdf import PdfError, pdf_lines

    try:
        lines = pdf_lines(make_pdf([["".join(p) or " "] for p in pages]))
    except PdfError as exc:
        assert exc.code == "PDF_NO_TEXT"
        return
    _check("\n".join(ln.raw for ln in lines))
