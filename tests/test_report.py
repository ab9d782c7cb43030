"""The period's report (xltool report, merge --report): real returns of the default plan, filled
with tests/filler.py, merged through `merge()` with a ReportOutput; the .docx opened with
python-docx and compared with the JSON of the same merge and with `submission_counts()`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from xltoolkit.chase import chase_rows
from xltoolkit.cli import main
from xltoolkit.merge import JsonOutput, MergeOptions, MergeRequest, ReportOutput, collect_inputs, merge, scan_inputs
from xltoolkit.model import Period
from xltoolkit.reading import read_return
from xltoolkit.report import charts
from xltoolkit.report.data import HistorySeries, from_consolidation, notices, shorten
from xltoolkit.wording import number

from conftest import FIXED_NOW, ROOT
from filler import answers, fill_openpyxl

PERIOD = Period.parse("2022Q4")
UNITS = ("区发改局", "区科经局", "区卫健局", "区教育局", "区建设局")
HOSTILE = '=HYPERLINK("http://evil.example","点我") {{ x }} {% if 1 %}<w:t>&amp;{_{ y }_}'
LAGGING_PROBLEM = "征地拆迁进度慢，资金缺口约2000万元。需要区财政追加预算。"
LAGGING_NEXT = "下季度完成征地拆迁，争取专项债资金。"
SECTIONS = ["一、总体情况", "二、主要指标完成情况", "三、重点任务推进情况", "四、存在问题", "五、下步工作"]


@pytest.fixture(scope="module")
def returns_dir(generated14, plan14, labels, tmp_path_factory):
    """Five filled returns: 区发改局's first task lagging with 存在问题 and 下步计划 text, 区科经局's
    first task with hostile text in 存在问题."""
    out = tmp_path_factory.mktemp("report-returns")
    for seed, unit in enumerate(UNITS, start=1):
        src = next(p for p in generated14.returns if p.stem.endswith("_" + unit))
        raw = read_return(src, labels)
        a = answers(raw, plan14, PERIOD, labels, seed=seed)
        task_rows = [r for r in raw.rows if r.form == "tasks"]
        if unit == "区发改局":
            row = task_rows[0]
            a.cells[row.values["status"].ref] = labels["status.lagging"]
            a.cells[row.values["progress"].ref] = 20
            a.cells[row.values["problems"].ref] = LAGGING_PROBLEM
            a.cells[row.values["next_steps"].ref] = LAGGING_NEXT
        if unit == "区科经局":
            row = task_rows[0]
            a.cells[row.values["status"].ref] = labels["status.on_track"]
            a.cells[row.values["progress"].ref] = 50
            a.cells[row.values["problems"].ref] = HOSTILE
        fill_openpyxl(src, out / src.name, a)
    return out


@pytest.fixture(scope="module")
def merged(returns_dir, plan14, labels, tmp_path_factory):
    out = tmp_path_factory.mktemp("report-out")
    files = scan_inputs(collect_inputs([returns_dir]), labels)
    report = ReportOutput(out / "报告.docx", notices=out / "notices", chase="yellow")
    result = merge(MergeRequest(plan14, PERIOD, files, MergeOptions(jobs=1, now=FIXED_NOW)),
                   [report, JsonOutput(out / "r.json")], labels)
    return result, out, json.loads((out / "r.json").read_text(encoding="utf-8")), Document(str(out / "报告.docx"))


def _text(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def test_page_setup_is_gbt_9704(merged):
    doc = merged[3]
    s = doc.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)] == [37, 35, 28, 26]
    normal = doc.styles["Normal"].paragraph_format
    assert 28 <= normal.line_spacing.pt <= 29.5
    footer_xml = s.footer._element.xml + s.even_page_footer._element.xml
    assert footer_xml.count("PAGE") == 2 and "— " in s.footer.paragraphs[0].text


def _east_asia(run) -> str | None:
    rpr = run._r.rPr
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def test_every_run_has_its_east_asian_font(merged):
    doc = merged[3]
    paragraphs = list(doc.paragraphs) + [p for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    runs = [r for p in paragraphs for r in p.runs if r.text.strip()]
    assert runs and all(_east_asia(r) for r in runs)
    title = next(p for p in doc.paragraphs if p.style.name == "Title")
    assert "推进情况的报告" in title.text and {_east_asia(r) for r in title.runs} == {"方正小标宋简体"}
    assert title.style.font.size.pt == 22
    body = next(p for p in doc.paragraphs if p.text.startswith("本期（"))
    assert {_east_asia(r) for r in body.runs} == {"仿宋_GB2312"} and doc.styles["Normal"].font.size.pt == 16
    headings = {p.style.name: {_east_asia(r) for r in p.runs} for p in doc.paragraphs if p.style.name.startswith("Heading")}
    assert headings["Heading 1"] == {"黑体"} and headings["Heading 2"] == {"楷体_GB2312"}
    letterhead = doc.paragraphs[0]
    assert letterhead.style.name == "红头" and letterhead.style.font.color.rgb == (0xFF, 0, 0)


def test_sections_in_order(merged):
    doc = merged[3]
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1 == [*SECTIONS, "六、规划实施评估"]  # 2022Q4 ends a year of a five-year plan
    text = _text(doc)
    assert text.index(SECTIONS[-1]) < text.index("附件") < text.index("未报送和逾期单位")


def test_year_end_report_has_the_plans_evaluation(merged, labels):
    """六、规划实施评估: the same groups as the summary's 规划评估 sheet (evaluation.evaluate_period)."""
    from xltoolkit.evaluation import evaluate_period

    result, _, _, doc = merged
    rows = evaluate_period(result.consolidation, [])
    text = _text(doc)
    section = text[text.index("六、规划实施评估"):]
    assert f"规划主要指标{len(rows)}项" in section
    for group in ("achieved_early", "ahead", "as_expected", "lagging", "to_assess"):
        names = [r.name for r in rows if r.group == group]
        label = labels[f"evaluation.group.{group}"]
        if names:
            assert f"{label}{len(names)}项：{'、'.join(names)}。" in section
        else:
            assert f"{label}0项" not in section
    binding = [r.name for r in rows if r.group == "lagging" and r.kind == "binding"]
    assert (f"约束性指标滞后{len(binding)}项" in section) == bool(binding)


def test_counts_equal_the_consolidation(merged, plan14):
    result, _, _, doc = merged
    c = result.consolidation
    counts = c.submission_counts()
    para = next(p.text for p in doc.paragraphs if p.text.startswith("本期（"))
    found = dict(re.findall(r"(应报送单位|已报送|已采用|有问题|退回修改|重复报送|未填写|未报送)(\d+)个", para))
    assert {k: int(v) for k, v in found.items()} == {
        "应报送单位": len(c.submissions), "已报送": counts["submitted"], "已采用": counts["accepted"],
        "有问题": counts["problems"], "退回修改": counts["rejected"], "重复报送": counts["duplicate"],
        "未填写": counts["empty"], "未报送": counts["missing"]}
    tasks = next(p.text for p in doc.paragraphs if p.text.startswith("纳入调度的重点任务"))
    assert f"重点任务{len(c.tasks)}项" in tasks
    assert f"滞后{sum(t.status == 'lagging' for t in c.tasks)}项" in tasks
    rows = chase_rows(c, plan14.due_date(c.period))
    timely = {k: sum(1 for r in rows if r.timeliness == k and r.submission not in ("missing", "empty"))
              for k in ("on_time", "late")}
    assert f"按时报送{timely['on_time']}个，逾期报送{timely['late']}个" in para
    assert "报送截止日期为2023年1月10日" in para  # 2022Q4 ends 12-31; the plan's due_days is 10
    annex = doc.tables[-1]
    late = [r.unit for r in rows if r.submission in ("missing", "empty", "rejected", "duplicate")
            or r.timeliness == "late"]
    assert timely["late"] and [row.cells[1].text for row in annex.rows[1:]] == late
    assert all("逾期报送" in row.cells[2].text for row in annex.rows[1:] if row.cells[1].text in UNITS)


def test_indicator_table_equals_the_json(merged, plan14):
    _, _, data, doc = merged
    table = doc.tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    units = {i.id: i.target.unit or "" for i in plan14.indicators}
    names = {i.id: i.name for i in plan14.indicators}
    assert len(rows) == len(data["indicators"])
    for row, ind in zip(rows, data["indicators"]):
        value = "—" if ind["value"] is None else number(round(ind["value"], 4)) + units[ind["id"]]
        expected = "—" if ind["expected"] is None else number(round(ind["expected"], 4)) + units[ind["id"]]
        assert row[1] == names[ind["id"]] and row[3:] == [value, expected, ind["assessment_label"]]


def test_images_present(merged):
    doc = merged[3]
    assert len(doc.inline_shapes) == 2
    assert all(abs(s.width.mm - 150) < 1 for s in doc.inline_shapes)


def test_lagging_task_with_the_units_own_words(merged):
    result, _, _, doc = merged
    text = _text(doc)
    lagging = [t for t in result.consolidation.tasks if t.status == "lagging"]
    assert lagging
    section3 = text[text.index(SECTIONS[2]):text.index(SECTIONS[3])]
    for t in lagging:
        assert t.task.title[:10] in section3
    first = "征地拆迁进度慢，资金缺口约2000万元。"  # the first sentence only
    problems = text[text.index(SECTIONS[3]):text.index(SECTIONS[4])]
    assert first in problems and "追加预算" not in problems
    assert LAGGING_NEXT in text[text.index(SECTIONS[4]):]


def test_hostile_text_appears_literally(merged):
    _, out, _, doc = merged
    assert HOSTILE in _text(doc)
    with zipfile.ZipFile(out / "报告.docx") as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert "instrText" not in body and "fldSimple" not in body and "HYPERLINK(" in body
    assert "<w:hyperlink" not in body


def _deciding(data: dict, plan14, wanted) -> set[str]:
    """Units deciding a task / indicator / target of the merge's JSON for which `wanted(kind, row)`."""
    tasks = {t.id: t for t in plan14.tasks}
    indicators = {i.id: i for i in plan14.indicators}
    out = set()
    for t in data["tasks"]:
        if wanted("task", t):
            out |= set(plan14.deciding_units(tasks[t["id"]]))
    for i in data["indicators"]:
        if wanted("indicator", i):
            out |= set(plan14.deciding_units(indicators[i["id"]]))
    for x in data["targets"]:
        if wanted("target", x):
            out |= set(plan14.deciding_units(tasks[x["task_id"]]))
    return out


def test_notices_for_units_with_yellow_or_red_items(merged, plan14):
    """chase="yellow": a notice for every unit deciding an item behind pace, overdue or 滞后."""
    _, out, data, _ = merged
    expected = _deciding(data, plan14, lambda kind, row: row.get("assessment") in ("behind", "overdue")
                         or (kind == "task" and row["status"] == "lagging"))
    written = sorted((out / "notices").glob("*.docx"))
    prefix = f"{plan14.id}_{PERIOD.code}_督办通知单_"
    assert expected and {p.stem.removeprefix(prefix) for p in written} == expected
    notice = Document(str(out / "notices" / f"{prefix}区发改局.docx"))
    text = _text(notice)
    assert "区发改局：" in text and "2023年1月20日前" in text  # reply by: 10 days after the merge
    table = notice.tables[0]
    assert [c.text for c in table.rows[0].cells][4] == "督办灯"
    assert len(table.rows) >= 2 and {row.cells[4].text for row in table.rows[1:]} <= {"红灯", "黄灯"}


def test_default_notices_are_for_red_items_only(merged, plan14):
    """No earlier period recorded and nothing overdue at 2022Q4 (no 14th-FYP deadline before 2023):
    nothing is red, so no notice by default, while yellow items exist (tests/test_report_history.py
    has the red ones, over recorded periods)."""
    result, _, data, _ = merged
    report = from_consolidation(result.consolidation, result.generated_at)
    red = _deciding(data, plan14, lambda kind, row: row.get("assessment") == "overdue")
    assert red == set() and report.lights["red"] == 0 and report.lights["yellow"] > 0
    assert notices(report) == [] and notices(report, "yellow")


def test_report_data_is_the_consolidation(merged):
    result = merged[0]
    c = result.consolidation
    data = from_consolidation(c, result.generated_at)
    assert data.submissions == c.submission_counts()
    assert data.indicator_assessments == c.assessment_counts("indicators")
    assert data.target_assessments == c.assessment_counts("targets")
    assert [m.value for m in data.indicators] == [s.actual for s in c.indicators]
    assert {n.unit.name for n in notices(data)} <= {s.unit.name for s in c.submissions}


def test_shorten():
    assert shorten("第一句话说完了。第二句。") == "第一句话说完了。"
    assert shorten("短。然后很长的第二句") == "短。然后很长的第二句"
    long = "甲" * 200
    assert shorten(long) == "甲" * 119 + "…" and len(shorten(long)) == 120
    assert shorten("a\x0bb\n\nc") == "ab c"


def test_charts_render_chinese_without_missing_glyphs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph N missing from font" is a UserWarning
        png = charts.stacked_bars(["坚持创新驱动，塑造发展新优势", "第二章"],
                                  [("done", "已完成", [1, 2]), ("lagging", "滞后", [3, -0])], "各篇章重点任务进展情况",
                                  "任务数（项）")
        series = [HistorySeries("E01", "地区生产总值增长", "%", ["2022Q2", "2022Q3", "2022Q4"],
                                [("2022Q2", 6.1), ("2022Q3", -1.5)], [("2022Q3", 7.0)], 7.0, None, "增长7%"),
                  HistorySeries("B06", "绿化覆盖率", "%", ["2022Q3", "2022Q4"], [("2022Q3", 40.0), ("2022Q4", 41.0)],
                                [], 41.0, 42.0, "41%—42%"),
                  HistorySeries("E02", "一般公共预算收入", "亿元", ["2022Q3", "2022Q4"],
                                [("2022Q3", 80.0), ("2022Q4", 90.0)], [], None, None, "完成市下达目标")]
        line = charts.history_panels(series, "主要指标各报送期数值与目标",
                                     {"value": "报送值", "expected": "序时进度", "target": "目标"})
    from PIL import Image
    import io

    im = Image.open(io.BytesIO(png))
    assert abs(im.size[0] / charts.DPI * 2.54 - 15) < 0.2 and im.info.get("dpi", (150,))[0] == pytest.approx(150, abs=1)
    panels = Image.open(io.BytesIO(line))
    assert abs(panels.size[0] / charts.DPI * 2.54 - 15) < 0.2  # two panels to a row, two rows
    assert abs(panels.size[1] / charts.DPI * 2.54 - (1.6 + 2 * charts.PANEL_HEIGHT_CM)) < 0.2


def test_template_is_reproducible_and_renders(tmp_path, merged, labels):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_report_template
    finally:
        sys.path.pop(0)
    built = make_report_template.build(tmp_path / "tpl")
    for path in built:
        shipped = ROOT / "templates" / "report" / path.name
        with zipfile.ZipFile(path) as a, zipfile.ZipFile(shipped) as b:
            for part in ("word/document.xml", "word/styles.xml", "word/footer1.xml", "word/settings.xml"):
                if part in a.namelist():
                    assert a.read(part) == b.read(part), f"{shipped.name} {part}: run scripts/make_report_template.py"
    from xltoolkit.report.document import render_report

    data = from_consolidation(merged[0].consolidation, merged[0].generated_at)
    render_report(data, labels, str(tmp_path / "r.docx"), tmp_path / "tpl")
    assert "一、总体情况" in _text(Document(str(tmp_path / "r.docx")))


def test_broken_template_is_a_coded_error(tmp_path, returns_dir):
    shutil.copy(ROOT / "templates" / "report" / "notice.docx", tmp_path / "notice.docx")
    (tmp_path / "report.docx").write_bytes(b"not a zip")
    result = CliRunner().invoke(main, ["report", str(returns_dir), "-o", str(tmp_path / "out" / "r.docx"),
                                       "--templates", str(tmp_path)])
    assert result.exit_code == 2 and "REPORT_TEMPLATE_INVALID" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out" / "r.docx").exists()


def test_missing_template_is_a_coded_error_saying_so(tmp_path, returns_dir, labels):
    """A --templates folder without report.docx: REPORT_TEMPLATE_INVALID, its reason (data, a label) 不存在."""
    (tmp_path / "tpl").mkdir()
    result = CliRunner().invoke(main, ["report", str(returns_dir), "-o", str(tmp_path / "out" / "r.docx"),
                                       "--templates", str(tmp_path / "tpl")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    path = tmp_path / "tpl" / "report.docx"
    assert labels.fmt("errors.REPORT_TEMPLATE_INVALID", path=path, reason="不存在") in result.output.replace("\n", "")
    assert not (tmp_path / "out" / "r.docx").exists()


def test_cli_report_without_office_writes_the_docx(tmp_path, returns_dir, monkeypatch):
    monkeypatch.setenv("XLTOOL_SOFFICE", "")
    out = tmp_path / "报告.docx"
    result = CliRunner().invoke(main, ["report", str(returns_dir), "-o", str(out), "--pdf",
                                       "--notices", str(tmp_path / "n"), "--reply-by", "2023-02-01", "--chase", "yellow"])
    assert result.exit_code == 2 and "REPORT_NO_OFFICE" in result.output and "Traceback" not in result.output
    assert out.is_file() and not out.with_suffix(".pdf").exists()
    notice = next((tmp_path / "n").glob("*.docx"))
    assert "2023年2月1日前" in _text(Document(str(notice)))


def test_cli_report_exit_codes_and_merge_option(tmp_path, returns_dir):
    result = CliRunner().invoke(main, ["report", str(returns_dir), "-o", str(tmp_path / "r.docx")])
    assert result.exit_code == 0, result.output
    assert "已写出报告" in result.output
    bad = CliRunner().invoke(main, ["report", str(returns_dir), "--reply-by", "next week"])
    assert bad.exit_code == 2 and "2023-01-20" in bad.output
    merged = CliRunner().invoke(main, ["merge", str(returns_dir), "--out", str(tmp_path / "s.xlsx"),
                                       "--report", str(tmp_path / "m.docx")])
    assert merged.exit_code == 0, merged.output
    assert (tmp_path / "m.docx").is_file() and (tmp_path / "s.xlsx").is_file()


def test_report_help_is_chinese():
    from test_cli_i18n import english_words

    out = CliRunner().invoke(main, ["report", "--help"]).output
    assert "推进情况报告" in out
    assert english_words(out) <= {"report", "Word", "PDF", "LibreOffice", "soffice", "pdf", "notices", "DIR", "DATE",
                                  "reply-by", "templates", "docx", "notice", "red", "yellow"}


def test_help_does_not_import_report_libraries():
    code = ("import sys\nfrom xltoolkit.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('matplotlib', 'docx', 'docxtpl', 'jinja2', 'xltoolkit.report.document')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


@pytest.mark.office
def test_pdf_has_cjk_text_embedded_fonts_and_images(tmp_path, returns_dir, soffice):
    out = tmp_path / "报告.docx"
    result = CliRunner().invoke(main, ["report", str(returns_dir), "-o", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    pdf = out.with_suffix(".pdf")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    cjk = [line for line in fonts if re.search(r"CJK|UKai|WenQuanYi|Hei|Song|Kai", line)]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk)  # emb
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    squeezed = re.sub(r"\s+", "", text)
    for heading in SECTIONS:
        assert heading in squeezed
    assert "武汉市武昌区发展和改革局" in squeezed and "—1—" in squeezed
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert sum(1 for line in images.splitlines()[2:] if " image " in line) >= 2
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert 4 <= pages <= 20


@pytest.mark.office
def test_a_short_notice_prints_on_one_page(tmp_path, merged, labels, soffice):
    """A 督办通知单 with one or two items is one page, letterhead to 落款, with the shipped contact text."""
    from xltoolkit.report.pdf import convert

    _, out, _, _ = merged
    short = []
    for path in sorted((out / "notices").glob("*.docx")):
        rows = len(Document(str(path)).tables[0].rows) - 1
        if rows <= 2:
            short.append(path)
    assert short
    pdf = tmp_path / "notice.pdf"
    convert(short[0], pdf, soffice)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                             check=True).stdout)
    assert int(re.search(r"Pages:\s+(\d+)", info)[1]) == 1
    assert "督办通知单" in text and "武汉市武昌区发展和改革局" in text and "—1—" in text
