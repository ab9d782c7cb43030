#!/usr/bin/env python3
"""Build the editable Word templates of the report under templates/report/ (reproducibly).

    .venv/bin/python scripts/make_report_template.py [OUT_DIR]     (default: templates/report)

Writes report.docx (the period's progress report) and notice.docx (督办通知单): docxtpl (Jinja)
templates with GB/T 9704 page setup, styles and a red letterhead. The office may edit the written
files in Word (wording, letterhead, fonts, section order: see README "Reports"); running this
script again replaces them with the defaults. Every run gets its East-Asian font explicitly
(python-docx sets only the Latin slots), every Jinja tag sits in one run.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

ROOT = Path(__file__).resolve().parents[1]

# The Chinese font names GB/T 9704 documents ask for. Where a name is not installed, Word and
# LibreOffice substitute (templates/report/fonts.conf maps them for the PDF).
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEI_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
SONG_FONT = "宋体"
RED = RGBColor(0xFF, 0x00, 0x00)
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_TABLE = Pt(12)  # 小四
LINE = Pt(28.9)  # 22 lines in the 225 mm type area
FIXED_TIME = dt.datetime(2024, 1, 1)
OFFICE = "武汉市武昌区发展和改革局"


def set_fonts(rpr_owner, font: str) -> None:
    """All four font slots and the East-Asian hint of a run or style (w:rFonts)."""
    rfonts(rpr_owner.get_or_add_rPr(), font)


def rfonts(rpr, font: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in [a for a in fonts.attrib if a.lower().endswith("theme")]:  # a theme font would win over the name
        del fonts.attrib[attr]
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), font)
    fonts.set(qn("w:hint"), "eastAsia")


def paragraph_style(doc, name: str, font: str, size, *, base: str = "Normal", bold: bool = False,
                    align=None, indent: bool = False, line=LINE, before=0, after=0, color=None, keep: bool = False):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, 1)
    if style.name != base and name != "Normal":
        style.base_style = styles[base]
    style.font.name = font
    set_fonts(style.element, font)
    style.font.size = size
    style.font.bold = bold
    style.font.color.rgb = color or RGBColor(0, 0, 0)
    pf = style.paragraph_format
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, line
    pf.first_line_indent = Pt(32) if indent else Pt(0)
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.widow_control = True
    if align is not None:
        pf.alignment = align
    if keep:
        pf.keep_with_next = True
    return style


def build_styles(doc) -> None:
    paragraph_style(doc, "Normal", BODY_FONT, SIZE_3, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    # docDefaults: the East-Asian font of text outside any style (new paragraphs typed in Word).
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts(rpr_default, BODY_FONT)
    lang = rpr_default.find(qn("w:lang"))
    lang.set(qn("w:eastAsia"), "zh-CN")  # Chinese line breaking and punctuation rules
    paragraph_style(doc, "Title", TITLE_FONT, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(36), before=0, after=28)
    paragraph_style(doc, "Heading 1", HEI_FONT, SIZE_3, indent=True, keep=True)
    paragraph_style(doc, "Heading 2", KAI_FONT, SIZE_3, indent=True, keep=True)
    paragraph_style(doc, "Heading 3", BODY_FONT, SIZE_3, indent=True, bold=True, keep=True)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):  # no theme colours, borders or fonts
        style = doc.styles[name]
        for tag in ("w:pBdr",):
            el = style.element.pPr.find(qn(tag)) if style.element.pPr is not None else None
            if el is not None:
                style.element.pPr.remove(el)
        style.font.italic = False
    paragraph_style(doc, "红头", TITLE_FONT, Pt(36), align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(50), color=RED,
                    after=6)
    rule = paragraph_style(doc, "红线", BODY_FONT, Pt(6), line=Pt(8), after=22)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "18"), ("w:space", "1"), ("w:color", "FF0000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    rule.element.get_or_add_pPr().find(qn("w:spacing")).addprevious(border)  # schema order: pBdr before spacing
    paragraph_style(doc, "无缩进", BODY_FONT, SIZE_3)
    paragraph_style(doc, "落款", BODY_FONT, SIZE_3, align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph_style(doc, "图", BODY_FONT, SIZE_3, align=WD_ALIGN_PARAGRAPH.CENTER, line=None, before=6, after=6)
    paragraph_style(doc, "表格文字", BODY_FONT, SIZE_TABLE, line=None, align=WD_ALIGN_PARAGRAPH.LEFT)
    paragraph_style(doc, "表头", HEI_FONT, SIZE_TABLE, line=None, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph_style(doc, "附件标题", TITLE_FONT, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(36), after=20)
    paragraph_style(doc, "页码", SONG_FONT, SIZE_4, line=None)


def page_setup(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(22)  # the page number sits about 7 mm below the type area
    section.header_distance = Mm(15)
    doc.settings.odd_and_even_pages_header_footer = True
    # GB/T 9704: "— N —" in 4号 宋体, odd pages right and even pages left, one character in.
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = doc.styles["页码"]
        p.alignment = align
        if align is WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = SIZE_4
        else:
            p.paragraph_format.left_indent = SIZE_4
        run(p, "— ", SONG_FONT)
        page_field(p)
        run(p, " —", SONG_FONT)


def page_field(p) -> None:
    """A PAGE field (fldChar begin / instrText / separate / "1" / end), every run with its fonts."""
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
        r = p.add_run()
        set_fonts(r._r, SONG_FONT)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
        elif kind == "text":
            r.text = text
        else:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._r.append(fld)


def run(p, text: str, font: str, bold: bool = False):
    r = p.add_run(text)
    set_fonts(r._r, font)
    if bold:
        r.bold = True
    return r


def para(doc, text: str, style: str = "Normal", font: str = BODY_FONT, bold: bool = False):
    """One paragraph of one run (a Jinja tag must sit in one run)."""
    p = doc.add_paragraph(style=doc.styles[style])
    if text:
        run(p, text, font, bold)
    return p


def tag(doc, text: str):
    """A docxtpl paragraph tag ({%p … %}): the paragraph itself is removed on rendering."""
    return para(doc, text, "无缩进")


def listing(doc, item: str, items: str, body, empty: str) -> None:
    """A docxtpl loop over `items` whose paragraphs `body(doc)` writes, and `empty` when there are none."""
    tag(doc, f"{{%p for {item} in {items} %}}")
    body(doc)
    tag(doc, "{%p endfor %}")
    tag(doc, f"{{%p if not {items} %}}")
    styled(doc, empty, "Normal")
    tag(doc, "{%p endif %}")


STYLE_FONTS = {"Normal": BODY_FONT, "Title": TITLE_FONT, "Heading 1": HEI_FONT, "Heading 2": KAI_FONT,
               "Heading 3": BODY_FONT, "红头": TITLE_FONT, "无缩进": BODY_FONT, "落款": BODY_FONT,
               "图": BODY_FONT, "表格文字": BODY_FONT, "表头": HEI_FONT, "附件标题": TITLE_FONT}


def styled(doc, text: str, style: str, bold: bool = False):
    return para(doc, text, style, STYLE_FONTS[style], bold)


def table(doc, headers: list[str], cells: list[str], loop: str, widths_mm: list[float]):
    """A table: a header row, then a docxtpl row loop ({%tr for %} / cells / {%tr endfor %})."""
    t = doc.add_table(rows=4, cols=len(headers))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for col, w in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), widths_mm):  # LibreOffice lays out by the grid
        col.set(qn("w:w"), str(int(Mm(w).twips)))
    for row in t.rows:
        for cell, w in zip(row.cells, widths_mm):
            cell.width = Mm(w)
    header = t.rows[0]
    trpr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page
    trpr.append(repeat)
    for cell, text in zip(header.cells, headers):
        cell.paragraphs[0].style = doc.styles["表头"]
        run(cell.paragraphs[0], text, HEI_FONT)
    for n, texts in ((1, [f"{{%tr for r in {loop} %}}"] + [""] * (len(headers) - 1)), (2, cells),
                     (3, ["{%tr endfor %}"] + [""] * (len(headers) - 1))):
        for cell, text in zip(t.rows[n].cells, texts):
            cell.paragraphs[0].style = doc.styles["表格文字"]
            if text:
                run(cell.paragraphs[0], text, BODY_FONT)
    return t


def letterhead(doc) -> None:
    styled(doc, OFFICE, "红头")
    para(doc, "", "红线")


def signature(doc, gap: bool = True) -> None:
    """落款: the office and the date, right-aligned (after an empty line in the report)."""
    if gap:
        para(doc, "", "Normal")
    styled(doc, OFFICE, "落款")
    styled(doc, "{{ date }}", "落款")


def page_break(doc) -> None:
    p = doc.add_paragraph(style=doc.styles["无缩进"])
    r = p.add_run()
    set_fonts(r._r, BODY_FONT)
    r.add_break(WD_BREAK.PAGE)


def new_document():
    doc = Document()
    build_styles(doc)
    page_setup(doc)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    cp = doc.core_properties
    cp.author = cp.last_modified_by = "xltool"
    cp.created = cp.modified = FIXED_TIME
    cp.revision = 1
    return doc


def build_report(path: Path) -> None:
    doc = new_document()
    doc.core_properties.title = "{{ plan_title }}推进情况报告"
    letterhead(doc)
    styled(doc, "关于{{ plan_title }}{{ period }}推进情况的报告", "Title")

    styled(doc, "一、总体情况", "Heading 1")
    styled(doc, "本期（{{ period }}，{{ period_start }}至{{ period_end }}）应报送单位{{ s.due }}个，报送截止日期为{{ due }}。"
                "已报送{{ s.submitted }}个（按时报送{{ timely.on_time }}个，逾期报送{{ timely.late }}个"
                "{% if timely.unknown %}，报送日期不明{{ timely.unknown }}个{% endif %}），"
                "其中已采用{{ s.accepted }}个（有问题{{ s.problems }}个），退回修改{{ s.rejected }}个，重复报送{{ s.duplicate }}个；"
                "未填写{{ s.empty }}个，未报送{{ s.missing }}个。", "Normal")
    styled(doc, "纳入调度的重点任务{{ tasks.total }}项：已完成{{ tasks.done }}项，正常推进{{ tasks.on_track }}项，"
                "未启动{{ tasks.not_started }}项，滞后{{ tasks.lagging }}项，未报告{{ tasks.no_report }}项。", "Normal")
    styled(doc, "主要指标{{ indicators|length }}项，{{ indicator_summary }}；重点任务的量化目标{{ targets_total }}个，"
                "{{ target_summary }}。", "Normal")
    styled(doc, "按督办灯统计（任务、主要指标和量化目标合计）：红灯{{ lights.red }}项，黄灯{{ lights.yellow }}项，"
                "绿灯{{ lights.green }}项，其余{{ lights.none }}项不亮灯（未启动、未到期、定性评估、无数据或数据不一致）。", "Normal")
    styled(doc, "{{ chart_tasks }}", "图")
    styled(doc, "{{ chart_targets }}", "图")
    styled(doc, "{%p if chart_history %}", "Normal")
    styled(doc, "{{ chart_history }}", "图")
    styled(doc, "{%p endif %}", "Normal")

    styled(doc, "二、主要指标完成情况", "Heading 1")
    styled(doc, "主要指标的目标、本期值、按序时进度本期应达到的数值和评价见下表（本期值为牵头单位报送的数值）。", "Normal")
    table(doc, ["序号", "指标", "目标", "本期值", "序时进度", "评价"],
          ["{{ r.number }}", "{{ r.name }}", "{{ r.target }}", "{{ r.value }}", "{{ r.expected }}", "{{ r.assessment }}"],
          "indicators", [10, 42, 36, 22, 22, 24])

    styled(doc, "三、重点任务推进情况", "Heading 1")
    styled(doc, "（一）本期完成的任务", "Heading 2")
    listing(doc, "t", "done_tasks",
            lambda d: styled(d, "{{ loop.index }}. {{ t.title }}（牵头单位：{{ t.lead }}）。{{ t.work }}", "Normal"),
            "本期没有报告完成的任务。")
    styled(doc, "（二）滞后的任务", "Heading 2")

    def lagging(d) -> None:
        styled(d, "{{ loop.index }}. {{ t.title }}", "Heading 3", bold=True)
        styled(d, "牵头单位：{{ t.lead }}；完成进度：{{ t.progress }}。", "Normal")
        tag(d, "{%p for w in t.words %}")
        styled(d, "{{ w.unit }}：{{ w.text }}", "Normal")
        tag(d, "{%p endfor %}")

    listing(doc, "t", "lagging_tasks", lagging, "本期没有报告滞后的任务。")
    styled(doc, "（三）滞后于序时进度的指标和目标", "Heading 2")
    listing(doc, "m", "behind",
            lambda d: styled(d, "{{ loop.index }}. {{ m.name }}：目标{{ m.target }}，本期{{ m.value }}，按序时进度应达"
                                "{{ m.expected }}，{{ m.assessment }}（牵头单位：{{ m.lead }}）。{{ m.note }}", "Normal"),
            "本期没有滞后于序时进度的指标和目标。")

    styled(doc, "四、存在问题", "Heading 1")

    def problems(d) -> None:
        styled(d, "{{ g.number }}{{ g.chapter }}", "Heading 2")
        tag(d, "{%p for p in g.lines %}")
        styled(d, "{{ loop.index }}. {{ p.unit }}（{{ p.task }}）：{{ p.text }}", "Normal")
        tag(d, "{%p endfor %}")

    listing(doc, "g", "problem_groups", problems, "各单位本期没有报告存在问题。")

    styled(doc, "五、下步工作", "Heading 1")
    styled(doc, "针对滞后的任务，牵头单位提出的下步计划如下。区发改局将跟踪调度，督促按期推进。", "Normal")
    tag(doc, "{%p for n in next_steps %}")
    styled(doc, "{{ loop.index }}. {{ n.unit }}（{{ n.task }}）：{{ n.text }}", "Normal")
    tag(doc, "{%p endfor %}")

    tag(doc, "{%p if evaluation %}")  # year-end periods of a multi-year plan only
    styled(doc, "六、规划实施评估", "Heading 1")
    styled(doc, "按规划中期评估的分组，截至{{ period }}，规划主要指标{{ evaluation_total }}项：", "Normal")
    tag(doc, "{%p for g in evaluation %}")
    styled(doc, "{{ g.label }}{{ g.count }}项：{{ g.names }}。", "Normal")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if binding_lagging_count %}")
    styled(doc, "其中约束性指标滞后{{ binding_lagging_count }}项（{{ binding_lagging }}），需作为下步推进的重点。", "Normal")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")
    signature(doc)

    page_break(doc)
    styled(doc, "附件", "无缩进")
    doc.paragraphs[-1].runs[0].font.name = HEI_FONT
    set_fonts(doc.paragraphs[-1].runs[0]._r, HEI_FONT)
    styled(doc, "未报送和逾期单位", "附件标题")
    styled(doc, "截至{{ generated_date }}，以下{{ late_units|length }}个单位的填报表未报送、未被采用或逾期报送。", "Normal")
    table(doc, ["序号", "单位", "报送情况", "联系人", "联系电话"],
          ["{{ r.number }}", "{{ r.name }}", "{{ r.status }}", "{{ r.contact }}", "{{ r.phone }}"],
          "late_units", [12, 48, 46, 24, 26])
    doc.save(path)


def build_notice(path: Path) -> None:
    doc = new_document()
    doc.core_properties.title = "督办通知单"
    letterhead(doc)
    styled(doc, "督办通知单", "Title")
    styled(doc, "编号：{{ number }}", "落款")
    styled(doc, "{{ unit }}：", "无缩进")
    styled(doc, "根据{{ plan_title }}{{ period }}推进情况汇总，贵单位牵头（负责）的以下{{ items|length }}项事项"
                "列入督办。请对照目标抓紧推进，并于{{ reply_by }}前将原因分析、整改措施和完成时限书面报送区发改局。",
           "Normal")
    table(doc, ["序号", "事项", "目标或要求", "截止", "督办灯", "目前情况"],
          ["{{ r.number }}", "{{ r.name }}", "{{ r.target }}", "{{ r.deadline }}", "{{ r.light }}", "{{ r.state }}"],
          "items", [12, 40, 40, 16, 14, 34])
    styled(doc, "注：红灯为逾期未完成、连续两期滞后或尚未整改到位；黄灯为滞后于计划安排或序时进度。", "表格文字")
    styled(doc, "联系人：{{ office_contact }}", "Normal")
    signature(doc, gap=False)  # a notice with a few items stays on one page
    doc.save(path)


def build(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "report.docx", out_dir / "notice.docx"]
    build_report(paths[0])
    build_notice(paths[1])
    return paths


if __name__ == "__main__":
    for p in build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "templates" / "report"):
        print(p)
