"""The bundled plan wuchang-2022 against its source document (武昌政办【2022】1号).

Expected counts and values below were taken by reading the source, not from the plan file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xltoolkit.plans import load_plan

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def plan():
    return load_plan("wuchang-2022")


@pytest.fixture(scope="module")
def source(plan) -> str:
    return (REPO / "samples" / "sources" / plan.source_file).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def source_lines(source) -> list[str]:
    return [line.strip() for line in source.split("\n") if line.strip()]


def all_targets(plan):
    return [(t, x) for t in plan.tasks for x in t.targets]


# --------------------------------------------------------------------------- metadata


def test_metadata(plan, source):
    assert plan.id == "wuchang-2022"
    assert plan.title == "武昌区2022年国民经济和社会发展计划"
    assert plan.issuer == "武昌区政府办"
    assert plan.doc_number == "武昌政办【2022】1号"
    assert plan.published == "2022-04-13"
    assert plan.source_file == "002_93ebdd97daf7e864.txt"
    assert tuple(plan.horizon) == (2022, 2022)
    assert [k.value for k in plan.period_kinds] == ["year", "half", "quarter"]
    for value in (plan.title, plan.issuer, plan.doc_number):
        assert value in source
    assert "公开日期: 2022年04月13日" in source


def test_no_units_anywhere(plan):
    assert plan.units_assigned is False
    assert plan.units == []
    items = [*plan.indicators, *plan.tasks]
    for item in items:
        assert item.lead_units == [] and item.responsible_units == [], item.id
        assert item.assignment_text is None, item.id
    assert plan.unassigned_indicators == plan.indicators
    assert plan.unassigned_tasks == plan.tasks
    assert plan.reporting_units == []


def test_decisions_recorded(plan):
    text = "\n".join(plan.decisions)
    for needle in ("【】", "〔〕", "待分配", "总体要求", "人大", "354", "两座", "E04", "E05"):
        assert needle in text, needle


# --------------------------------------------------------------------------- indicators

EXPECTED_INDICATORS = {
    # id: (name, value, unit, comparator, direction)
    "E01": ("地区生产总值增长", 7, "%", "=", "higher_better"),
    "E02": ("地方一般公共预算收入增长", 5, "%", "=", "higher_better"),
    "E03": ("全社会固定资产投资增长", 10, "%", "=", "higher_better"),
    "E04": ("重大项目", 210, "项", "=", "higher_better"),
    "E05": ("年度计划投资", 300, "亿元", ">=", "higher_better"),
    "E06": ("城镇居民人均可支配收入", None, None, "qualitative", "qualitative"),
    "E07": ("单位地区生产总值能耗降低率", None, None, "qualitative", "qualitative"),
}


def test_indicator_values(plan):
    assert [i.id for i in plan.indicators] == list(EXPECTED_INDICATORS)
    for ind in plan.indicators:
        name, value, unit, comparator, direction = EXPECTED_INDICATORS[ind.id]
        assert ind.kind.value == "expected", ind.id
        assert ind.name == name, ind.id
        assert ind.target.value == value, ind.id
        assert ind.target.unit == unit, ind.id
        assert ind.target.comparator.value == comparator, ind.id
        assert ind.target.direction.value == direction, ind.id
        assert ind.target.deadline_year == 2022, ind.id
    assert sum(1 for i in plan.indicators if i.target.comparator.value == "qualitative") == 2


def test_indicator_texts_are_the_source_lines(plan, source, source_lines):
    lines = [line for line in source_lines if line.startswith("——")]
    assert len(lines) == 6
    expected = [line[2:].rstrip(";。") for line in lines]
    texts = [i.text for i in plan.indicators]
    # E04 and E05 are the two halves of one line and share its text
    assert texts == expected[:4] + [expected[3]] + expected[4:]
    assert plan.indicators[3].text == plan.indicators[4].text == "实施重大项目210项,年度计划投资300亿元以上"
    for ind in plan.indicators:
        assert ind.text in source
        assert not ind.text.startswith("——") and ind.text[-1] not in ";。"
        assert ind.name in ind.text, ind.id
        assert ind.target.text in ind.text, ind.id


# --------------------------------------------------------------------------- chapters and tasks

EXPECTED_CHAPTERS = [
    ("C1", "激发创新活力,加快发展动能转化", ["强化创新资源集聚", "增强创新人才支撑", "加快数字经济赋能"]),
    ("C2", "扩大投资消费,激发经济内生动力", ["扎实推进项目建设", "全力以赴抓好招商", "畅通内外贸双循环"]),
    ("C3", "做强产业支撑,加速经济能级跃升", ["推动总部楼宇提质", "加强产业集群建设", "促进市场主体壮大"]),
    ("C4", "紧盯服务实效,打造一流营商环境", ["深化行政效能改革", "提升企业服务质效", "完善工作优化机制"]),
    ("C5", "坚持建管一体,提升城区功能品质", ["完善公共基础设施", "持续改善生态环境", "提升城市管理水平"]),
    ("C6", "丰富服务供给,提高群众福祉水平", ["做好基本民生保障", "加强健康武昌建设", "提升文化供给品质"]),
    ("C7", "强化问题导向,提高现代治理水平", ["深化法治武昌建设", "维护社会平安稳定", "提升社区治理效能"]),
]


def test_chapters_and_task_counts(plan):
    assert [(c.id, c.title) for c in plan.chapters] == [(cid, title) for cid, title, _ in EXPECTED_CHAPTERS]
    assert [len(c.tasks) for c in plan.chapters] == [3, 3, 3, 3, 3, 3, 3]
    assert len(plan.tasks) == 21
    for c, (cid, _, titles) in zip(plan.chapters, EXPECTED_CHAPTERS):
        assert [t.title for t in c.tasks] == titles
        assert [t.id for t in c.tasks] == [f"T{cid[1:]}.{n}" for n in range(1, len(titles) + 1)]


def test_tasks_are_exactly_the_source_paragraphs(plan, source_lines):
    start = source_lines.index("二、2022年国民经济和社会发展主要任务")
    section = source_lines[start + 1:]
    assert section[-1] == "人大"  # stray page residue after the last paragraph, not a task
    headings = [line for line in section if re.match(r"^\([一二三四五六七]\)", line)]
    paragraphs = [line for line in section[:-1] if line not in headings]
    assert [h[3:] for h in headings] == [c.title for c in plan.chapters]
    assert [t.text for t in plan.tasks] == paragraphs
    for t in plan.tasks:
        assert t.text.startswith(t.title + "。"), t.id
        assert "。" not in t.title


def test_general_requirements_is_not_a_task(plan):
    for t in plan.tasks:
        assert "总体要求" not in t.text
        assert not t.text.startswith("2022年全区国民经济和社会发展总体要求")


# --------------------------------------------------------------------------- targets

EXPECTED_TARGET_COUNTS = {
    "T1.1": 4, "T1.2": 1, "T1.3": 3,
    "T2.1": 0, "T2.2": 2, "T2.3": 2,
    "T3.1": 3, "T3.2": 0, "T3.3": 1,
    "T4.1": 0, "T4.2": 0, "T4.3": 0,
    "T5.1": 9, "T5.2": 0, "T5.3": 3,
    "T6.1": 2, "T6.2": 0, "T6.3": 1,
    "T7.1": 0, "T7.2": 0, "T7.3": 0,
}


def test_target_counts(plan):
    assert {t.id: len(t.targets) for t in plan.tasks} == EXPECTED_TARGET_COUNTS
    assert len(all_targets(plan)) == 31


def test_target_texts_are_verbatim_and_in_order(plan, source):
    for t in plan.tasks:
        pos = 0
        for x in t.targets:
            assert x.text in source
            i = t.text.find(x.text, pos)
            assert i >= 0, (t.id, x.text)
            pos = i + 1


def test_every_target_is_for_2022(plan):
    for t, x in all_targets(plan):
        assert x.deadline_year == 2022, (t.id, x.text)
        assert x.direction.value == "higher_better", (t.id, x.text)
        assert x.period in (None, "全年"), (t.id, x.text)
        if x.period:
            assert x.period in x.text, (t.id, x.text)


# Arabic numbers in task paragraphs that are not commitments (names, dates, scopes).
NOT_TARGETS = {("T2.1", "4"),  # 滨江核心区C4地块 (a site name)
               ("T5.3", "354"),  # 全区354条主干道… (scope of daily inspection)
               ("T6.3", "7.16")}  # 7.16渡江节 (an event name)


def test_every_arabic_number_is_covered(plan):
    for t in plan.tasks:
        spans = []
        pos = 0
        for x in t.targets:
            i = t.text.find(x.text, pos)
            spans.append((i, i + len(x.text)))
            pos = i + 1
        for m in re.finditer(r"\d+(?:\.\d+)?", t.text):
            covered = any(a <= m.start() and m.end() <= b for a, b in spans)
            if (t.id, m.group()) in NOT_TARGETS:
                assert not covered, (t.id, m.group())
            else:
                assert covered, (t.id, m.group())


SAMPLE_TARGETS = [
    # (task id, text, value, unit, comparator, period)
    ("T1.1", "新增1家省级以上科技创新平台", 1, "家", "=", None),
    ("T1.1", "引进独角兽、准独角兽企业不少于3家", 3, "家", ">=", None),
    ("T1.1", "新增省级以上专精特新“小巨人”企业8家", 8, "家", "=", None),
    ("T1.1", "选定3-5个领军型院士项目", (3, 5), "个", "range", None),
    ("T1.2", "新增留汉大学生3.7万人以上", 3.7, "万人", ">=", None),
    ("T1.3", "引进和培育数字经济企业20家", 20, "家", "=", None),
    ("T1.3", "举办人工智能活动5场", 5, "场", "=", None),
    ("T1.3", "对30家传统企业智能化、数字化改造", 30, "家", "=", None),
    ("T2.2", "全年招商引资实际到位资金700亿元以上", 700, "亿元", ">=", "全年"),
    ("T2.2", "新增亿元以上服务业项目不少于50个", 50, "个", ">=", None),
    ("T2.3", "实现社会消费品零售总额增长8%", 8, "%", "=", None),
    ("T2.3", "力争全年外贸进出口增幅达10%以上", 10, "%", ">=", "全年"),
    ("T3.1", "全年新增科技楼宇2栋", 2, "栋", "=", "全年"),
    ("T3.1", "亿元楼宇2栋", 2, "栋", "=", None),
    ("T3.1", "培育专业特色楼宇不少于8栋", 8, "栋", ">=", None),
    ("T3.3", "市场主体突破15万户", 15, "万户", ">", None),
    ("T5.1", "实现区级城建投资100亿元以上", 100, "亿元", ">=", None),
    ("T5.1", "新建微循环道路12条", 12, "条", "=", None),
    ("T5.1", "新增道路里程6公里", 6, "公里", "=", None),
    ("T5.1", "新增公共停车位2000个", 2000, "个", "=", None),
    ("T5.1", "集中式充电站8个", 8, "个", "=", None),
    ("T5.1", "充电桩1000根", 1000, "根", "=", None),
    ("T5.1", "完成水果湖闸、茶港两个管控分区共5.3平方公里海绵城市建设", 5.3, "平方公里", "=", None),
    ("T5.1", "加快武泰闸站、月亮湾站两座变电站建设", 2, "座", "=", None),
    ("T5.1", "分期启动27.2公里电力通道建设", 27.2, "公里", "=", None),
    ("T5.3", "新建口袋公园3个", 3, "个", "=", None),
    ("T5.3", "林荫大道5公里", 5, "公里", "=", None),
    ("T5.3", "立体绿化500平方米", 500, "平方米", "=", None),
    ("T6.1", "建成3个床位在100张以上的街道养老服务综合体", 3, "个", "=", None),
    ("T6.1", "建设800户家庭养老床位", 800, "户", "=", None),
    ("T6.3", "兴建3-4处社区体育智能设施", (3, 4), "处", "range", None),
]


def test_sample_targets(plan):
    tasks = {t.id: t for t in plan.tasks}
    for task_id, text, value, unit, comparator, period in SAMPLE_TARGETS:
        matches = [x for x in tasks[task_id].targets if x.text == text]
        assert len(matches) == 1, (task_id, text)
        x = matches[0]
        assert x.value == value, (task_id, text, x.value)
        assert x.unit == unit, (task_id, text, x.unit)
        assert x.comparator.value == comparator, (task_id, text)
        assert x.period == period, (task_id, text)
    # the sample lists every target of the plan, in order
    assert [(t.id, x.text) for t, x in all_targets(plan)] == [(s[0], s[1]) for s in SAMPLE_TARGETS]


def test_measures_and_target_ids(plan):
    import yaml
    from collections import Counter

    data = yaml.safe_load((REPO / "samples" / "plans" / "wuchang-2022.yaml").read_text(encoding="utf-8"))
    raw = [(task["id"], t) for c in data["chapters"] for task in c["tasks"] for t in task["targets"]]
    assert all(t.get("measure") for _, t in raw) and all(i["target"].get("measure") for i in data["indicators"])
    for task_id in dict.fromkeys(tid for tid, _ in raw):
        ids = [t["id"] for tid, t in raw if tid == task_id]
        assert ids == [f"{task_id}-{n}" for n in range(1, len(ids) + 1)]
    assert Counter(i.target.measure.value for i in plan.indicators) == {"rate": 3, "cumulative": 2, "qualitative": 2}
    assert Counter(x.measure.value for _, x in all_targets(plan)) == {"cumulative": 28, "rate": 2, "level": 1}
    by_text = {x.text: x.measure.value for _, x in all_targets(plan)}
    assert by_text["全年招商引资实际到位资金700亿元以上"] == "cumulative"  # an annual plan's 全年 adds up
    assert by_text["实现社会消费品零售总额增长8%"] == "rate"
    assert by_text["市场主体突破15万户"] == "level"  # a stock
