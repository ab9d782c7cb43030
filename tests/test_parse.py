"""Unit tests of xltoolkit.parsing, module by module, and the genre variants in tests/parse_docs/."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from xltoolkit.cli import main
from xltoolkit.labels import get_labels
from xltoolkit.parsing import parse_lines, parse_text, read_document
from xltoolkit.parsing.assignments import find_bracket, own_line_assignment, parse_assignment
from xltoolkit.parsing.structure import classify
from xltoolkit.parsing.targets import indicator_targets, task_targets
from xltoolkit.parsing.text import DecodeError, decode_bytes, make_line, normalize, split_lines
from xltoolkit.parsing.units import expand_abbreviation, similar, unit_kind
from xltoolkit.plans import plan_from_data

DOCS = Path(__file__).parent / "parse_docs"


def targets_of(text, horizon_end=2025):
    return [t.to_data(text) for t in task_targets(text, normalize(text), horizon_end)]


def one(text, horizon_end=2025):
    found = targets_of(text, horizon_end)
    assert len(found) == 1, found
    return found[0]


def parse_doc(name):
    lines, _ = read_document(DOCS / name)
    result = parse_lines(lines, name)
    assert result.plan is not None, [w for w in result.warnings]
    plan_from_data(result.data)  # the output is a valid plan file
    return result


def codes(result):
    return [w.code for w in result.warnings]


# --------------------------------------------------------------------------- text.py

def test_decode_utf8_bom_gb18030_and_junk():
    text = "一、主要任务（牵头单位：区发改局）"
    assert decode_bytes(text.encode("utf-8")) == (text, "utf-8")
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))[0] == text
    assert decode_bytes(text.encode("gb18030")) == (text, "gb18030")
    assert decode_bytes(text.encode("gbk"))[0] == text
    with pytest.raises(DecodeError):
        decode_bytes(b"\x00\x01\x02PK" * 50)


def test_normalize_is_same_length_and_half_width():
    raw = "（牵头单位：区发改局，责任单位：区财政局；９８％）　"
    norm = normalize(raw)
    assert len(norm) == len(raw)
    assert norm == "(牵头单位:区发改局,责任单位:区财政局;98%) "


def test_html_remnants_blank_lines_and_line_numbers():
    lines = split_lines("<p>第一段&nbsp;文字</p>\n\n\n<p>二、重点任务</p><p>1．推进。</p>\r\n")
    assert [(ln.number, ln.raw) for ln in lines] == [(1, "第一段 文字"), (4, "二、重点任务"), (4, "1．推进。")]


# --------------------------------------------------------------------------- targets.py

@pytest.mark.parametrize("text, comparator, value, unit", [
    ("引进和培育独角兽企业6家以上", ">=", 6, "家"),
    ("上市公司达到8家", ">=", 8, "家"),
    ("新增项目不少于50个", ">=", 50, "个"),
    ("金融业增加值力争突破560亿元", ">", 560, "亿元"),
    ("社会消费品零售总额超过1200亿元", ">", 1200, "亿元"),
    ("比重大于10%", ">", 10, "%"),
    ("城镇调查失业率控制在6%以内", "<=", 6, "%"),
    ("企业开办时间压缩至1个工作日以内", "<=", 1, "个工作日"),
    ("甲乙类传染病发病率低于180/10万", "<", 180, "/10万"),
    ("城镇调查失业率小于6%", "<", 6, "%"),
    ("PM2.5平均浓度降至35微克/立方米以下", "<=", 35, "微克/立方米"),  # 以下 includes the number
    ("生育率保持在1.5以上", ">=", 1.5, None),
    ("地区生产总值增长7%左右", "~", 7, "%"),
    ("建设3-5个文化地标", "range", [3, 5], "个"),
    ("兴建3至4处社区体育设施", "range", [3, 4], "处"),
    ("建设35.5公里电力通道", "=", 35.5, "公里"),
    ("吸引大学生留汉18万人", "=", 18, "万人"),
    ("完善30余条道路的污水管网", ">", 30, "条"),  # 余: more than 30
    ("粮食产量稳定在1.2万吨", ">=", 1.2, "万吨"),
    ("经济增长7.5%—8%", "range", [7.5, 8], "%"),
    ("加快两座变电站建设", "=", 2, "座"),
])
def test_comparators_values_units(text, comparator, value, unit):
    t = one(text)
    assert (t["comparator"], t["value"], t["unit"]) == (comparator, value, unit)
    assert t["text"] in text


def test_units_keep_multipliers_and_compound_units():
    assert one("到2025年,金融业增加值突破560亿元")["unit"] == "亿元"
    assert one("累计完成总建设规模258万平方米")["unit"] == "万平方米"
    assert one("路网密度达到5.98千米/平方公里")["unit"] == "千米/平方公里"
    assert one("人均公共体育场地面积达到2平方米/人")["unit"] == "平方米/人"


def test_per_mille_and_the_percent_c_slip():
    assert one("婴儿死亡率降至3‰以下")["unit"] == "‰"
    t = one("婴儿死亡率降至2.5%c以下")
    assert (t["value"], t["unit"], t["comparator"], t["direction"]) == (2.5, "‰", "<=", "lower_better")
    assert "%c" in t["note"]


def test_direction_lower_better_words():
    assert one("城镇调查失业率6%")["direction"] == "lower_better"
    assert one("婴儿死亡率3‰")["direction"] == "lower_better"
    assert one("单位GDP能耗下降3%")["direction"] == "higher_better"  # a reduction is higher-better
    assert one("森林覆盖率42%")["direction"] == "higher_better"


def test_two_targets_in_one_phrase():
    found = targets_of("孕产妇死亡率、婴儿死亡率分别降至9/10万和2.5%c以下。")
    assert [(t["value"], t["unit"], t["comparator"]) for t in found] == [(9, "/10万", "<="), (2.5, "‰", "<=")]
    assert found[0]["text"] == found[1]["text"]
    found = targets_of("改造建成1个P2+实验室和4个P2实验室。")
    assert [t["text"] for t in found] == ["改造建成1个P2+实验室", "4个P2实验室"]
    found = targets_of("力争累计培育外贸企业、电商企业各10家。")
    assert len(found) == 2 and {t["metric"] for t in found} == {"外贸企业", "电商企业"}
    found = targets_of("全年新增科技楼宇2栋、亿元楼宇2栋,培育专业楼宇不少于8栋。", 2022)
    assert [(t["text"], t["period"]) for t in found] == [("全年新增科技楼宇2栋", "全年"), ("亿元楼宇2栋", None),
                                                         ("培育专业楼宇不少于8栋", None)]


def test_list_governed_by_one_verb_shares_its_comparator():
    found = targets_of("到2025年,达到每千常住人口编制床位数12张、执业(助理)医师数7人、注册护士数6.5人的保障水平。")
    assert [(t["text"], t["comparator"]) for t in found] == [
        ("到2025年,达到每千常住人口编制床位数12张", ">="), ("执业(助理)医师数7人", ">="), ("注册护士数6.5人", ">=")]


def test_not_targets():
    text = ("打造“10分钟医疗急救圈”,建设5G网络、11号线三期,推进5.5产业园和4A级景区,进入全国500强,"
            "建设0-3岁示范托育中心,强化全区354条道路巡查,第2批项目,2025年,24小时服务,7.16渡江节。")
    assert targets_of(text) == []


def test_qualifier_numbers_are_part_of_the_metric():
    t = one("建成3个床位在100张以上的街道养老服务综合体")
    assert (t["value"], t["unit"]) == (3, "个")
    t = one("累计新增投资30亿元以上现代服务业项目10个")
    assert (t["value"], t["unit"], t["comparator"]) == (10, "个", "=")


def test_deadlines_and_period_phrases():
    found = targets_of("到2025年,引进企业6家以上,建成平台10个。", 2025)
    assert [(t["text"], t["period"], t["deadline_year"]) for t in found] == [
        ("到2025年,引进企业6家以上", "到2025年", 2025), ("建成平台10个", "到2025年", 2025)]
    found = targets_of("2022年10月底前完成排查,整改率达到100%。", 2025)
    assert (found[0]["period"], found[0]["deadline_year"]) == ("2022年10月底前", 2022)
    t = one("未来五年累计新增就业人数10.5万人", 2025)
    assert (t["period"], t["deadline_year"]) == ("未来五年", 2025)
    t = one("全年招商引资实际到位资金700亿元以上", 2022)
    assert (t["period"], t["deadline_year"]) == ("全年", 2022)


def test_indicator_targets_name_and_target():
    def ind(text, end=2025):
        return [(x.name, text[x.target.start:x.target.end], x.target.comparator, x.target.period)
                for x in indicator_targets(text, normalize(text), end)]

    assert ind("劳动年龄人口平均受教育年限12.5年。") == [("劳动年龄人口平均受教育年限", "12.5年", "=", None)]
    assert ind("地区生产总值增长年均7%左右。") == [("地区生产总值增长", "年均7%左右", "~", "年均")]
    assert ind("地区生产总值增长7%") == [("地区生产总值增长", "增长7%", "=", None)]
    assert ind("居民人均可支配收入增长与经济增长保持同步。") == [
        ("居民人均可支配收入增长", "与经济增长保持同步", "qualitative", None)]
    assert ind("单位地区生产总值能耗降低完成省下达目标") == [
        ("单位地区生产总值能耗降低", "完成省下达目标", "qualitative", None)]
    assert ind("实施重大项目210项,年度计划投资300亿元以上", 2022) == [
        ("重大项目", "实施重大项目210项", "=", None), ("年度计划投资", "年度计划投资300亿元以上", ">=", None)]
    assert ind("数字经济核心产业增加值,2025年达到800亿元,“十四五”年均增长7.5%") == [
        ("数字经济核心产业增加值", "2025年达到800亿元", ">=", "2025年"),
        ("数字经济核心产业增加值年均增长", "“十四五”年均增长7.5%", "=", "年均")]
    assert ind("到2025年,全区软件业营业收入力争突破3000亿元,年均增长7%以上") == [
        ("全区软件业营业收入", "全区软件业营业收入力争突破3000亿元", ">", "到2025年"),
        ("全区软件业营业收入年均增长", "年均增长7%以上", ">=", "年均")]


def test_target_text_is_an_exact_substring_with_source_punctuation():
    text = "推进“一网通办”。政务服务事项网上可办率达到９８％以上，全年办理业务不少于３０００件。"
    found = targets_of(text, 2023)
    assert [t["text"] for t in found] == ["政务服务事项网上可办率达到９８％以上", "全年办理业务不少于３０００件"]
    assert [t["value"] for t in found] == [98, 3000]


# --------------------------------------------------------------------------- assignments.py

def _assign(line):
    raw = line
    norm = normalize(raw)
    a, b, unclosed = find_bracket(norm)
    return raw[a:b], parse_assignment(raw, norm, a, b, unclosed)


@pytest.mark.parametrize("label, role", [
    ("牵头单位", "lead"), ("牵头部门", "lead"), ("主责单位", "lead"), ("责任单位", "responsible"),
    ("配合单位", "responsible"), ("协办单位", "responsible"), ("参与单位", "responsible"),
    ("责任部门", "responsible"), ("落实单位", "responsible"),
])
def test_labels(label, role):
    text, a = _assign(f"推进工作。({label}:区发改局、区财政局)")
    assert text == f"({label}:区发改局、区财政局)"
    assert (a.lead if role == "lead" else a.responsible) == ["区发改局", "区财政局"]


def test_bracket_with_kind_semicolons_commas_and_nesting():
    text, a = _assign("1.地区生产总值年均增长6.5%左右。（预期性指标，牵头单位：市发改委；责任单位：市政府有关部门，各县市区）")
    assert text.startswith("（预期性指标") and a.kind == "expected"
    assert a.lead == ["市发改委"] and a.responsible == ["市政府有关部门", "各县市区"]
    _, a = _assign("任务。(牵头单位:区科经局、区委组织部(人才科),责任单位:区金融局)")
    assert a.lead == ["区科经局", "区委组织部(人才科)"]


def test_unclosed_bracket_reads_to_the_end():
    text, a = _assign("任务。(牵头单位:区政法委,责任单位:区公安分局、区信访局")
    assert a.unclosed and a.responsible == ["区公安分局", "区信访局"]
    assert ("BRACKET_UNCLOSED" in [c for c, _ in a.issues])


def test_abbreviations_and_etc():
    a = own_line_assignment("落实单位:区发改局、工信局、水利局等", normalize("落实单位:区发改局、工信局、水利局等"))
    assert a.responsible == ["区发改局", "区工信局", "区水利局"]
    issues = [c for c, _ in a.issues]
    assert issues.count("UNIT_ABBREVIATION") == 2 and "LIST_ENDS_ETC" in issues
    _, a = _assign("任务。(责任单位:区城管局等各执法单位、滨江商务区管委会、武昌古城中心)")
    assert a.responsible == ["区城管局等各执法单位", "滨江商务区管委会", "武昌古城中心"]
    assert expand_abbreviation("财政局", "市发改委") == "市财政局"
    assert expand_abbreviation("武昌古城中心", "区发改局") is None


# --------------------------------------------------------------------------- units.py

def test_unit_kinds_by_suffix():
    assert unit_kind("区发改局")[0] == "department"
    assert unit_kind("区委组织部(人才科)")[0] == "party_organ"
    assert unit_kind("区政法委")[0] == "party_organ"
    assert unit_kind("区妇联")[0] == "mass_organization"
    assert unit_kind("区检察院")[0] == "judicial"
    assert unit_kind("滨江商务区管委会")[0] == "management_committee"
    assert unit_kind("市生态环境局武昌分局")[0] == "city_branch"
    assert unit_kind("区税务局")[0] == "city_branch"
    assert unit_kind("武昌社保处")[0] == "city_branch"
    assert unit_kind("中华路街道办事处")[0] == "street_office"
    assert unit_kind("各街道")[0] == "collective"
    assert unit_kind("区安委会成员单位")[0] == "collective"


def test_alias_suggestions():
    assert similar("区水务湖泊局", "区水务和湖泊局") == "inserted_chars"
    assert similar("武汉市生态环境局武昌分局", "市生态环境局武昌分局") == "place_prefix"
    assert similar("区委组织部(人才科)", "区委组织部") == "section"
    assert similar("区城管局", "区城改局") is None
    assert similar("区城管局", "区城管局等各执法单位") is None


# --------------------------------------------------------------------------- structure.py

@pytest.mark.parametrize("line, kind, level", [
    ("一、主要任务分工", "heading", 1), ("(一)坚持创新驱动,塑造发展新优势", "heading", 2),
    ("（二）推进城市更新。完成改造3000户。", "item", 2), ("1.完善创新发展体制机制。建强…", "item", 3),
    ("1．推进“一网通办”。", "item", 3), ("(1)新建中小学3所。", "item", 4), ("1)城镇新增就业5000人以上。", "item", 4),
    ("①建成社区卫生服务中心2个。", "item", 5), ("——地区生产总值增长7%;", "dash", 6),
    ("主要指标分工", "heading", 1), ("2022年经济社会发展的主要目标预安排:", "para", 9),
])
def test_numbering_styles(line, kind, level):
    block = classify(make_line(1, line))
    assert (block.kind, block.level) == (kind, level)


# --------------------------------------------------------------------------- genre documents

def test_fullwidth_punctuation_html_remnants_and_blank_lines():
    r = parse_doc("fullwidth_html.txt")
    d = r.data
    assert (d["title"], d["doc_number"], d["published"], d["issuer"]) == (
        "临江区2023年优化营商环境重点任务分工方案", "临政办〔2023〕7号", "2023-03-15", "临江区人民政府办公室")
    assert [c["title"] for c in d["chapters"]] == ["提升政务服务效能", "强化要素保障"]  # preambles skipped
    t = d["chapters"][0]["tasks"][0]
    assert t["assignment_text"] == "（牵头单位：区行政审批局；责任单位：区大数据中心、各街道）"  # kept as written
    assert t["text"].startswith("推进“一网通办”。政务服务事项网上可办率达到98％以上，")
    assert t["targets"][0]["text"] == "政务服务事项网上可办率达到98％以上"
    land = d["chapters"][1]["tasks"][0]
    assert "\n推行“标准地”出让" in land["text"] and len(land["targets"]) == 2  # <br> continues the task
    assert all("&nbsp;" not in t["text"] and "<p>" not in t["text"] for c in d["chapters"] for t in c["tasks"])
    assert sum(len(c["tasks"]) for c in d["chapters"]) == 5


def test_all_label_words():
    d = parse_doc("labels.txt").data
    tasks = d["chapters"][0]["tasks"]
    assert [(t["lead_units"], t["responsible_units"]) for t in tasks[:5]] == [
        (["市工信局"], ["市通信发展办"]), (["市科技局"], ["市财政局", "市税务局"]), (["市大数据局"], ["市政务办"]),
        (["市文旅局"], ["各区县人民政府"]), ([], ["市委网信办", "市公安局"])]
    assert tasks[5]["responsible_units"] == ["市住建局"]  # listed as lead too: kept as lead only
    assert tasks[0]["targets"][0]["value"] == 1200  # 5G is not a number


def test_responsibility_on_its_own_line_abbreviations_and_etc():
    r = parse_doc("own_line.txt")
    tasks = [t for c in r.data["chapters"] for t in c["tasks"]]
    assert tasks[0]["responsible_units"] == ["区住房保障局", "区城管局", "区水利局"]
    assert tasks[0]["assignment_text"] == "落实单位:区住房保障局、城管局、水利局等"
    assert (tasks[1]["lead_units"], tasks[1]["responsible_units"]) == (["区民政局"], ["区卫健局", "区财政局"])
    assert tasks[3]["responsible_units"] == ["区园林局", "区城管局"]
    assert (tasks[4]["lead_units"], tasks[4]["responsible_units"]) == (["区住建局"], ["区生态环境分局", "区城管局"])
    assert codes(r).count("UNIT_ABBREVIATION") == 3 and codes(r).count("LIST_ENDS_ETC") == 2
    assert {w.line for w in r.warnings if w.code == "LIST_ENDS_ETC"} == {10, 22}


def test_kind_in_the_assignment_bracket():
    d = parse_doc("bracket_kind.txt").data
    assert [(i["id"], i["name"]) for i in d["indicators"]] == [
        ("B01", "单位地区生产总值能耗降低"), ("B02", "森林覆盖率"), ("E01", "地区生产总值年均增长"),
        ("E02", "城镇调查失业率"), ("E03", "常住人口城镇化率")]
    e1 = d["indicators"][2]
    assert e1["responsible_units"] == ["市政府有关部门", "各县市区"] and e1["text"] == "地区生产总值年均增长6.5%左右。"
    assert d["horizon"] == [2021, 2025]
    assert [t["value"] for c in d["chapters"] for t in c["tasks"] for t in t["targets"]] == [50, 1000, 2000, 8, 35]


def test_numbering_continuous_across_chapters_and_preambles():
    r = parse_doc("numbering_continuous.txt")
    d = r.data
    assert [c["title"] for c in d["chapters"]] == ["推动产业转型升级", "提升城市品质"]
    assert [len(c["tasks"]) for c in d["chapters"]] == [2, 2]  # 分工原则 and 工作要求 are not tasks
    assert "NUMBER_GAP" not in codes(r)
    pm = d["chapters"][1]["tasks"][1]["targets"][0]
    assert (pm["comparator"], pm["direction"], pm["unit"]) == ("<=", "lower_better", "微克/立方米")  # 降至…以下


def test_numbering_restarting_parenthesized_and_circled():
    r = parse_doc("numbering_circled.txt")
    d = r.data
    assert [len(c["tasks"]) for c in d["chapters"]] == [2, 2, 1]
    assert d["chapters"][1]["tasks"][1]["targets"][0]["unit"] == "万人次"  # 65岁以上 qualifies, not a target
    assert "NUMBER_GAP" not in codes(r)


def test_number_gap_is_reported():
    r = parse_text("一、主要任务\n1.任务一。新建公园2个。\n3.任务三。新建公园3个。\n")
    assert [w.code for w in r.warnings if w.code == "NUMBER_GAP"] == ["NUMBER_GAP"]


def test_indicators_with_two_targets_and_inside_a_sentence():
    d = parse_doc("indicators_two_targets.txt").data
    assert d["horizon"] == [2023, 2025]
    got = [(i["name"], i["target"]["value"], i["target"]["comparator"], i["target"]["deadline_year"])
           for i in d["indicators"]]
    assert got == [("数字经济核心产业增加值", 800, ">=", 2025), ("数字经济核心产业增加值年均增长", 7.5, "=", 2025),
                   ("全区软件和信息服务业营业收入", 3000, ">", 2025), ("全区软件和信息服务业营业收入年均增长", 7, ">=", 2025)]


def test_deadlines_inside_task_texts():
    d = parse_doc("deadlines.txt").data
    tasks = d["chapters"][0]["tasks"]
    assert tasks[0]["notes"] == ["时限: 2023年10月底前"]
    assert tasks[0]["targets"][0]["period"] == "2023年10月底前"
    assert tasks[1]["notes"] == ["时限: 长期坚持"] and tasks[2]["notes"] == ["时限: 持续推进"]
    assert tasks[3]["targets"][0]["text"] == "2023年6月底前,完成老旧小区消防通道整治100处"


def test_gb18030_file(tmp_path):
    source = (DOCS / "own_line.txt").read_text(encoding="utf-8")
    path = tmp_path / "gbk.txt"
    path.write_bytes(source.encode("gb18030"))
    lines, encoding = read_document(path)
    assert encoding == "gb18030"
    assert parse_lines(lines, "gbk.txt").data["chapters"] == parse_doc("own_line.txt").data["chapters"]


def test_docx_built_with_python_docx(tmp_path):
    import docx

    document = docx.Document()
    for line in (DOCS / "bracket_kind.txt").read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "附表", "说明"
    path = tmp_path / "plan.docx"
    document.save(path)
    lines, encoding = read_document(path)
    assert encoding == "docx"
    result = parse_lines(lines, "plan.docx")
    expected = parse_doc("bracket_kind.txt").data
    assert result.data["indicators"] == expected["indicators"]
    assert result.data["chapters"] == expected["chapters"]


# --------------------------------------------------------------------------- the command

def test_cli_writes_a_plan_that_plan_show_accepts(tmp_path):
    out = tmp_path / "plan.yaml"
    runner = CliRunner()
    r = runner.invoke(main, ["parse", str(DOCS / "own_line.txt"), "-o", str(out), "--id", "qingshan"])
    assert r.exit_code == 0, r.output
    assert "第10行" in r.output  # warnings carry line numbers (stderr is mixed into output here)
    assert runner.invoke(main, ["plan", "show", str(out)]).exit_code == 0
    stdout = runner.invoke(main, ["parse", str(DOCS / "labels.txt")])
    assert stdout.exit_code == 0 and "id: labels" in stdout.output


def test_cli_suggests_unit_merges(tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("一、主要任务\n1.治水。新建泵站2座。(牵头单位:区水务和湖泊局)\n2.治湖。清淤3个。(牵头单位:区水务湖泊局)\n",
                   encoding="utf-8")
    r = CliRunner().invoke(main, ["parse", str(doc)])
    assert r.exit_code == 0
    labels = get_labels()
    prefix = f"{labels['parse.suggestion_prefix']} "
    suggestions = [ln for ln in r.output.splitlines() if ln.startswith(prefix)]
    assert len(suggestions) == 1 and "区水务湖泊局" in suggestions[0] and "区水务和湖泊局" in suggestions[0], r.output


@pytest.mark.parametrize("content", [b"", b"\x00\xff\x13binary" * 20, "只有一行字".encode("utf-8")])
def test_cli_exit_2_without_traceback(tmp_path, content):
    doc = tmp_path / "doc.txt"
    doc.write_bytes(content)
    r = CliRunner().invoke(main, ["parse", str(doc)])
    assert r.exit_code == 2 and "Traceback" not in r.output and str(doc) in r.output
    assert CliRunner().invoke(main, ["parse", str(tmp_path / "missing.txt")]).exit_code == 2


def test_warning_messages_are_chinese_with_line_numbers():
    r = parse_text("一、主要任务\n1.治水。新建泵站2座。(牵头单位:区水务局,责任单位:区财政局\n")
    warning = next(w for w in r.warnings if w.code == "BRACKET_UNCLOSED")
    message = warning.message(get_labels())
    assert message.startswith("第2行：") and "括号没有闭合" in message
