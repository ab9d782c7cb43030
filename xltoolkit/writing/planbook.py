"""The plan workbook (分工表, `xltool plan export`): 说明, 单位名录, 任务分工 and the hidden metadata.

Same house style as the returns: input cells yellow and unlocked, everything else locked by sheet
protection, data validation with zh-CN prompts. 牵头单位/责任单位 cells offer the 单位名录 names as a
dropdown but accept typed lists ("区发改局、区科经局"): the validation only informs.
"""

from __future__ import annotations

from typing import Optional

from xlsxwriter.utility import xl_rowcol_to_cell

from .. import FORM_VERSION, __version__, wording
from ..labels import Labels
from ..metadata import ReturnMeta
from ..model import Plan
from ..planbook import (ASSIGNMENT_FORM, BLANK_UNIT_ROWS, DIRECTORY_FORM, HEADER_ROW, PLANBOOK_KIND, category,
                        has_baseline, planbook_vocabulary)
from ..suggest import Suggestion
from .styles import Styles
from .tables import row_height, validate
from .workbook import new_workbook, protect, quote_sheet, save, setup_print, write_metadata, write_title


def write_planbook(path: str, plan: Plan, fingerprint: str, labels: Labels, generated_at: str,
                   suggestions: Optional[dict[str, Suggestion]] = None, other: Optional[Plan] = None,
                   example_note: str = "") -> None:
    """Write the plan workbook of `plan` to `path` (the caller renames it into place). With `other`
    (the plan suggestions come from), its units are listed in the directory after the plan's own."""
    workbook, styles = new_workbook(path)
    _write_readme(workbook, styles, labels, plan, other.id if other else "", example_note)
    known = {u.name for u in plan.units}
    extra = [u for u in (other.units if other else []) if u.name not in known]
    names_range = _write_directory(workbook, styles, labels, plan, extra)
    _write_assignment(workbook, styles, labels, plan, suggestions or {}, names_range)
    meta = ReturnMeta(plan_id=plan.id, plan_fingerprint=fingerprint, unit_id="*", unit_name="*", period="-",
                      form_version=FORM_VERSION, tool_version=__version__, generated_at=generated_at,
                      kind=PLANBOOK_KIND)
    vocab = planbook_vocabulary(labels)
    vocab["sheets"] = {k: labels[f"planbook.sheets.{k}"] for k in ("directory", "assignment")}
    write_metadata(workbook, meta, labels, styles, vocab)
    workbook.worksheets()[1].activate()
    workbook.set_properties({"title": labels.fmt("planbook.title", plan=plan.title), "author": "xltool"})
    save(workbook)


def _write_readme(workbook, styles: Styles, labels: Labels, plan: Plan, suggest_from: str, example: str) -> None:
    ws = workbook.add_worksheet(labels["planbook.sheets.readme"])
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 96)
    write_title(ws, styles, labels.fmt("planbook.title", plan=plan.title), 1, height=40)
    rows = [(label, text.format(plan=plan.id, source=suggest_from or "-"))
            for label, text in labels["planbook.readme"]]
    if example:
        rows.insert(0, (labels["planbook.example_label"], example))
    for r, (label, text) in enumerate(rows, start=2):
        ws.write_string(r, 0, label, styles.label)
        ws.write_string(r, 1, text, styles.text)
        ws.set_row(r, max(row_height([(text, 96)]) or 0, 20))
    setup_print(ws, labels, landscape=False)
    protect(ws, None)


def _header(ws, styles: Styles, labels: Labels, form, title: str, note: str) -> None:
    for c, col in enumerate(form.columns):
        ws.set_column(c, c, col.width)
    write_title(ws, styles, title, len(form.columns) - 1, subtitle=note)
    ws.write_row(HEADER_ROW, 0, form.headers(labels), styles.header)
    ws.set_row(HEADER_ROW, 30)
    ws.set_row(1, 45)


def _write_directory(workbook, styles: Styles, labels: Labels, plan: Plan, extra: list) -> str:
    """单位名录; returns the range of its name cells (for the dropdowns of 任务分工)."""
    form = DIRECTORY_FORM
    sheet = labels["planbook.sheets.directory"]
    ws = workbook.add_worksheet(sheet)
    _header(ws, styles, labels, form, labels.fmt("planbook.directory_title", plan=plan.title),
            labels["planbook.directory_note"])
    first = HEADER_ROW + 1
    kinds = form.column("kind")
    rows = [{"id": u.id, "name": u.name, "kind": labels[f"unit_kind.{u.kind.value}"], "aliases": "、".join(u.aliases),
             "members": "、".join(u.members), "contact": u.contact or "", "phone": u.phone or ""}
            for u in [*plan.units, *extra]]
    rows += [{}] * BLANK_UNIT_ROWS
    for n, values in enumerate(rows):
        r = first + n
        for c, col in enumerate(form.columns):
            text = values.get(col.key, "")
            fmt = styles.center if col.type.value == "id" else (styles.input if col.input else styles.text)
            if text:
                ws.write_string(r, c, text, fmt)
            else:
                ws.write_blank(r, c, None, fmt)
        height = row_height([(values.get("members", ""), form.column("members").width),
                             (values.get("name", ""), form.column("name").width)])
        ws.set_row(r, max(height or 0, 20))
    last = first + len(rows) - 1
    for c, col in enumerate(form.columns):
        if col.input:
            validate(ws, labels, first, last, c, col.type, col.max_length,
                     kinds.choice_labels(labels) if col.key == "kind" else None,
                     prompt_key="planbook.prompts.kind" if col.key == "kind" else None)
    ws.freeze_panes(first, 2)
    ws.autofilter(HEADER_ROW, 0, last, len(form.columns) - 1)
    setup_print(ws, labels, header_rows=(HEADER_ROW, HEADER_ROW))
    protect(ws, None)
    name_col = form.index("name")
    return (f"={quote_sheet(sheet)}!{xl_rowcol_to_cell(first, name_col, True, True)}:"
            f"{xl_rowcol_to_cell(last, name_col, True, True)}")


SHOWN_KEYWORD_UNITS = 3  # duty-keyword evidence shown for at most this many of the ranked units
SHOWN_KEYWORDS = 4  # … with at most this many keywords each


def _suggestion_text(s: Optional[Suggestion], labels: Labels) -> str:
    """建议单位: the ranked units (a unit no plan has marked as one to add), then the evidence: units
    the text names, duty keywords found, the most similar item of the other plan and its units."""
    if s is None:
        return ""
    parts = []
    if s.ranked:
        names = [labels.fmt("planbook.suggest_proposed", unit=r.name) if r.proposed else r.name for r in s.ranked]
        parts.append(labels.fmt("planbook.suggest_ranked", units="、".join(names)))
    if s.named_units:
        parts.append(labels.fmt("planbook.suggest_named", units="、".join(s.named_units)))
    duty = [labels.fmt("planbook.suggest_duty_unit", unit=unit, keywords="、".join(words[:SHOWN_KEYWORDS]))
            for unit, words in s.duty_keywords[:SHOWN_KEYWORD_UNITS]]
    if duty:
        parts.append(labels.fmt("planbook.suggest_duty", units="；".join(duty)))
    if s.matched_id:
        roles = []
        if s.lead_units:
            roles.append(labels["return_sheet.lead_mark"] + "、".join(s.lead_units))
        if s.responsible_units:
            roles.append(labels["return_sheet.responsible_mark"] + "、".join(s.responsible_units))
        parts.append(labels.fmt("planbook.suggest_similar", item=s.matched_id, score=f"{s.score:.2f}",
                                units="；".join(roles)))
    return "\n".join(parts)


def _write_assignment(workbook, styles: Styles, labels: Labels, plan: Plan, suggestions: dict[str, Suggestion],
                      names_range: str) -> None:
    """任务分工: one row per indicator, task and task target; units for indicators and tasks, baselines
    for indicators and targets of measure `level` (other cells locked)."""
    form = ASSIGNMENT_FORM
    ws = workbook.add_worksheet(labels["planbook.sheets.assignment"])
    _header(ws, styles, labels, form, labels.fmt("planbook.assignment_title", plan=plan.title),
            labels["planbook.assignment_note"])
    rows = []
    for ind in plan.indicators:
        rows.append(({"id": ind.id, "category": labels[category("indicator")], "chapter": "", "name": ind.name,
                      "text": wording.target_line(ind.target, labels) if not ind.text else ind.text,
                      "lead_units": "、".join(ind.lead_units), "responsible_units": "、".join(ind.responsible_units),
                      "baseline": ind.target.baseline, "baseline_year": ind.target.baseline_year,
                      "suggestion": _suggestion_text(suggestions.get(ind.id), labels)}, True, has_baseline(ind.target)))
    for chapter in plan.chapters:
        for t in chapter.tasks:
            rows.append(({"id": t.id, "category": labels[category("task")], "chapter": chapter.title, "name": t.title,
                          "text": t.text, "lead_units": "、".join(t.lead_units),
                          "responsible_units": "、".join(t.responsible_units),
                          "suggestion": _suggestion_text(suggestions.get(t.id), labels)}, True, False))
            for x in t.targets:
                rows.append(({"id": x.id, "category": labels[category("target")], "chapter": chapter.title,
                              "name": t.title, "text": wording.target_line(x, labels), "baseline": x.baseline,
                              "baseline_year": x.baseline_year}, False, has_baseline(x)))
    first = HEADER_ROW + 1
    units_col = [form.index("lead_units"), form.index("responsible_units")]
    base_cols = [form.index("baseline"), form.index("baseline_year")]
    note_col = form.index("note")
    for n, (values, assign, baseline) in enumerate(rows):
        r = first + n
        for c, col in enumerate(form.columns):
            editable = (c in units_col and assign) or (c in base_cols and baseline) or c == note_col
            value = values.get(col.key)
            fmt = styles.input if editable else (styles.center if col.type.value == "id" else styles.text)
            if isinstance(value, (int, float)) and value is not None:
                ws.write_number(r, c, value, styles.input_number if editable else styles.number)
            elif value:
                ws.write_string(r, c, str(value), fmt)
            else:
                ws.write_blank(r, c, None, fmt)
            if editable and c in units_col:
                ws.data_validation(r, c, r, c, {
                    "validate": "list", "source": names_range, "error_type": "information",
                    "input_title": labels["planbook.prompts.units"][0], "input_message": labels["planbook.prompts.units"][1],
                    "error_title": labels["planbook.prompts.units_error"][0],
                    "error_message": labels["planbook.prompts.units_error"][1]})
            elif editable and c in base_cols:
                validate(ws, labels, r, r, c, col.type, None, prompt_key=f"planbook.prompts.{col.key}")
        height = row_height([(str(values.get(k) or ""), form.column(k).width) for k in ("text", "name", "suggestion")],
                            cached=True)
        ws.set_row(r, max(height or 0, 24))
    last = first + len(rows) - 1
    ws.freeze_panes(first, 2)
    ws.autofilter(HEADER_ROW, 0, last, len(form.columns) - 1)
    setup_print(ws, labels, header_rows=(HEADER_ROW, HEADER_ROW))
    protect(ws, None)
