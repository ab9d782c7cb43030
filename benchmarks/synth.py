"""Synthesize a plan of a given size for the scale benchmark.

`synth_plan(units)` returns plan data (a dict, as a plan file would hold) with realistic Chinese-ish
texts of realistic lengths: task texts of 250–700 characters (the bundled plan averages 500), titles
of 6–14 characters, 0–3 quantitative targets per task, 2–5 units per task (about a third of them
leads), indicators ~ units/3 with 1–3 units each. Deterministic for a given size and seed.
"""

from __future__ import annotations

import random
from typing import Any, Optional

STEMS = ("发改", "科经", "财政", "人社", "自规", "住建", "交通", "水务", "商务", "文旅", "卫健", "应急", "市监",
         "统计", "医保", "城管", "园林", "民政", "司法", "教育", "公安", "生态", "金融", "数据", "信访", "审计",
         "国资", "农业", "林业", "体育", "退役", "粮食", "能源", "人防", "气象", "档案", "机关", "招商", "口岸",
         "海关", "税务", "邮政", "电力", "燃气", "供水", "消防", "科协", "侨联", "妇联", "团委", "工会", "残联")
PLACES = ("东湖", "江岸", "江汉", "硚口", "汉阳", "武昌", "青山", "洪山", "东西湖", "汉南", "蔡甸", "江夏",
          "黄陂", "新洲", "沌口", "光谷", "临空", "长江", "南湖", "沙湖", "紫阳", "首义", "积玉桥", "杨园",
          "徐家棚", "中南", "珞珈", "白沙洲", "水果湖", "梅苑", "黄鹤楼", "中华路", "粮道街", "南湖山", "晒湖")
SUFFIX = (("局", "department"), ("办", "party_organ"), ("委", "party_organ"), ("中心", "department"),
          ("街道", "street_office"), ("管委会", "management_committee"), ("分局", "city_branch"))
VERBS = ("推进", "完善", "深化", "加快", "健全", "优化", "强化", "提升", "打造", "实施", "构建", "培育", "落实", "拓展")
OBJECTS = ("创新发展体制机制", "现代产业体系", "城市更新行动", "营商环境", "公共服务体系", "基层治理能力",
           "生态环境保护", "数字经济", "总部经济集聚区", "科技成果转化", "人才服务体系", "智慧城市建设",
           "历史文化街区保护", "城市安全韧性", "养老服务网络", "教育优质均衡", "医疗卫生服务", "就业创业服务",
           "消费提质扩容", "交通路网结构", "水环境综合治理", "绿色低碳转型", "金融服务实体经济", "对外开放平台")
CLAUSES = ("强化统筹协调作用，提高引导区域发展的能力和水平", "发挥政府引导基金和产业基金作用，积极引导社会资金投入",
           "推动形成龙头企业主导、高校院所参与、地方政府服务的发展格局", "优化配置空间资源，形成与企业发展相适应的园区格局",
           "建立健全服务体系，加快推进平台建设，推动重点项目落地", "着力提高成果转化成功率、项目实际投资率、技术就地转化率",
           "坚持问题导向和目标导向，补齐短板弱项，增强发展后劲", "完善考核评价机制，压实各方责任，确保各项任务落到实处",
           "深化“放管服”改革，推行“一网通办”“一事联办”，提升群众满意度", "加强部门协同和上下联动，形成工作合力",
           "支持金融机构与创新型企业、研发机构协同创新", "积极搭建技术、市场、资本、评估、产权等各方参与平台",
           "推进老旧小区改造和社区配套设施建设，改善人居环境", "实施重点行业节能降碳改造，推动能源结构优化")
METRICS = (("独角兽或准独角兽企业", "家"), ("高新技术企业", "家"), ("新增城镇就业", "万人"), ("研发投入强度", "%"),
           ("老旧小区改造", "个"), ("新建公共停车泊位", "个"), ("社会消费品零售总额增长", "%"), ("绿化覆盖率", "%"),
           ("亿元以上项目", "个"), ("地区生产总值", "亿元"), ("城市更新片区", "个"), ("人均预期寿命", "岁"))
IND_NAMES = ("地区生产总值增长", "一般公共预算收入增长", "固定资产投资增长", "城镇居民人均可支配收入增长",
             "城镇调查失业率", "单位地区生产总值能耗降低", "空气质量优良天数比率", "每千人口拥有执业医师数",
             "劳动年龄人口平均受教育年限", "研究与试验发展经费投入强度", "数字经济核心产业增加值占比",
             "每万人口高价值发明专利拥有量", "常住人口城镇化率", "人均预期寿命", "社会消费品零售总额增长")
NUMERALS = "一二三四五六七八九十"


def _unit_names(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """n unique (name, kind) pairs: 区发改局, 东湖街道, 江汉科经分局 …"""
    out, seen = [], set()
    i = 0
    while len(out) < n:
        stem = STEMS[i % len(STEMS)]
        place = "" if i < len(STEMS) else PLACES[(i // len(STEMS) - 1) % len(PLACES)]
        suffix, kind = SUFFIX[0] if i < len(STEMS) else SUFFIX[(i // len(STEMS)) % len(SUFFIX)]
        if kind == "street_office":
            name = f"{PLACES[i % len(PLACES)]}{stem[0]}{suffix}"
        else:
            name = f"{'区' if not place else place}{stem}{suffix}"
        if i >= len(STEMS) * len(PLACES):
            name = f"{name}{i}"
        i += 1
        if name in seen:
            continue
        seen.add(name)
        out.append((name, kind))
    return out


def _text(rng: random.Random, low: int, high: int) -> str:
    """Sentences of plan prose until the length is between low and high characters."""
    want = rng.randint(low, high)
    parts = []
    total = 0
    while total < want:
        s = f"{rng.choice(VERBS)}{rng.choice(OBJECTS)}。{rng.choice(CLAUSES)}。"
        parts.append(s)
        total += len(s)
    return "".join(parts)[:want].rstrip("，。") + "。"


def _target(rng: random.Random) -> dict[str, Any]:
    metric, unit = rng.choice(METRICS)
    value = float(rng.choice((3, 5, 6, 8, 10, 12, 20, 50, 100, 2.5, 7)))
    year = rng.choice((2023, 2024, 2025))
    num = f"{value:g}"
    return {"text": f"到{year}年，{metric}达到{num}{unit}以上", "metric": metric, "value": value, "unit": unit,
            "comparator": ">=", "direction": "higher_better", "deadline_year": year, "period": f"到{year}年"}


def synth_plan(units: int, *, tasks: Optional[int] = None, chapters: Optional[int] = None,
               indicators: Optional[int] = None, units_per_task: tuple[int, int] = (2, 5),
               seed: int = 1) -> dict[str, Any]:
    """Plan data with `units` reporting units; by default 4 tasks per unit, units/3 indicators,
    max(6, units/20) chapters."""
    rng = random.Random(seed * 100_003 + units)
    tasks = tasks if tasks is not None else 4 * units
    chapters = chapters if chapters is not None else max(6, units // 20)
    indicators = indicators if indicators is not None else max(3, units // 3)
    names = _unit_names(units, rng)
    unit_list = [{"id": f"u{i:04d}", "name": name, "kind": kind} for i, (name, kind) in enumerate(names)]
    all_names = [n for n, _ in names]
    # Every unit gets at least one task: deal units round-robin, then fill each task at random.
    order = all_names[:]
    rng.shuffle(order)
    deal = iter(order)

    def pick(k: int) -> tuple[list[str], list[str]]:
        chosen: list[str] = []
        for _ in range(k):
            nxt = next(deal, None)
            if nxt is not None and nxt not in chosen:
                chosen.append(nxt)
        while len(chosen) < k:
            c = rng.choice(all_names)
            if c not in chosen:
                chosen.append(c)
        leads = max(1, round(k / 3)) if rng.random() < 0.9 else 0
        return chosen[:leads], chosen[leads:]

    ind_list = []
    for n in range(indicators):
        kind = "binding" if n % 3 == 0 else "expected"
        name = IND_NAMES[n % len(IND_NAMES)] + ("" if n < len(IND_NAMES) else f"（{n // len(IND_NAMES) + 1}）")
        value = float(rng.choice((6, 7, 12.5, 3, 85, 2.5, 41.5)))
        leads, resp = pick(rng.randint(1, 3))
        ind_list.append({
            "id": f"{'B' if kind == 'binding' else 'E'}{n + 1:03d}", "kind": kind, "name": name,
            "text": f"{name}{value:g}%以上。",
            "target": {"text": f"{value:g}%以上", "value": value, "unit": "%", "comparator": ">=",
                       "direction": "higher_better", "deadline_year": 2025},
            "lead_units": leads, "responsible_units": resp})
    chap_list = []
    per_chapter = [tasks // chapters + (1 if c < tasks % chapters else 0) for c in range(chapters)]
    for c, count in enumerate(per_chapter):
        ch_tasks = []
        for t in range(count):
            leads, resp = pick(rng.randint(*units_per_task))
            ch_tasks.append({
                "id": f"T{c + 1}.{t + 1}", "title": _text(rng, 6, 14).rstrip("。"),
                "text": _text(rng, 250, 700),
                "assignment_text": f"(牵头单位:{'、'.join(leads)},责任单位:{'、'.join(resp)})",
                "lead_units": leads, "responsible_units": resp,
                "targets": [_target(rng) for _ in range(rng.choice((0, 1, 1, 2, 3)))]})
        label = NUMERALS[c] if c < 10 else str(c + 1)
        chap_list.append({"id": f"C{c + 1}", "title": f"第{label}章 坚持{rng.choice(OBJECTS)}", "tasks": ch_tasks})
    return {
        "id": f"synth-{units}", "title": f"合成规划（{units}个单位）任务分工方案", "issuer": "合成",
        "horizon": [2021, 2025], "units": unit_list, "indicators": ind_list, "chapters": chap_list,
    }


def load_synth(units: int, **kw):
    from xltoolkit.plans import plan_from_data

    return plan_from_data(synth_plan(units, **kw), f"<synth {units}>")


if __name__ == "__main__":
    import sys

    p = load_synth(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
    print(len(p.units), len(p.reporting_units), len(p.indicators), len(p.chapters), len(p.tasks))
