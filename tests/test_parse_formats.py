"""`xltool parse` on division tables (.docx, .xlsx, .csv, HTML), PDFs, and the wordings real texts use."""

from pathlib import Path

import pytest
from click.testing import CliRunner

import parse_render as R
from pdfmaker import make_pdf
from xltoolkit.cli import main
from xltoolkit.parsing import parse_lines, parse_text, read_document
from xltoolkit.parsing.compare import scores
from xltoolkit.parsing.warnings import ParseInputError
from xltoolkit.plans import plan_from_data

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "samples" / "plans" / "wuchang-14fyp.yaml"


def parse_file(path, **kw):
    lines, kind = read_document(path, **kw)
    result = parse_lines(lines, Path(path).name)
    assert result.plan is not None, result.warnings
    plan_from_data(result.data)
    return result, kind


def tasks_of(result):
    return [t for c in result.data["chapters"] for t in c["tasks"]]


# --------------------------------------------------------------------------- tables


def _division_docx(path, rows, header=("序号", "重点任务", "牵头单位", "配合单位", "完成时限")):
    import docx

    d = docx.Document()
    d.add_paragraph("临江区2023年重点工作任务分工方案")
    d.add_paragraph("一、总体要求")
    d.add_paragraph("坚持稳中求进工作总基调。")
    d.add_paragraph("二、重点任务")
    table = d.add_table(rows=1, cols=len(header))
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
    for values in rows:
        row = table.add_row()
        for cell, text in zip(row.cells, values):
            cell.text = text
    d.add_paragraph("三、工作要求")
    d.add_paragraph("各单位要高度重视。")
    d.save(path)
    return d, table


def test_docx_table_merged_lead_cell_chapters_and_deadlines(tmp_path):
    import docx

    path = tmp_path / "plan.docx"
    _, table = _division_docx(path, [
        ("一、扩大有效投资", "", "", "", ""),
        ("1", "新开工重大项目30个。", "区发改局", "区住建局", "2023年12月底前"),
        ("2", "新建学校3所，新增学位1000个。", "", "区财政局", "2023年9月"),
        ("二、提升城市品质", "", "", "", ""),
        ("1", "新建口袋公园5个。", "区城管局", "各街道", "长期坚持"),
    ])
    d = docx.Document(path)
    t = d.tables[0]
    t.cell(1, 0).merge(t.cell(1, 4))  # the chapter row spans the table
    t.cell(4, 0).merge(t.cell(4, 4))
    t.cell(2, 2).merge(t.cell(3, 2))  # 牵头单位 merged over two tasks
    d.save(path)
    result, kind = parse_file(path)
    assert kind == "docx"
    d = result.data
    assert [c["title"] for c in d["chapters"]] == ["扩大有效投资", "提升城市品质"]
    tasks = tasks_of(result)
    assert [(t["lead_units"], t["responsible_units"]) for t in tasks] == [
        (["区发改局"], ["区住建局"]), (["区发改局"], ["区财政局"]), (["区城管局"], ["各街道"])]
    assert tasks[0]["notes"] == ["时限: 2023年12月"] or tasks[0]["notes"][0].startswith("时限: 2023年12月")
    assert [t["deadline_year"] for t in tasks[0]["targets"]] == [2023]
    assert tasks[0]["assignment_text"] == "牵头单位:区发改局;配合单位:区住建局;完成时限:2023年12月底前"
    assert tasks[2]["notes"] == ["时限: 长期坚持"]
    assert "坚持稳中求进" not in str(d["chapters"]) and "高度重视" not in str(d["chapters"])


def test_docx_two_row_header_and_task_merged_down(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("重点任务分工")
    t = d.add_table(rows=5, cols=5)
    texts = [["序号", "工作任务", "责任单位", "", "时间节点"], ["", "", "牵头部门", "协办单位", ""],
             ["1", "完成老旧小区改造50个。", "区住建局", "区城管局", "2024年"],
             ["", "", "", "区财政局", ""], ["2", "新增就业5000人。", "区人社局", "", "2024年"]]
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    t.cell(0, 2).merge(t.cell(0, 3))
    for c in (0, 1, 4):
        t.cell(0, c).merge(t.cell(1, c))
    for c in (0, 1, 2, 4):
        t.cell(2, c).merge(t.cell(3, c))  # the task and its lead over two rows, two helpers
    path = tmp_path / "two.docx"
    d.save(path)
    result, _ = parse_file(path)
    tasks = tasks_of(result)
    assert [t["text"] for t in tasks] == ["完成老旧小区改造50个。", "新增就业5000人。"]
    assert (tasks[0]["lead_units"], tasks[0]["responsible_units"]) == (["区住建局"], ["区城管局", "区财政局"])
    assert tasks[1]["lead_units"] == ["区人社局"] and tasks[1]["targets"][0]["deadline_year"] == 2024


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "csv", "html", "pdf"])
def test_bundled_plan_rendered_in_each_format_parses_back(tmp_path, fmt):
    bundled = R.load(BUNDLED)
    path = getattr(R, f"to_{fmt}")(bundled, tmp_path / f"plan.{fmt}")
    result, kind = parse_file(path)
    assert kind.split(":")[0] == fmt
    for what, s in scores(result.data, bundled).items():
        assert s["precision"] >= 0.97 and s["recall"] >= 0.97, (fmt, what, s)


def test_xlsx_sheet_option_and_dates(tmp_path):
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表为附件"])
    ws = wb.create_sheet("分工表")
    ws.append(["序号", "任务内容", "牵头单位", "参与单位", "完成时间"])
    ws.append([1, "建成5G基站200个。", "区工信局", "各街道", dt.date(2023, 12, 31)])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    with pytest.raises(ParseInputError) as exc:
        read_document(path, sheet="不存在")
    assert exc.value.code == "SHEET_NOT_FOUND"
    result, kind = parse_file(path, sheet="分工表")
    task = tasks_of(result)[0]
    assert kind == "xlsx" and task["lead_units"] == ["区工信局"] and task["targets"][0]["deadline_year"] == 2023
    assert "完成时间:2023年12月31日" in task["assignment_text"]
    r = CliRunner().invoke(main, ["parse", str(path), "--sheet", "分工表"])
    assert r.exit_code == 0 and "区工信局" in r.output
    first = CliRunner().invoke(main, ["parse", str(path)])  # the first sheet holds no table
    assert first.exit_code == 2 and "NOT_A_PLAN" in first.output


def test_html_page_drops_scripts_navigation_and_decodes_entities(tmp_path):
    page = ("<html><head><script>alert('x')</script><style>p{}</style></head><body>"
            "<nav>首页 政务公开</nav><div class='breadcrumb'>当前位置：首页</div>"
            "<h2>临江区2023年重点任务分工方案</h2><p>一、重点任务</p>"
            "<table><tr><td>编号</td><td>目标任务</td><td>牵头单位</td><td>协办单位</td></tr>"
            "<tr><td>1</td><td>新建公园&nbsp;2个&amp;绿道5公里。</td><td rowspan='2'>区城管局</td><td>区林业局</td></tr>"
            "<tr><td>2</td><td>新增停车位&#20;1000个。</td><td>区交通局</td></tr></table>"
            "<div class='footer'>网站标识码</div></body></html>")
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    result, kind = parse_file(path)
    assert kind.startswith("html")
    tasks = tasks_of(result)
    assert [t["lead_units"] for t in tasks] == [["区城管局"], ["区城管局"]]
    assert "&" in tasks[0]["text"] and "&amp;" not in tasks[0]["text"]
    assert all(w not in str(result.data) for w in ("alert", "当前位置", "网站标识码", "首页"))


def test_pdf_running_heads_page_numbers_and_page_breaks():
    pages = [["临江区人民政府办公室", "临江区重点任务分工方案", "一、重点任务",
              "1.新建学校3所，新增学位1000个，建成", "— 1 —"],
             ["临江区人民政府办公室", "托育中心2个。(牵头单位:区教育局)", "2.新增公园5个。(牵头单位:区城管局)", "— 2 —"]]
    lines = __import__("xltoolkit.parsing.pdf", fromlist=["pdf_lines"]).pdf_lines(make_pdf(pages))
    texts = [ln.raw for ln in lines]
    assert "1.新建学校3所，新增学位1000个，建成托育中心2个。(牵头单位:区教育局)" in texts  # rejoined
    assert not any("— " in t or "办公室" in t for t in texts)


def test_scanned_pdf_is_refused_in_chinese_with_a_code(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf(image_pages=3))
    r = CliRunner().invoke(main, ["parse", str(path)])
    assert r.exit_code == 2 and "PDF_NO_TEXT" in r.output and "扫描件" in r.output and "OCR" in r.output
    assert "Traceback" not in r.output


@pytest.mark.office
def test_pdf_exported_by_libreoffice(tmp_path, soffice_convert):
    """The plan's text as visual lines in one column, printed to PDF by LibreOffice: real fonts and
    a real text layer with its page breaks (CI installs LibreOffice Calc only, hence a sheet)."""
    import openpyxl
    from pdfmaker import wrap

    bundled = R.load(BUNDLED)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.column_dimensions["A"].width = 120
    visual = [v for line in R.text_lines(bundled) for v in wrap(line, 50)]
    for n, line in enumerate(visual, start=1):
        ws.cell(n, 1, line)
    xlsx = tmp_path / "plan.xlsx"
    wb.save(xlsx)
    out = soffice_convert([xlsx], "pdf", tmp_path / "pdf")
    result, kind = parse_file(out / "plan.pdf")
    assert kind == "pdf"
    s = scores(result.data, bundled)
    for what, value in s.items():
        assert value["recall"] >= 0.9 and value["precision"] >= 0.9, (what, value)


# --------------------------------------------------------------------------- wording


def test_indicator_then_responsibility_line():
    r = parse_text("主要指标\n1.单位地区生产总值能耗降幅,完成市下达指标\n落实单位:区工信局等\n"
                   "2.规模以上工业增加值增长8%\n落实单位:区工信局、统计局\n")
    inds = r.data["indicators"]
    assert [(i["name"], i["target"]["comparator"], i["responsible_units"]) for i in inds] == [
        ("单位地区生产总值能耗降幅", "qualitative", ["区工信局"]), ("规模以上工业增加值增长", "=", ["区工信局", "区统计局"])]
    assert "ASSIGNMENT_UNPLACED" not in [w.code for w in r.warnings]


def test_indicator_name_before_a_period_and_a_verb():
    r = parse_text("主要指标\n6.粮食综合生产能力,“十四五”稳定在1.2万吨\n")
    ind = r.data["indicators"][0]
    assert (ind["name"], ind["target"]["value"], ind["target"]["unit"], ind["target"]["comparator"]) == (
        "粮食综合生产能力", 1.2, "万吨", ">=")


def test_target_list_in_running_text():
    r = parse_text("某县2023年国民经济和社会发展计划\n一、总体要求\n今年主要预期目标：经济增长7.5%—8%；规模工业增加值增长7%；"
                   "城镇调查失业率控制在5.5%以内；居民人均可支配收入与经济增长同步。\n二、重点任务\n1.新建学校3所。\n")
    got = [(i["name"], i["target"]["comparator"], i["target"]["value"], i["target"]["measure"])
           for i in r.data["indicators"]]
    assert got == [("经济增长", "range", [7.5, 8], "rate"), ("规模工业增加值增长", "=", 7, "rate"),
                   ("城镇调查失业率", "<=", 5.5, "level"), ("居民人均可支配收入", "qualitative", None, "qualitative")]


def test_responsibility_as_verbs_and_leaders_as_notes():
    r = parse_text("一、重点任务\n1.推进数字政府建设。（分管副省长张三负责，省发展改革委牵头，省财政厅、省自然资源厅配合）\n"
                   "2.建成5G基站1000个。(省通信管理局牵头,各市州按职责分工负责)\n")
    t1, t2 = tasks_of(r)
    assert (t1["lead_units"], t1["responsible_units"]) == (["省发展改革委"], ["省财政厅", "省自然资源厅"])
    assert t1["notes"] == ["领导: 分管副省长张三负责"]
    assert (t2["lead_units"], t2["responsible_units"]) == (["省通信管理局"], ["各市州"])
    assert not any("副省长" in u["name"] for u in r.data["units"])


def test_each_district_and_county_level_city_is_one_collective():
    r = parse_text("一、重点任务\n1.新建公园10个。(牵头单位:市园林局;责任单位:各区、县级市人民政府)\n"
                   "2.新建学校5所。(牵头单位:市教育局;责任单位:各区、县级市)\n")
    names = [u["name"] for u in r.data["units"]]
    assert "县级市" not in names and "县级市人民政府" not in names
    assert tasks_of(r)[0]["responsible_units"] == ["各区、县级市人民政府"]
    assert tasks_of(r)[1]["responsible_units"] == ["各区、县级市"]
    assert {u["kind"] for u in r.data["units"] if u["name"].startswith("各")} == {"collective"}


def test_traditional_script_is_matched_as_simplified_and_kept_as_written():
    r = parse_text("一、重點任務\n1.新建學校3所，新增學位1000個以上。（牽頭單位：區教育局；責任單位：區財政局）\n")
    t = tasks_of(r)[0]
    assert (t["lead_units"], t["responsible_units"]) == (["區教育局"], ["區財政局"])
    # units of measure are normalized like full-width ％ (個 -> 个); texts and unit names are as written
    assert [(x["value"], x["unit"], x["comparator"]) for x in t["targets"]] == [(3, "所", "="), (1000, "个", ">=")]
    assert t["text"].startswith("新建學校3所")


def test_comparators_of_legal_usage():
    t = tasks_of(parse_text("一、重点任务\n1.PM2.5浓度降至35微克/立方米以下，完善30余条道路管网。\n"))[0]["targets"]
    assert [(x["comparator"], x["value"]) for x in t] == [("<=", 35), (">", 30)]


def test_measures_and_target_ids_emitted():
    r = parse_text("一、重点任务\n1.新建学校3所，覆盖率达到95%，全年新增就业5000人，GDP增长7%。\n")
    t = tasks_of(r)[0]
    assert [(x["id"], x["measure"]) for x in t["targets"]] == [
        ("T1.1-1", "cumulative"), ("T1.1-2", "level"), ("T1.1-3", "cumulative"), ("T1.1-4", "rate")]
