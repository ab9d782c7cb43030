"""The return form, defined once: used by the workbook writer and by the return reader.

A unit's sheet holds a header block (who reported, when) and three sections, one row per item:
indicators, tasks, and the quantitative targets of the tasks it leads. Each section is a `Form`: an ordered list of `Column`s. The writer lays the
columns out in this order; the reader locates each section by its header row and each item row by
the id in the first column, so rows may be sorted or filtered and still be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Optional

from .labels import Labels


class ColumnType(str, Enum):
    id = "id"  # the item's stable id (locked)
    text = "text"  # locked text from the plan
    choice = "choice"  # input: one of `choices`
    percent = "percent"  # input: number 0–100
    number = "number"  # input: any number
    longtext = "longtext"  # input: free text up to `max_length`
    date = "date"  # input: a date
    phone = "phone"  # input: a telephone number


# Task status: the answer's stable keys, in dropdown order, defined once. Their words are the labels
# ``status.<key>``; a return's cell text is mapped to the key once, on read (see `choice_key`).
STATUS_KEYS = ("not_started", "on_track", "done", "lagging")


@dataclass(frozen=True)
class Column:
    """One column of a form.

    Args:
        key: stable name used in code and JSON (``status``).
        label: key of the header text in the label file (``columns.status``).
        type: what the cell holds; decides data validation and how the reader parses it.
        input: True for cells the department fills in (unlocked, shaded); False for locked plan text.
        width: column width in Excel character units. The widths of a sheet's columns are chosen
            so that the sheet prints one page wide on A4 landscape with its text at 8 pt or more
            (see `writing.workbook.print_scale`); a unit sheet's column i is as wide as the widest
            column i of its three forms.
        max_length: longest accepted text for input text columns.
        choices: for a choice column, the keys of its answers; their words are ``labels[f"{choice_group}.{key}"]``.
    """

    key: str
    label: str
    type: ColumnType
    input: bool = False
    width: float = 12
    max_length: Optional[int] = None
    choices: tuple[str, ...] = ()
    choice_group: str = ""
    # Shown only when last period's answers are known (generate --db): the 上期 columns. Locked,
    # never required by the reader, never compared with the plan.
    last: bool = False

    def header(self, labels: Labels) -> str:
        return labels[self.label]

    def choice_labels(self, labels: Labels) -> list[str]:
        """The answers as shown in the dropdown, in order."""
        return [labels[f"{self.choice_group}.{k}"] for k in self.choices]

    def choice_key(self, text: str, vocabularies: "Iterable[Labels]") -> Optional[str]:
        """The key of an answer's text in any of `vocabularies` (the return's own words first), or None."""
        wanted = text.strip()
        for labels in vocabularies:
            for key in self.choices:
                try:
                    if str(labels[f"{self.choice_group}.{key}"]).strip() == wanted:
                        return key
                except KeyError:
                    continue
        return None


@dataclass(frozen=True)
class Form:
    """An ordered set of columns; column index i is spreadsheet column i (0 = A)."""

    key: str
    columns: tuple[Column, ...]

    def index(self, key: str) -> int:
        for i, col in enumerate(self.columns):
            if col.key == key:
                return i
        raise KeyError(key)

    def column(self, key: str) -> Column:
        return self.columns[self.index(key)]

    @property
    def id_index(self) -> int:
        """The column holding each row's stable id (the reader finds rows by it)."""
        return next(i for i, c in enumerate(self.columns) if c.type is ColumnType.id)

    @property
    def inputs(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.input)

    def headers(self, labels: Labels) -> list[str]:
        return [c.header(labels) for c in self.columns]

    def shown(self, with_last: bool = False) -> "Form":
        """The form as written: with its 上期 columns (the ones marked `last`) when `with_last`."""
        return WITH_LAST.get(self.key, self) if with_last else self

    def without_last(self) -> "Form":
        return Form(self.key, tuple(c for c in self.columns if not c.last))


TEXT_LIMIT = 2000  # characters per free-text answer; Excel cells hold 32,767

INDICATOR_FORM = Form("indicators", (
    Column("id", "columns.id", ColumnType.id, width=6),
    Column("kind", "columns.indicator_kind", ColumnType.text, width=6),
    Column("name", "columns.indicator_name", ColumnType.text, width=9),
    Column("target", "columns.target_text", ColumnType.text, width=20),
    Column("comparator", "columns.comparator", ColumnType.text, width=8),
    Column("unit", "columns.target_unit", ColumnType.text, width=6),
    Column("role", "columns.role", ColumnType.text, width=5),
    Column("others", "columns.other_units", ColumnType.text, width=7),
    Column("actual", "columns.actual", ColumnType.number, input=True, width=6),
    Column("note", "columns.data_note", ColumnType.longtext, input=True, width=12, max_length=TEXT_LIMIT),
))

TASK_FORM_LAST = Form("tasks", (
    Column("id", "columns.id", ColumnType.id, width=6),
    Column("chapter", "columns.chapter", ColumnType.text, width=6),
    Column("title", "columns.task_title", ColumnType.text, width=9),
    Column("text", "columns.task_text", ColumnType.text, width=46),
    Column("targets", "columns.task_targets", ColumnType.text, width=12),
    Column("role", "columns.role", ColumnType.text, width=5),
    Column("others", "columns.other_units", ColumnType.text, width=7),
    Column("last_status", "columns.last_status", ColumnType.text, width=6, last=True),
    Column("last_progress", "columns.last_progress", ColumnType.text, width=6, last=True),
    Column("last_next_steps", "columns.last_next_steps", ColumnType.text, width=10, last=True),
    Column("status", "columns.status", ColumnType.choice, input=True, width=7, choices=STATUS_KEYS,
           choice_group="status"),
    Column("progress", "columns.progress", ColumnType.percent, input=True, width=6),
    Column("work", "columns.work", ColumnType.longtext, input=True, width=12, max_length=TEXT_LIMIT),
    Column("problems", "columns.problems", ColumnType.longtext, input=True, width=8, max_length=TEXT_LIMIT),
    Column("next_steps", "columns.next_steps", ColumnType.longtext, input=True, width=8, max_length=TEXT_LIMIT),
))

# The master workbook's indicator sheets (约束性指标, 预期性指标): the plan's view of each indicator.
MASTER_INDICATOR_FORM = Form("master_indicators", (
    Column("id", "columns.id", ColumnType.id, width=6),
    Column("name", "columns.indicator_name", ColumnType.text, width=14),
    Column("target", "columns.target_text", ColumnType.text, width=22),
    Column("value", "columns.target_value", ColumnType.text, width=7),
    Column("unit", "columns.target_unit", ColumnType.text, width=6),
    Column("comparator", "columns.comparator", ColumnType.text, width=8),
    Column("direction", "columns.direction", ColumnType.text, width=6),
    Column("deadline", "columns.deadline", ColumnType.text, width=6),
    Column("lead_units", "columns.lead_units", ColumnType.text, width=10),
    Column("responsible_units", "columns.responsible_units", ColumnType.text, width=16),
    Column("actual", "columns.actual", ColumnType.number, input=True, width=7),
    Column("note", "columns.data_note", ColumnType.longtext, input=True, width=18, max_length=TEXT_LIMIT),
))

# The master's 待分配 sheet: items the document assigns to no unit (the office assigns them in the
# plan workbook: xltool plan export / plan import).
UNASSIGNED_FORM = Form("unassigned", (
    Column("id", "columns.id", ColumnType.id, width=6),
    Column("kind", "unassigned_sheet.kind", ColumnType.text, width=6),
    Column("chapter", "columns.chapter", ColumnType.text, width=8),
    Column("title", "columns.task_title", ColumnType.text, width=10),
    Column("text", "columns.task_text", ColumnType.text, width=48),
    Column("targets", "columns.task_targets", ColumnType.text, width=18),
))

# The quantitative targets inside the tasks a unit leads (三、量化目标): one row per target.
TARGET_FORM_LAST = Form("targets", (
    Column("id", "columns.id", ColumnType.id, width=6),
    Column("task", "columns.target_task", ColumnType.text, width=6),
    Column("text", "columns.target_text", ColumnType.text, width=9),
    Column("value", "columns.target_value", ColumnType.text, width=6),
    Column("unit", "columns.target_unit", ColumnType.text, width=6),
    Column("rule", "columns.comparator", ColumnType.text, width=6),
    Column("deadline", "columns.deadline", ColumnType.text, width=5),
    Column("last_actual", "columns.last_target_actual", ColumnType.text, width=7, last=True),
    Column("actual", "columns.target_actual", ColumnType.number, input=True, width=7),
    Column("note", "columns.data_note", ColumnType.longtext, input=True, width=6, max_length=TEXT_LIMIT),
))

# The forms as written without history; with it (generate --db), the returns use the *_LAST forms
# (the same columns plus the locked 上期 ones, before the inputs). The reader knows only these.
TASK_FORM, TARGET_FORM = TASK_FORM_LAST.without_last(), TARGET_FORM_LAST.without_last()
WITH_LAST = {f.key: f for f in (TASK_FORM_LAST, TARGET_FORM_LAST)}
FORMS = (INDICATOR_FORM, TASK_FORM, TARGET_FORM)
FORMS_BY_KEY = {f.key: f for f in (*FORMS, MASTER_INDICATOR_FORM, UNASSIGNED_FORM)}


def vocabulary(labels: Labels, forms: Iterable[Form] = FORMS, with_last: bool = False) -> dict:
    """The words a workbook was written with, by key: each form's column headers and each choice
    column's answers. Written into the workbook's metadata so that a reader in another locale (or
    after a wording change) still maps the headers and answers to their keys."""
    out: dict = {"forms": {}, "choices": {}}
    for form in forms:
        form = form.shown(with_last)
        out["forms"][form.key] = {c.key: c.header(labels) for c in form.columns}
        for c in form.columns:
            if c.choices:
                out["choices"][c.choice_group] = {k: labels[f"{c.choice_group}.{k}"] for k in c.choices}
    return out


def vocabulary_labels(vocab: dict) -> Labels:
    """A vocabulary read from a workbook as a Labels object answering ``<group>.<key>`` for choices."""
    return Labels(dict(vocab.get("choices") or {}))
SHEET_WIDTH = max(len(f.columns) for f in FORMS)  # columns a unit sheet spans (without 上期)
SHEET_WIDTH_LAST = max(len(f.shown(True).columns) for f in FORMS)  # with the 上期 columns


@dataclass(frozen=True)
class HeaderField:
    """A labelled cell of the header block: label in column B, value in column C, one row each."""

    key: str
    label: str
    type: ColumnType
    input: bool = True
    max_length: Optional[int] = 50


HEADER_FIELDS = (
    HeaderField("unit", "header.unit", ColumnType.text, input=False),
    HeaderField("reporter", "header.reporter", ColumnType.longtext),
    HeaderField("phone", "header.phone", ColumnType.phone, max_length=30),
    HeaderField("date", "header.date", ColumnType.date),
    HeaderField("reviewer", "header.reviewer", ColumnType.longtext),
)


@dataclass(frozen=True)
class SheetLayout:
    """Fixed row positions of a unit sheet (0-based rows). Sections start after the header block."""

    title_row: int = 0
    subtitle_row: int = 1
    header_first_row: int = 2  # header block rows 2..6
    label_col: int = 1  # B
    value_col: int = 2  # C

    def header_row(self, key: str) -> int:
        for i, f in enumerate(HEADER_FIELDS):
            if f.key == key:
                return self.header_first_row + i
        raise KeyError(key)

    @property
    def first_section_row(self) -> int:
        return self.header_first_row + len(HEADER_FIELDS) + 1


LAYOUT = SheetLayout()
