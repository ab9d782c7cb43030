"""ReportData -> Word documents through the docxtpl templates in ``templates/report/``.

The templates hold the wording, letterhead, fonts and section order (the office edits them in
Word); this module only builds the Jinja context: numbers formatted, keys turned into the locale's
labels, charts as images. Text typed by departments goes in as escaped text: Jinja syntax, formulas
or XML in it appear literally (the sandboxed environment renders values, it never parses them).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any, Optional

from ..labels import Labels
from ..model import Period
from ..problems import LabelText, XltoolError
from ..resources import templates_dir
from ..wording import number
from . import charts
from .data import MeasureItem, Notice, ReportData, TaskItem, UnitWords

REPORT_TEMPLATE = "report.docx"
NOTICE_TEMPLATE = "notice.docx"
CHART_WIDTH_MM = 150
CN_DIGITS = "〇一二三四五六七八九"


class ReportError(XltoolError):
    """The report could not be written: REPORT_TEMPLATE_INVALID, REPORT_NO_CJK_FONT, REPORT_PDF_FAILED …"""


def template_path(name: str, folder: Optional[Path] = None) -> Path:
    """A template by name: in `folder` (--templates, the office's own copies) when given, else the
    shipped one in templates/report/."""
    return (Path(folder) if folder is not None else templates_dir() / "report") / name


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 23 -> 二十三 (section numbers (一)(二) …)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


def cn_date(d: dt.date, labels: Labels) -> str:
    """A date as the documents write it (label report.date: 2023年1月10日)."""
    return labels.fmt("report.date", year=d.year, month=d.month, day=d.day)


def _literal(text: Any):
    """Department text for the XML: escaped, and safe from docxtpl's own "{_{" / "%_}" unescaping."""
    from markupsafe import Markup, escape

    esc = str(escape("" if text is None else str(text)))
    return Markup(re.sub(r"(?<=[{%])_|_(?=[}%])", "&#95;", esc))


def _unpunctuated(text: str) -> str:
    """Without the final full stop or semicolon, so that phrases join without "。；"."""
    return text.rstrip("。；;，, ")


class _Words:
    """Formatting with the locale's labels."""

    def __init__(self, labels: Labels):
        self.lab = labels

    def t(self, key: str, **values) -> str:
        return self.lab.fmt(f"report.{key}", **values) if values else self.lab[f"report.{key}"]

    def value(self, v: Optional[float], unit: str = "") -> str:
        if v is None:
            return self.t("none")
        return number(round(v, 4)) + (unit or "")

    def progress(self, p: Optional[float]) -> str:
        return self.t("none") if p is None else f"{number(round(p, 4))}%"

    def units(self, names: list[str]) -> str:
        return "、".join(names) or self.t("none")

    def counts(self, counts: dict[str, int], group: str) -> str:
        parts = [self.t("count_item", label=self.lab[f"{group}.{k}"], count=n) for k, n in counts.items() if n]
        return self.t("count_sep").join(parts) or self.t("count_none")

    def unit_words(self, w: UnitWords, fields: tuple[str, ...]) -> str:
        parts = [self.t(f"word_{f}", text=_unpunctuated(getattr(w, f))) for f in fields if getattr(w, f)]
        return (self.t("word_sep").join(parts) or self.t("word_nothing")) + self.t("full_stop")

    def unit_state(self, u) -> str:
        """报送情况 of a unit in the annex: its submission status, and 逾期报送 with the date if late."""
        state = self.lab[f"submission.{u.status}"]
        if u.timeliness == "late":
            late = self.lab["chase.timeliness.late"]
            day = cn_date(dt.date.fromisoformat(u.delivered), self.lab)
            state = self.t("unit_late", status=state, late=late, date=day)
        return state

    def light(self, key: str) -> str:
        return self.t("none") if key == "none" else self.lab[f"lights.{key}"]

    def measure(self, m: MeasureItem, n: int) -> dict:
        notes = "；".join(f"{w.unit}：{w.work}" for w in m.notes if w.work)
        return {"number": n, "id": m.id, "name": _literal(m.name), "target": _literal(m.target_text),
                "value": self.value(m.value, m.unit_of_measure), "expected": self.value(m.expected, m.unit_of_measure),
                "assessment": self.lab[f"assessment.{m.assessment}"], "lead": _literal(self.units(m.lead_units)),
                "deadline": m.deadline or self.t("none"), "note": _literal(notes), "light": self.light(m.light)}


def report_context(data: ReportData, labels: Labels, tpl, *, with_charts: bool = True) -> dict:
    """The Jinja context of the report template (see templates/report/report.docx)."""
    w = _Words(labels)
    period = Period.parse(data.period_code)
    generated = dt.date.fromisoformat(data.generated_at[:10])

    def task(t: TaskItem, fields: tuple[str, ...]) -> dict:
        return {"id": t.id, "title": _literal(t.title), "chapter": _literal(t.chapter_title),
                "lead": _literal(w.units(t.lead_units)), "progress": w.progress(t.progress),
                "work": _literal("；".join(x.work for x in t.words if x.work)),
                "words": [{"unit": _literal(x.unit), "text": _literal(w.unit_words(x, fields))} for x in t.words]}

    groups = data.problems_by_chapter()
    ctx = {
        "plan_id": data.plan_id, "plan_title": _literal(data.plan_title), "period": labels.period(period),
        "period_start": cn_date(period.start, labels), "period_end": cn_date(period.end, labels),
        "date": cn_date(generated, labels), "generated_date": cn_date(generated, labels),
        "generated_at": data.generated_at,
        "s": {**data.submissions, "due": data.units_due},
        "tasks": {**data.task_statuses, "total": data.tasks_total},
        "indicator_summary": w.counts(data.indicator_assessments, "assessment"),
        "target_summary": w.counts(data.target_assessments, "assessment"),
        "targets_total": len(data.targets),
        "indicators": [w.measure(m, n) for n, m in enumerate(data.indicators, start=1)],
        "targets": [w.measure(m, n) for n, m in enumerate(data.targets, start=1)],
        "done_tasks": [task(t, ("work",)) for t in data.done_tasks],
        "lagging_tasks": [task(t, ("work", "problems")) for t in data.lagging_tasks],
        "behind": [w.measure(m, n) for n, m in enumerate(data.behind, start=1)],
        "problem_groups": [{"number": labels.fmt("report.section_number", cn=cn_number(n), index=n),
                            "chapter": _literal(title),
                            "lines": [{"unit": _literal(p.unit), "task": _literal(p.task_title), "text": _literal(p.text)}
                                      for p in items]}
                           for n, (title, items) in enumerate(groups, start=1)],
        "next_steps": [{"unit": _literal(x.unit), "task": _literal(t.title), "text": _literal(x.next_steps)}
                       for t in data.lagging_tasks for x in t.words if x.next_steps],
        "late_units": [{"number": n, "name": _literal(u.name), "status": w.unit_state(u),
                        "contact": _literal(u.contact or w.t("none")), "phone": _literal(u.phone or w.t("none"))}
                       for n, u in enumerate(data.late_units, start=1)],
        "due": cn_date(dt.date.fromisoformat(data.due), labels) if data.due else w.t("none"),
        "timely": data.timeliness,
        "lights": data.lights,
        "office_contact": w.t("office_contact"),
        "evaluation": [{"label": labels[f"evaluation.group.{g}"], "count": len(names),
                        "names": _literal("、".join(names))} for g, names in data.evaluation.items() if names],
        "evaluation_total": sum(len(names) for names in data.evaluation.values()),
        "binding_lagging": _literal("、".join(data.binding_lagging)),
        "binding_lagging_count": len(data.binding_lagging),
    }
    if with_charts:
        ctx.update(_charts(data, labels, tpl))
    return ctx


def _charts(data: ReportData, labels: Labels, tpl) -> dict:
    from docx.shared import Mm
    from docxtpl import InlineImage

    w = _Words(labels)
    statuses = ("done", "on_track", "not_started", "lagging", "no_report")

    def status_label(k: str) -> str:
        return w.t("no_report") if k == "no_report" else labels[f"status.{k}"]

    try:
        tasks_png = charts.stacked_bars(
            [c.title for c in data.chapters],
            [(k, status_label(k), [c.statuses[k] for c in data.chapters]) for k in statuses],
            w.t("chart_tasks"), w.t("chart_tasks_axis"))
        keys = list(data.indicator_assessments)
        targets_png = charts.stacked_bars(
            [w.t("chart_indicators_row"), w.t("chart_targets_row")],
            [(k, labels[f"assessment.{k}"], [data.indicator_assessments[k], data.target_assessments[k]]) for k in keys],
            w.t("chart_targets"), w.t("chart_targets_axis"))
        history_png = charts.history_panels(
            data.history, w.t("chart_history"),
            {k: w.t(f"chart_history_{k}") for k in ("value", "expected", "target")}) if data.history else None
    except charts.NoCjkFontError:
        raise ReportError("REPORT_NO_CJK_FONT") from None
    return {"chart_tasks": InlineImage(tpl, io.BytesIO(tasks_png), width=Mm(CHART_WIDTH_MM)),
            "chart_targets": InlineImage(tpl, io.BytesIO(targets_png), width=Mm(CHART_WIDTH_MM)),
            "chart_history": InlineImage(tpl, io.BytesIO(history_png), width=Mm(CHART_WIDTH_MM))
            if history_png else ""}


def _render(template: Path, context_of, out: str) -> None:
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    if not Path(template).is_file():  # python-docx would say "PackageNotFoundError: Package not found at …"
        raise ReportError("REPORT_TEMPLATE_INVALID", path=template, reason=LabelText("details.template_missing"))
    try:
        tpl = DocxTemplate(str(template))
        tpl.init_docx()
    except Exception as exc:  # not a Word document (zip, XML)
        raise ReportError("REPORT_TEMPLATE_INVALID", path=template, reason=f"{type(exc).__name__}: {exc}"[:200]) from None
    context = context_of(tpl)
    try:
        tpl.render(context, jinja_env=SandboxedEnvironment(), autoescape=True)
    except TemplateError as exc:
        raise ReportError("REPORT_TEMPLATE_INVALID", path=template, reason=f"{type(exc).__name__}: {exc}"[:200]) from None
    tpl.save(out)


def render_report(data: ReportData, labels: Labels, out: str, template: Optional[Path] = None) -> None:
    """Write the report .docx to `out` (a path; the caller stages it)."""
    _render(template_path(REPORT_TEMPLATE, template), lambda tpl: report_context(data, labels, tpl), out)


def notice_context(data: ReportData, notice: Notice, labels: Labels, reply_by: dt.date, n: int) -> dict:
    w = _Words(labels)
    period = Period.parse(data.period_code)
    generated = dt.date.fromisoformat(data.generated_at[:10])
    items = []
    for t in notice.tasks:
        mine = [x for x in t.words if x.unit == notice.unit.name]
        status = labels[f"status.{t.status}"] if t.status else w.t("no_report")
        items.append({"name": _literal(t.title), "target": _literal(w.t("notice_task_ask")), "deadline": t.deadline,
                      "light": w.light(t.light),
                      "state": _literal(w.t("notice_task_state", status=status, progress=w.progress(t.progress))
                                        + "".join(w.t("word_sep") + w.t("word_problems", text=x.problems)
                                                  for x in mine if x.problems))})
    for m in notice.measures:
        items.append({"name": _literal(m.name), "target": _literal(m.target_text), "deadline": m.deadline or w.t("none"),
                      "light": w.light(m.light),
                      "state": _literal(w.t("notice_measure_state", value=w.value(m.value, m.unit_of_measure),
                                            expected=w.value(m.expected, m.unit_of_measure),
                                            assessment=labels[f"assessment.{m.assessment}"]))})
    for k, item in enumerate(items, start=1):
        item["number"] = k
    return {"unit": _literal(notice.unit.name), "plan_title": _literal(data.plan_title), "period": labels.period(period),
            "number": w.t("notice_number", plan=data.plan_id, period=data.period_code, n=n),
            "items": items, "reply_by": cn_date(reply_by, labels), "date": cn_date(generated, labels),
            "office_contact": w.t("office_contact")}


def render_notice(data: ReportData, notice: Notice, labels: Labels, reply_by: dt.date, n: int, out: str,
                  template: Optional[Path] = None) -> None:
    _render(template_path(NOTICE_TEMPLATE, template),
            lambda tpl: notice_context(data, notice, labels, reply_by, n), out)


def notice_stems(data: ReportData, notices: list[Notice], labels: Labels) -> list[str]:
    """File name stems (label file_names.notice: <plan>_<period>_督办通知单_<unit>), safe on every
    system and unique."""
    from ..files import labelled_stem, unique_names

    return unique_names([labelled_stem(labels, "notice", plan=data.plan_id, period=data.period_code, unit=x.unit.name)
                         for x in notices])
