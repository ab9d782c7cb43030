"""The bundled plan wuchang-14fyp must match its source document (武昌政办〔2022〕11号) exactly."""

import itertools
import re
from pathlib import Path

import pytest

import yaml

from xltoolkit.plans import load_plan

ROOT = Path(__file__).resolve().parents[1]
PLAN_FILE = ROOT / "samples" / "plans" / "wuchang-14fyp.yaml"
SOURCE = (ROOT / "samples" / "sources" / "000_204739c3a34e3f44.txt").read_text(encoding="utf-8")
LINES = SOURCE.split("\n")

CN_NUM = "一二三四五六七"


@pytest.fixture(scope="module")
def plan():
    return load_plan("wuchang-14fyp")


def _all_targets(plan):
    for ind in plan.indicators:
        yield ind, ind.target
    for task in plan.tasks:
        for t in task.targets:
            yield task, t


def _task(plan, tid):
    return next(t for t in plan.tasks if t.id == tid)


def _item(plan, iid):
    return next((i for i in plan.indicators if i.id == iid), None) or _task(plan, iid)


# --------------------------------------------------------------------------- metadata


def test_metadata(plan):
    assert plan.id == "wuchang-14fyp"
    assert plan.title == "武昌区国民经济和社会发展第十四个五年规划和2035年远景目标纲要任务分工方案"
    assert plan.title in LINES  # the scheme's own heading line
    assert "2035年 远景" in SOURCE and "2035年 远景" not in plan.title
    assert any("2035年 远景" in d for d in plan.decisions)
    assert plan.issuer == "武昌区人民政府办公室"
    assert plan.doc_number == "武昌政办〔2022〕11号" and plan.doc_number in SOURCE
    assert plan.published == "2022-04-29" and "公开日期: 2022年04月29日" in SOURCE
    assert plan.source_file == "000_204739c3a34e3f44.txt"
    assert tuple(plan.horizon) == (2021, 2025)
    assert [k.value for k in plan.period_kinds] == ["year", "half", "quarter"]
    assert plan.units_assigned is True


# --------------------------------------------------------------------------- structure


def test_indicator_counts_and_ids(plan):
    assert len(plan.indicators) == 17
    binding = [i for i in plan.indicators if i.kind.value == "binding"]
    expected = [i for i in plan.indicators if i.kind.value == "expected"]
    assert [i.id for i in binding] == [f"B{n:02d}" for n in range(1, 7)]
    assert [i.id for i in expected] == [f"E{n:02d}" for n in range(1, 12)]
    assert [i.id for i in plan.indicators] == [i.id for i in binding + expected]  # document order


def test_chapters_and_task_counts(plan):
    assert [c.id for c in plan.chapters] == [f"C{n}" for n in range(1, 8)]
    assert [len(c.tasks) for c in plan.chapters] == [3, 3, 4, 3, 4, 3, 3]
    assert len(plan.tasks) == 23
    for ci, c in enumerate(plan.chapters, 1):
        assert f"({CN_NUM[ci - 1]}){c.title}" in LINES
        assert [t.id for t in c.tasks] == [f"T{ci}.{n}" for n in range(1, len(c.tasks) + 1)]


def test_source_has_exactly_these_chapters_and_tasks():
    sec = SOURCE[SOURCE.index("二、主要任务分工"):SOURCE.index("三、工作要求")]
    counts = []
    for line in sec.split("\n"):
        if re.match(r"^\([一二三四五六七]\)", line):
            counts.append(0)
        elif re.match(r"^\d+\.", line):
            counts[-1] += 1
    assert counts == [3, 3, 4, 3, 4, 3, 3]


# --------------------------------------------------------------------------- texts verbatim


def test_indicator_lines_verbatim(plan):
    start = SOURCE.index("(一)约束性指标")
    middle = SOURCE.index("(二)预期性指标")
    end = SOURCE.index("二、主要任务分工")
    for kind, lo, hi in (("binding", start, middle), ("expected", middle, end)):
        section = SOURCE[lo:hi].split("\n")
        items = [i for i in plan.indicators if i.kind.value == kind]
        for n, ind in enumerate(items, 1):
            assert f"{n}.{ind.text}{ind.assignment_text}" in section, ind.id
            assert ind.name in ind.text
            assert not ind.text.startswith(str(n))


def test_task_paragraphs_verbatim(plan):
    for c in plan.chapters:
        for n, task in enumerate(c.tasks, 1):
            paragraph = f"{n}.{task.text}{task.assignment_text}"
            # paragraphs are separated by one blank line in the source, joined by one newline in the plan
            assert "\n" + paragraph.replace("\n", "\n\n") + "\n" in SOURCE, task.id
            assert task.text.startswith(task.title + "。")
            assert "。" not in task.title
            assert "牵头" not in task.text and "责任单位" not in task.text


def test_multi_paragraph_task(plan):
    t31 = _task(plan, "T3.1")
    paras = t31.text.split("\n")
    assert len(paras) == 3
    assert paras[0].startswith("优化区域发展布局。建设“一岸”。")
    assert paras[1].startswith("建设“T轴”。")
    assert paras[2].startswith("建设一谷高水平推进")
    assert all("\n" not in t.text for t in plan.tasks if t.id != "T3.1")


def test_target_texts_inside_items_and_in_order(plan):
    for item in [*plan.indicators, *plan.tasks]:
        targets = [item.target] if hasattr(item, "target") else item.targets
        pos = prev = -1
        for t in targets:
            assert t.text in item.text, (item.id, t.text)
            found = item.text.find(t.text, max(pos, 0))
            if found < 0 or found == pos:  # two targets read from one phrase share its text
                found = item.text.find(t.text)
                assert found == prev, (item.id, t.text)
            assert found >= prev, (item.id, t.text)
            pos = found + 1
            prev = found


# --------------------------------------------------------------------------- targets


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _expected_comparator(text: str) -> str:
    """An independent reading of the comparator from the wording."""
    exceptions = {
        "执业(助理)医师数7人": ">=",  # governed by 达到 earlier in the list
        "注册护士数6.5人": ">=",
        "累计新增投资30亿元以上现代服务业项目10个": "=",  # 以上 qualifies the projects
    }
    if text in exceptions:
        return exceptions[text]
    if not re.search(r"\d", text):
        return "qualitative"
    if re.search(r"\d-\d", text):
        return "range"
    if "左右" in text:
        return "~"
    if re.search(r"以内|以下", text):  # 以下、以内 include the number itself
        return "<="
    if re.search(r"低于|小于", text):
        return "<"
    if re.search(r"突破|超过|大于|\d余", text):  # N余: more than N
        return ">"
    if re.search(r"以上|达到|达\d", text):
        return ">="
    return "="


def test_comparators_follow_the_wording(plan):
    for item, t in _all_targets(plan):
        assert t.comparator.value == _expected_comparator(t.text), (item.id, t.text)


def test_values_are_written_in_target_texts(plan):
    for item, t in _all_targets(plan):
        if t.value is None:
            assert t.comparator.value == "qualitative"
            continue
        if isinstance(t.value, tuple):
            assert f"{_fmt(t.value[0])}-{_fmt(t.value[1])}" in t.text, (item.id, t.text)
        else:
            assert _fmt(t.value) in t.text, (item.id, t.text)


def test_directions(plan):
    for item, t in _all_targets(plan):
        what = (item.name if hasattr(item, "target") else t.metric or "") + t.text
        if t.comparator.value == "qualitative":
            assert t.direction.value == "qualitative", (item.id, t.text)
        elif re.search(r"死亡率|失业率|发病率|性别比", what):
            assert t.direction.value == "lower_better", (item.id, t.text)
        else:
            assert t.direction.value == "higher_better", (item.id, t.text)
    lower = [(item.id, t.metric or item.name) for item, t in _all_targets(plan) if t.direction.value == "lower_better"]
    assert lower == [("E07", "城镇调查失业率"), ("T4.2", "孕产妇死亡率"), ("T4.2", "婴儿死亡率"),
                     ("T4.2", "出生人口性别比"), ("T4.2", "甲乙类传染病发病率"), ("T5.1", "城镇调查失业率")]


def test_deadlines_and_periods(plan):
    for item, t in _all_targets(plan):
        assert t.deadline_year == 2025, (item.id, t.text)
        if t.period is not None:
            assert t.period in item.text
        if "到2025年" in t.text:
            assert t.period == "到2025年"
        if "未来五年" in t.text:
            assert t.period == "未来五年"
    assert [i.id for i in plan.indicators if i.target.period] == ["E01", "E02"]
    assert {i.target.period for i in plan.indicators if i.target.period} == {"年均"}


def test_qualitative_indicators(plan):
    qual = [i.id for i in plan.indicators if i.target.comparator.value == "qualitative"]
    assert qual == ["B02", "B03", "B04", "B05", "E03", "E06"]
    for iid in qual:
        ind = _item(plan, iid)
        assert ind.target.value is None and ind.target.direction.value == "qualitative"
    assert _item(plan, "E06").target.text == "与经济增长保持同步"


def test_specific_indicator_targets(plan):
    b01 = _item(plan, "B01").target
    assert (b01.value, b01.unit, b01.comparator.value) == (12.5, "年", "=")
    b06 = _item(plan, "B06").target
    assert (b06.value, b06.unit, b06.comparator.value) == (41.51, "%", ">=")
    e01 = _item(plan, "E01").target
    assert (e01.value, e01.unit, e01.comparator.value, e01.period) == (7, "%", "~", "年均")
    e07 = _item(plan, "E07").target
    assert (e07.value, e07.unit, e07.comparator.value, e07.direction.value) == (6, "%", "<", "lower_better")
    e08 = _item(plan, "E08").target
    assert (e08.value, e08.unit, e08.comparator.value) == (7, "人", "=")
    e09 = _item(plan, "E09").target
    assert (e09.value, e09.comparator.value) == (99.4, ">")
    units = [i.target.unit for i in plan.indicators if i.target.unit]
    assert units == ["年", "%", "%", "%", "件", "%", "%", "人", "%", "个", "岁"]


def _target(plan, tid, metric):
    return next(t for t in _task(plan, tid).targets if t.metric == metric)


def test_specific_task_targets(plan):
    t = _task(plan, "T1.1").targets[0]
    assert (t.text, t.metric, t.value, t.unit, t.comparator.value, t.period) == (
        "到2025年,引进和培育独角兽或准独角兽企业6家以上", "独角兽或准独角兽企业", 6, "家", ">=", "到2025年")
    assert [(x.value, x.unit, x.period) for x in _task(plan, "T1.2").targets] == [
        (100, "个", "未来五年"), (100, "家", "未来五年"), (18, "万人", "未来五年")]
    assert _target(plan, "T2.1", "辖区各类500强、央企功能性总部").comparator.value == ">"
    finance = _target(plan, "T2.2", "金融业增加值")
    assert (finance.value, finance.unit, finance.comparator.value) == (560, "亿元", ">")
    a4 = _target(plan, "T2.2", "新增4A级以上旅游区")
    assert (a4.value, a4.unit, a4.comparator.value) == ((1, 2), "家", "range")
    infant = _target(plan, "T4.2", "婴儿死亡率")
    assert (infant.value, infant.unit, infant.comparator.value, infant.direction.value) == (
        2.5, "‰", "<=", "lower_better")
    assert "2.5%c" in infant.text and "‰" in infant.note
    maternal = _target(plan, "T4.2", "孕产妇死亡率")
    assert (maternal.value, maternal.unit, maternal.comparator.value) == (9, "/10万", "<=")
    sex = _target(plan, "T4.2", "出生人口性别比")
    assert (sex.value, sex.unit, sex.comparator.value, sex.direction.value) == (107, None, "<=", "lower_better")
    disease = _target(plan, "T4.2", "甲乙类传染病发病率")
    assert (disease.value, disease.unit, disease.comparator.value, disease.direction.value) == (
        180, "/10万", "<", "lower_better")
    unemployment = _target(plan, "T5.1", "城镇调查失业率")
    assert (unemployment.value, unemployment.comparator.value, unemployment.direction.value) == (6, "<=", "lower_better")
    roads = _target(plan, "T3.4", "完善污水管网的道路")
    assert (roads.value, roads.unit, roads.comparator.value) == (30, "条", ">") and roads.note
    pump = _target(plan, "T3.2", "巡司河泵站规划规模(流量Q)")
    assert (pump.value, pump.unit, pump.comparator.value) == (40, "m3/s", "=")
    assert [(x.value, x.unit) for x in _task(plan, "T4.1").targets[-3:]] == [(12, "张"), (7, "人"), (6.5, "人")]
    assert [x.metric for x in _task(plan, "T2.2").targets[-2:]] == ["可上市的外贸外资企业", "可上市的电商企业"]


def test_target_counts(plan):
    # counted by reading the source: see the decisions for what is and is not a target
    per_chapter = [sum(len(t.targets) for t in c.tasks) for c in plan.chapters]
    assert per_chapter == [5, 15, 19, 15, 7, 2, 0]
    per_task = {t.id: len(t.targets) for t in plan.tasks}
    assert per_task == {
        "T1.1": 1, "T1.2": 3, "T1.3": 1,
        "T2.1": 4, "T2.2": 11, "T2.3": 0,
        "T3.1": 2, "T3.2": 5, "T3.3": 7, "T3.4": 5,
        "T4.1": 7, "T4.2": 6, "T4.3": 2,
        "T5.1": 7, "T5.2": 0, "T5.3": 0, "T5.4": 0,
        "T6.1": 2, "T6.2": 0, "T6.3": 0,
        "T7.1": 0, "T7.2": 0, "T7.3": 0,
    }
    assert sum(per_chapter) == 63
    assert sum(1 for _ in _all_targets(plan)) == 63 + 17


def _raw_targets():
    data = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    return [i["target"] for i in data["indicators"]], [
        (task["id"], t) for c in data["chapters"] for task in c["tasks"] for t in task["targets"]]


def test_every_target_states_its_measure_and_task_targets_their_ids():
    indicators, tasks = _raw_targets()
    assert all(t.get("measure") for t in indicators) and all(t.get("measure") for _, t in tasks)
    for task_id, group in itertools.groupby(tasks, key=lambda x: x[0]):
        ids = [t["id"] for _, t in group]
        assert ids == [f"{task_id}-{n}" for n in range(1, len(ids) + 1)]


def test_counts_by_measure(plan):
    from collections import Counter

    indicators = Counter(i.target.measure.value for i in plan.indicators)
    tasks = Counter(t.measure.value for task in plan.tasks for t in task.targets)
    assert indicators == {"level": 9, "qualitative": 6, "rate": 2}
    assert tasks == {"cumulative": 27, "level": 36}


def test_measures_follow_the_wording(plan):
    def measure(task, metric_or_text):
        return next(t.measure.value for t in _task(plan, task).targets if metric_or_text in (t.metric or "") + t.text)

    assert {i.id: i.target.measure.value for i in plan.indicators if i.target.measure.value == "rate"} == {
        "E01": "rate", "E02": "rate"}  # 地区生产总值增长 年均7%左右, 全员劳动生产率增长 年均大于7%
    assert plan.indicators[0].target.measure.value == "level"  # 受教育年限12.5年
    assert measure("T1.1", "独角兽") == "cumulative"  # 引进和培育…6家以上
    assert measure("T2.1", "上市公司") == "level"  # a stock to reach
    assert measure("T2.2", "金融业增加值") == "level"
    assert measure("T4.1", "4个P2实验室") == "cumulative"  # the clause's verb 改造建成
    assert measure("T4.1", "注册护士数") == "level"  # 每千常住人口 … per thousand residents
    assert measure("T3.4", "30余条道路") == "cumulative"  # judgement call (manual edit)
    assert measure("T5.1", "城镇调查失业率") == "level"


# --------------------------------------------------------------------------- units and assignments


def _parse_assignment(text: str) -> tuple[list[str], list[str]]:
    """An independent reading of an assignment bracket (closed or not)."""
    body = text.strip()
    assert body.startswith("(")
    body = body[1:]
    if body.endswith(")"):
        body = body[:-1]
    lead, resp = [], []
    m = re.match(r"^\s*牵头(?:单位|部门):\s*(.*?)(?:[,;]\s*责任(?:单位|部门):\s*(.*))?$", body)
    if m:
        lead = re.split(r"[、,]", m.group(1))
        resp = re.split(r"[、,]", m.group(2)) if m.group(2) else []
    else:
        m = re.match(r"^\s*责任单位:\s*(.*)$", body)
        assert m, text
        resp = re.split(r"[、,]", m.group(1))
    return [x.strip() for x in lead if x.strip()], [x.strip() for x in resp if x.strip()]


def test_assignments_match_the_brackets(plan):
    for item in [*plan.indicators, *plan.tasks]:
        lead, resp = _parse_assignment(item.assignment_text)
        assert item.lead_units == [plan.unit(n).name for n in lead], item.id
        assert item.responsible_units == [plan.unit(n).name for n in resp], item.id


def test_sample_assignments(plan):
    expected = {
        "B01": ([], ["区教育局"]),
        "B04": ([], ["市生态环境局武昌分局"]),
        "B05": ([], ["市生态环境局武昌分局", "区水务和湖泊局"]),
        "E01": (["区发改局"], ["区科经局", "区建设局", "区商务局", "区房管局", "区金融局", "区人资局", "区税务局"]),
        "E09": ([], ["武昌社保处"]),
        "T1.2": (["区科经局", "区委组织部"], ["区市场监管局", "区企业人才中心"]),
        "T3.1": (["滨江商务区管委会", "华中金融城管委会", "武昌古城中心"],
                 ["区科经局", "区建设局", "区商务局", "区文旅局", "区金融局", "相关街道"]),
        "T3.2": (["区建设局", "区城改局", "区水务和湖泊局", "区城管局"],
                 ["区科经局", "区大数据中心", "滨江商务区管委会", "华中金融城管委会", "武昌古城中心", "相关街道"]),
        "T3.4": (["区水务和湖泊局", "市生态环境局武昌分局"],
                 ["区市场监管局", "区城管局", "区规划局", "区建设局", "区大数据中心", "相关街道"]),
        "T4.1": (["区卫健局"], []),
        "T4.2": (["区卫健局", "区民政局"], ["各街道", "区促进3岁以下婴幼儿照护服务发展工作联席会议组成成员单位"]),
        "T4.3": (["区文旅局", "区卫健局"], []),
        "T5.2": (["区教育局"], ["区公安分局", "区交通大队"]),
        "T5.3": (["武昌社保处", "区医保局", "区妇联", "区民政局"], ["区残联", "区退役军人局", "区公安分局"]),
        "T6.1": (["区委政法委"], ["区公安分局", "区大数据中心", "区信访局", "区网格化中心"]),
        "T6.2": (["区应急管理局"], ["区安委会成员单位", "区突发事件委员会成员单位", "区减灾委员会成员单位"]),
        "T6.3": (["区委组织部", "区委政法委"], ["区民政局", "区网格化中心", "区城管局"]),
        "T7.2": (["区委政法委", "区司法局"],
                 ["区公安分局", "区法院", "区检察院", "区发改局", "区市场监管局", "市生态环境局武昌分局",
                  "区城管局等各执法单位", "各普法成员单位", "各街道"]),
        "T7.3": (["区委办"], ["区商务局", "区金融局", "区文旅局", "区教育局", "区卫健局", "区市场监管局"]),
    }
    for iid, (lead, resp) in expected.items():
        item = _item(plan, iid)
        assert (item.lead_units, item.responsible_units) == (lead, resp), iid


def test_irregular_assignment_texts_kept_as_written(plan):
    assert _item(plan, "E01").assignment_text.startswith("( 牵头单位:区发改局;责任单位:")
    assert _item(plan, "B04").assignment_text == "(责任单位: 市生态环境局武昌分局)"
    for tid in ("T6.1", "T6.2"):
        t = _task(plan, tid)
        assert not t.assignment_text.endswith(")") and any("never closed" in n for n in t.notes)
    assert _task(plan, "T6.1").assignment_text.endswith("区网格化中心")
    assert _task(plan, "T6.2").assignment_text.endswith("区减灾委员会成员单位")
    assert _task(plan, "T6.3").assignment_text.startswith("(牵头部门:")
    ends_closed = [i.id for i in [*plan.indicators, *plan.tasks] if not i.assignment_text.endswith(")")]
    assert ends_closed == ["T6.1", "T6.2"]


def test_aliases_resolve_to_one_unit(plan):
    pairs = [
        ("区水务和湖泊局", "区水务湖泊局"),
        ("市生态环境局武昌分局", "武汉市生态环境局武昌分局"),
        ("区公安分局", "武昌区公安分局"),
        ("区委政法委", "区政法委"),
        ("区委组织部", "区委组织部(人才科)"),
    ]
    for canonical, alias in pairs:
        unit = plan.unit(alias)
        assert unit is not None and unit is plan.unit(canonical)
        assert unit.name == canonical and alias in unit.aliases
    assert sum(len(u.aliases) for u in plan.units) == 5
    names = [n for u in plan.units for n in (u.name, *u.aliases)]
    assert len(names) == len(set(names))


def test_units(plan):
    assert len(plan.units) == 48
    ids = [u.id for u in plan.units]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z][a-z0-9]*", i) for i in ids)
    # every unit is used and every spelling occurs in some assignment bracket
    # every unit reports, except a collective whose members report in its place (区城管局等各执法单位)
    expanded = [u.name for u in plan.units if not plan.members_of(u.name)]
    assert [u.name for u in plan.reporting_units] == expanded
    assert [u.name for u in plan.units if plan.members_of(u.name)] == ["区城管局等各执法单位"]
    brackets = "".join(i.assignment_text for i in [*plan.indicators, *plan.tasks])
    for u in plan.units:
        for spelling in (u.name, *u.aliases):
            assert spelling in brackets, spelling
    kinds = {u.name: u.kind.value for u in plan.units}
    assert kinds["区委组织部"] == kinds["区委政法委"] == kinds["区委办"] == "party_organ"
    assert kinds["区妇联"] == kinds["区残联"] == "mass_organization"
    assert kinds["区法院"] == kinds["区检察院"] == "judicial"
    assert kinds["滨江商务区管委会"] == kinds["华中金融城管委会"] == kinds["武昌古城中心"] == "management_committee"
    for name in ("市生态环境局武昌分局", "武昌社保处", "区税务局", "区交通大队", "区公安分局"):
        assert kinds[name] == "city_branch", name
    for name in ("区企业人才中心", "区大数据中心", "区网格化中心", "区发改局", "区科经局"):
        assert kinds[name] == "department", name
    collectives = {u.name: u.members for u in plan.units if u.kind.value == "collective"}
    assert collectives == {
        "相关街道": [], "各街道": [], "区促进3岁以下婴幼儿照护服务发展工作联席会议组成成员单位": [],
        "区安委会成员单位": [], "区突发事件委员会成员单位": [], "区减灾委员会成员单位": [],
        "区城管局等各执法单位": ["区城管局"], "各普法成员单位": [],
    }
    assert plan.unit("qfgj").name == "区发改局" and plan.unit("qfgj2").name == "区房管局"
    assert plan.unit("qkjj").name == "区科经局"


def test_decisions_recorded(plan):
    text = "\n".join(plan.decisions)
    for needle in ("区委组织部(人才科)", "2035年 远景", "never closed", "牵头部门", "2.5%c", "30余条",
                   "区水务湖泊局", "武汉市生态环境局武昌分局", "武昌区公安分局", "区政法委", "武昌古城中心",
                   "deadline_year 2025", "Q=40m3/s"):
        assert needle in text, needle
    assert any("2.5%c" in n for n in _task(plan, "T4.2").notes)
    assert any("社保保险体系" in n for n in _task(plan, "T5.3").notes)
    assert any("区委组织部(人才科)" in n for n in _task(plan, "T1.2").notes)
