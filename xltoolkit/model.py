"""The plan model: the single source of truth for every workbook xltool writes and reads.

A plan file (YAML or JSON) is validated into these models. Unit references in a plan file may use any
spelling the source document used (an alias); `Plan` normalizes them to canonical unit names, so
everything downstream sees one name per unit.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from enum import Enum
from typing import Annotated, Optional, Union

import unicodedata

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_serializer, model_validator

ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_.\-]{0,39}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]

# Text from a plan flows into sheet names, file names, hyperlink tips (Excel: 255 characters),
# document properties and cells. Limits, in characters (README "Plan files within bounds"):
MAX_UNIT_NAME = 100  # unit names, aliases, members
MAX_TITLE = 200  # plan title, chapter titles, indicator names, document facts
MAX_TASK_TITLE = 500
MAX_TEXT = 10_000  # a task's full text (the bundled plans: at most 1,021); Excel cells hold 32,767
MAX_NOTE = 5_000  # notes, decisions, assignment texts, target texts
# Characters no name or text may hold: control characters (a text may hold line breaks and tabs),
# format characters (zero-width spaces and joiners, direction marks and overrides, BOM, soft
# hyphen), line and paragraph separators. They make workbooks unreadable or names deceptive.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})  # Unicode general categories
_TEXT_ALLOWED = {"\n", "\t", "\r"}


def _visible(limit: int, multiline: bool):
    def check(value: str) -> str:
        if len(value) > limit:
            raise PlanError("TEXT_TOO_LONG", (), limit=limit, actual=len(value))
        if not value.isprintable():  # fast path: most text has no such character at all
            for i, ch in enumerate(value, start=1):
                if unicodedata.category(ch) in INVISIBLE_CATEGORIES and not (multiline and ch in _TEXT_ALLOWED):
                    raise PlanError("TEXT_INVISIBLE_CHAR", (), char=f"U+{ord(ch):04X}",
                                    name=unicodedata.name(ch, "control"), position=i)
        return value

    return AfterValidator(check)


NonEmpty = Annotated[str, Field(min_length=1), _visible(MAX_NOTE, True)]
UnitName = Annotated[str, Field(min_length=1), _visible(MAX_UNIT_NAME, False)]
Title = Annotated[str, Field(min_length=1), _visible(MAX_TITLE, False)]
TaskTitle = Annotated[str, Field(min_length=1), _visible(MAX_TASK_TITLE, False)]
LongText = Annotated[str, Field(min_length=1), _visible(MAX_TEXT, True)]
Fact = Annotated[str, _visible(MAX_TITLE, False)]
Note = Annotated[str, _visible(MAX_NOTE, True)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)


class UnitKind(str, Enum):
    """What kind of body a unit is; collectives stand for a group ("各街道")."""

    department = "department"
    party_organ = "party_organ"
    mass_organization = "mass_organization"
    judicial = "judicial"
    street_office = "street_office"
    management_committee = "management_committee"
    city_branch = "city_branch"
    collective = "collective"


class IndicatorKind(str, Enum):
    binding = "binding"  # 约束性
    expected = "expected"  # 预期性


class Comparator(str, Enum):
    ge = ">="
    gt = ">"
    le = "<="
    lt = "<"
    eq = "="
    approx = "~"
    range = "range"
    qualitative = "qualitative"


class Direction(str, Enum):
    higher_better = "higher_better"
    lower_better = "lower_better"
    qualitative = "qualitative"


class Measure(str, Enum):
    """How a target's number is reported and judged (see assessment.py).

    cumulative: an amount added up over the plan period (新增/引进/培育/建成 N): report the total so far;
    level: a value to be at (受教育年限12.5年, 覆盖率达到41.51%): report the current value;
    rate: a growth rate (年均增长7%, 增长10%): report this period's rate;
    qualitative: no number (完成市下达目标): reported in words.
    """

    cumulative = "cumulative"
    level = "level"
    rate = "rate"
    qualitative = "qualitative"


class Unit(_Model):
    """A body that reports: a department, a street office, a collective of units …"""

    id: Id
    name: UnitName
    kind: UnitKind
    aliases: list[UnitName] = []
    members: list[UnitName] = []  # for collectives: canonical names of member units
    contact: Optional[Note] = None  # who to call (from the plan workbook's 单位名录); not in the fingerprint
    phone: Optional[Note] = None
    note: Optional[Note] = None


class DerivedFrom(_Model):
    """The plan a plan was made from (plan import): its id and fingerprint."""

    id: Id
    fingerprint: NonEmpty


class Target(_Model):
    """A quantitative (or qualitative) commitment, parsed from its text as written.

    `id` and `measure` may be left out of a plan file: a task's targets get ids ``<task id>-1``,
    ``-2`` … in text order, and the measure is inferred from the wording (measures.py); the bundled
    plans write both. `baseline` (with `baseline_year`) is the value at the start of the plan period,
    used to judge `level` targets against their pace.
    """

    id: Optional[Id] = None
    text: NonEmpty
    metric: Optional[Fact] = None  # what is measured, e.g. "独角兽或准独角兽企业"
    value: Union[float, tuple[float, float], None] = None
    unit: Optional[Fact] = None  # unit of measure: 年, %, ‰, 家, 亿元, 万人 …
    comparator: Comparator
    direction: Direction
    deadline_year: Optional[int] = Field(default=None, ge=2000, le=2100)
    period: Optional[Fact] = None  # period phrase as written: 到2025年, 未来五年, 全年, 年均
    measure: Optional[Measure] = None
    baseline: Optional[float] = None
    baseline_year: Optional[int] = Field(default=None, ge=1990, le=2100)
    note: Optional[Note] = None

    @model_validator(mode="after")
    def _coherent(self) -> "Target":
        c, v, d = self.comparator, self.value, self.direction
        if self.measure is not None and (c is Comparator.qualitative) != (self.measure is Measure.qualitative):
            raise PlanError("TARGET_MEASURE_COMPARATOR", ("measure",), measure=self.measure.value,
                            comparator=c.value)
        if self.baseline is not None and self.measure not in (None, Measure.level):
            raise PlanError("TARGET_BASELINE_NOT_LEVEL", ("baseline",), measure=self.measure.value)
        if c is Comparator.qualitative:
            if v is not None:
                raise PlanError("TARGET_QUALITATIVE_HAS_VALUE", ("value",))
            if d is not Direction.qualitative:
                raise PlanError("TARGET_QUALITATIVE_DIRECTION", ("direction",), direction=d.value)
            return self
        if d is Direction.qualitative:
            raise PlanError("TARGET_NEEDS_DIRECTION", ("direction",), comparator=c.value)
        if v is None:
            raise PlanError("TARGET_NEEDS_VALUE", ("value",), comparator=c.value)
        if c is Comparator.range:
            if not isinstance(v, tuple) or not v[0] < v[1]:
                raise PlanError("TARGET_RANGE_ORDER", ("value",), value=_number_text(v))
        elif isinstance(v, tuple):
            raise PlanError("TARGET_SINGLE_VALUE", ("value",), comparator=c.value, value=_number_text(v))
        if c in (Comparator.ge, Comparator.gt) and d is Direction.lower_better:
            raise PlanError("TARGET_DIRECTION_CONTRADICTS", ("direction",), comparator=c.value, direction=d.value)
        if c in (Comparator.le, Comparator.lt) and d is Direction.higher_better:
            raise PlanError("TARGET_DIRECTION_CONTRADICTS", ("direction",), comparator=c.value, direction=d.value)
        return self

    @property
    def low(self) -> Optional[float]:
        return self.value[0] if isinstance(self.value, tuple) else self.value

    @property
    def high(self) -> Optional[float]:
        return self.value[1] if isinstance(self.value, tuple) else self.value


class _Assigned(_Model):
    """Something units are assigned to: lead units (牵头) and responsible units (责任)."""

    assignment_text: Optional[Note] = None  # the assignment as written, e.g. "(牵头单位:…,责任单位:…)"
    lead_units: list[UnitName] = []
    responsible_units: list[UnitName] = []
    notes: list[Note] = []

    @property
    def units(self) -> list[str]:
        """All involved units, leads first, without repeats."""
        return list(dict.fromkeys([*self.lead_units, *self.responsible_units]))

    def role_of(self, unit_name: str) -> Optional[str]:
        if unit_name in self.lead_units:
            return "lead"
        if unit_name in self.responsible_units:
            return "responsible"
        return None


class Indicator(_Assigned):
    """A main indicator (主要指标) with one target."""

    id: Id
    kind: IndicatorKind
    name: Title
    text: Optional[Note] = None  # the line as written in the document
    target: Target


class Task(_Assigned):
    """A task (任务) with its full text and the quantitative targets found in it."""

    id: Id
    title: TaskTitle  # heading: the first sentence
    text: LongText
    targets: list[Target] = []


class Chapter(_Model):
    id: Id
    title: Title
    tasks: list[Task] = []


DEFAULT_DUE_DAYS = 10  # returns are due 10 days after the period ends, unless the plan says otherwise


class PeriodKind(str, Enum):
    year = "year"
    half = "half"
    quarter = "quarter"


class PeriodError(ValueError):
    """A period that cannot be used, as data: a code (``errors.<code>`` in the label file) and the
    message parameters. PERIOD_INVALID: not period text; PERIOD_OUTSIDE_HORIZON,
    PERIOD_KIND_NOT_ACCEPTED: a period the plan does not accept (`Plan.accepts`)."""

    def __init__(self, code: str, **params):
        super().__init__(f"{code} {params}")
        self.code = code
        self.params = params


PERIOD_RE = re.compile(r"^(?P<year>\d{4})(?:(?P<kind>[HQ])(?P<index>\d))?$")


class Period(BaseModel):
    """A reporting period: 2022, 2022H2 or 2022Q4."""

    model_config = ConfigDict(frozen=True)

    year: int
    kind: PeriodKind
    index: int = 0  # 1–2 for halves, 1–4 for quarters, 0 for a year

    @classmethod
    def parse(cls, text: str) -> "Period":
        m = PERIOD_RE.match(str(text).strip().upper())
        if not m:
            raise PeriodError("PERIOD_INVALID", text=text)
        year, kind, index = int(m["year"]), m["kind"], int(m["index"] or 0)
        if kind == "H" and index in (1, 2):
            return cls(year=year, kind=PeriodKind.half, index=index)
        if kind == "Q" and index in (1, 2, 3, 4):
            return cls(year=year, kind=PeriodKind.quarter, index=index)
        if kind is None:
            return cls(year=year, kind=PeriodKind.year)
        raise PeriodError("PERIOD_INVALID", text=text)

    @property
    def code(self) -> str:
        return {"year": f"{self.year}", "half": f"{self.year}H{self.index}",
                "quarter": f"{self.year}Q{self.index}"}[self.kind.value]

    @property
    def end_month(self) -> int:
        return {"year": 12, "half": 6 * self.index, "quarter": 3 * self.index}[self.kind.value]

    @property
    def start_month(self) -> int:
        return {"year": 1, "half": 6 * self.index - 5, "quarter": 3 * self.index - 2}[self.kind.value]

    @property
    def start(self) -> dt.date:
        """The first day of the period."""
        return dt.date(self.year, self.start_month, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the period."""
        return dt.date(self.year, self.end_month, calendar.monthrange(self.year, self.end_month)[1])

    @property
    def is_year_end(self) -> bool:
        """Whether the period ends on 31 December (a year, a second half or a fourth quarter)."""
        return self.end_month == 12

    def __str__(self) -> str:
        return self.code


class ManualEdit(_Model):
    """A reviewed difference between what `xltool parse` makes of the source and the bundled plan."""

    item: NonEmpty  # id of the indicator, task or unit, or "plan"
    field: NonEmpty  # dotted field inside the item, e.g. "targets.0.comparator"
    reason: NonEmpty


class AssessmentSettings(_Model):
    """Thresholds for judging a reported number against its deadline (assessment.py). The defaults
    here are the only place they are written; a plan file may override any of them under
    ``assessment:`` (e.g. ``assessment: {pace_band: 0.05}``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # ahead / behind when the value is beyond / short of the expected pace by this share of the
    # distance to cover (target − baseline); in between is on track.
    pace_band: float = Field(default=0.10, gt=0, le=1)
    # "~" (左右) targets are met within this share of the target value on the bad side.
    approx_tolerance: float = Field(default=0.05, ge=0, lt=1)
    # absolute slack for comparing floats (6 × 0.4 is 2.4000000000000004).
    float_eps: float = Field(default=1e-9, gt=0, le=1e-3)


class Plan(_Model):
    """A plan document as data: units, indicators and chapters of tasks."""

    id: Id
    title: Title
    issuer: Optional[Fact] = None
    doc_number: Optional[Fact] = None  # 文号
    published: Optional[Fact] = None  # ISO date
    source_file: Optional[Fact] = None
    horizon: tuple[int, int]
    period_kinds: list[PeriodKind] = [PeriodKind.year, PeriodKind.half, PeriodKind.quarter]
    units_assigned: bool = True  # False: the document assigns no units (everything goes to 待分配)
    derived_from: Optional[DerivedFrom] = None  # set by `plan import`: the source plan's id and fingerprint
    decisions: list[Note] = []  # transcription decisions on irregular source text
    manual_edits: list[ManualEdit] = []  # reviewed edits on top of what the parser produces
    units: list[Unit] = []
    indicators: list[Indicator] = []
    chapters: list[Chapter] = []
    # Written out (and fingerprinted) only when a plan overrides a default: see _dump.
    assessment: AssessmentSettings = Field(default_factory=AssessmentSettings)
    # Returns are due this many days after the reporting period ends (shown on 填报说明; `--due` overrides).
    due_days: int = Field(default=DEFAULT_DUE_DAYS, ge=0, le=366)

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        """Leave `assessment` out of dumps while it holds the defaults, so adding the field did not
        change the dump (nor the fingerprint) of any existing plan."""
        data = handler(self)
        if isinstance(data, dict) and self.assessment == AssessmentSettings():
            data.pop("assessment", None)
        if isinstance(data, dict) and self.due_days == DEFAULT_DUE_DAYS:
            data.pop("due_days", None)
        return data

    def due_date(self, period: "Period") -> dt.date:
        """When returns for `period` are due: `due_days` after the period's last day."""
        return period.end + dt.timedelta(days=self.due_days)

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] > v[1]:
            raise PlanError("HORIZON_ORDER", (), start=v[0], end=v[1])
        return v

    @model_validator(mode="after")
    def _check_and_normalize(self) -> "Plan":
        _check_unique([(u.id, ("units", i)) for i, u in enumerate(self.units)])
        names: dict[str, str] = {}
        owner: dict[str, int] = {}
        for i, u in enumerate(self.units):
            for spelling in dict.fromkeys([u.name, *u.aliases]):
                if spelling in owner and owner[spelling] != i:
                    first = owner[spelling]
                    raise PlanError("UNIT_SPELLING_TWICE", ("units", i), spelling=spelling,
                                    first=("units", first), first_name=self.units[first].name, name=u.name)
                owner[spelling] = i
                names[spelling] = u.name
        for i, u in enumerate(self.units):
            u.members = [_resolve(names, m, ("units", i, "members", k)) for k, m in enumerate(u.members)]
        item_ids = [(x.id, ("indicators", i)) for i, x in enumerate(self.indicators)]
        _check_unique([(c.id, ("chapters", i)) for i, c in enumerate(self.chapters)])
        for ci, c in enumerate(self.chapters):
            item_ids += [(t.id, ("chapters", ci, "tasks", ti)) for ti, t in enumerate(c.tasks)]
        from .measures import infer_measure

        for ind in self.indicators:
            if ind.target.measure is None:
                ind.target.measure = infer_measure(ind.target, context=ind.name)
        for ci, c in enumerate(self.chapters):
            for ti, t in enumerate(c.tasks):
                for n, target in enumerate(t.targets, start=1):
                    if target.id is None:
                        target.id = f"{t.id}-{n}"
                    if target.measure is None:
                        target.measure = infer_measure(target)
                    item_ids.append((target.id, ("chapters", ci, "tasks", ti, "targets", n - 1)))
        _check_unique(item_ids)
        for where, item in self._located_items():
            item.lead_units = _dedupe([_resolve(names, n, (*where, "lead_units", k))
                                       for k, n in enumerate(item.lead_units)])
            item.responsible_units = _dedupe([_resolve(names, n, (*where, "responsible_units", k))
                                              for k, n in enumerate(item.responsible_units)])
            both = set(item.lead_units) & set(item.responsible_units)
            if both:
                raise PlanError("UNIT_LEAD_AND_RESPONSIBLE", (*where, "responsible_units"), units=sorted(both))
        return self

    def _located_items(self):
        for i, ind in enumerate(self.indicators):
            yield ("indicators", i), ind
        for ci, c in enumerate(self.chapters):
            for ti, t in enumerate(c.tasks):
                yield ("chapters", ci, "tasks", ti), t

    # Queries used by writers, readers and consolidation.

    # Indexes over the plan are built once and kept outside the model's fields (not in model_dump,
    # the fingerprint or ==). Each is tied to the identity of the lists it was built from, so a copy
    # with other units or items (model_copy(update=...)) rebuilds it. Plans are not edited in place.

    def _cached(self, name: str, build):
        key = (id(self.units), id(self.indicators), id(self.chapters))
        hit = self.__dict__.get(name)
        if hit is None or hit[0] != key:
            hit = (key, build())
            self.__dict__[name] = hit
        return hit[1]

    @property
    def tasks(self) -> list[Task]:
        return list(self._cached("_tasks_idx", lambda: [t for c in self.chapters for t in c.tasks]))

    def chapter_of(self, task_id: str) -> Chapter:
        return self._chapter_index()[task_id]

    def _chapter_index(self) -> dict[str, Chapter]:
        return self._cached("_chapter_idx", lambda: {t.id: c for c in self.chapters for t in c.tasks})

    def unit(self, name_or_alias: str) -> Optional[Unit]:
        """The unit with this name, alias or id (the first such unit in plan order)."""
        return self._cached("_unit_idx", self._build_unit_index).get(name_or_alias)

    def _build_unit_index(self) -> dict[str, Unit]:
        index: dict[str, Unit] = {}
        for u in self.units:
            for key in (u.name, *u.aliases, u.id):
                index.setdefault(key, u)
        return index

    # Collectives (各街道, 区安委会成员单位 …) with members report member by member: each member gets the
    # collective's items in its own return; the collective itself gets none. A collective without
    # members reports as one unit. `expanded(item)` is the reporting view of an item's assignment.

    def members_of(self, unit_name: str) -> list[str]:
        """The reporting members of a collective (members of member collectives included, in
        order); [] for a unit that is not a collective with members."""
        out: list[str] = []
        stack, seen = [unit_name], {unit_name}
        while stack:
            unit = self.unit(stack.pop(0))
            if unit is None or not unit.members:
                continue
            for m in unit.members:
                if m in seen:
                    continue
                seen.add(m)
                member = self.unit(m)
                if member is not None and member.members:
                    stack.append(m)
                else:
                    out.append(m)
        return out

    def expanded(self, item: "_Assigned") -> list[tuple[str, str, Optional[str]]]:
        """(unit name, role, collective it reports for or None) of every reporting unit of `item`,
        leads first; a unit named directly keeps that role over one it has through a collective."""
        memo = self._cached("_expanded_memo", dict)
        hit = memo.get(id(item))
        if hit is not None and hit[0] is item:
            return list(hit[1])
        rows = self._expand(item)
        memo[id(item)] = (item, tuple(rows))
        return rows

    def _expand(self, item: "_Assigned") -> list[tuple[str, str, Optional[str]]]:
        out: dict[str, tuple[str, str, Optional[str]]] = {}
        for role, names in (("lead", item.lead_units), ("responsible", item.responsible_units)):
            for name in names:
                members = self.members_of(name)
                if not members:
                    out.setdefault(name, (name, role, None))
        for role, names in (("lead", item.lead_units), ("responsible", item.responsible_units)):
            for name in names:
                for m in self.members_of(name):
                    out.setdefault(m, (m, role, name))
        return list(out.values())

    def role_in(self, item: "_Assigned", unit_name: str) -> tuple[Optional[str], Optional[str]]:
        """(role, collective) of a reporting unit in `item`: ("responsible", "各街道") for a street
        office reporting for 各街道; (None, None) when it is not involved."""
        for name, role, via in self.expanded(item):
            if name == unit_name:
                return role, via
        return None, None

    def deciding_units(self, item: "_Assigned") -> list[str]:
        """The reporting units whose answers decide an item: its lead units (members for a collective),
        else its responsible units."""
        rows = self.expanded(item)
        leads = [n for n, role, _ in rows if role == "lead"]
        return leads or [n for n, _, _ in rows]

    def items_for(self, unit_name: str) -> tuple[list[Indicator], list[Task]]:
        """The indicators and tasks a unit reports on (as lead or responsible, directly or as a
        member of a collective), in plan order."""
        inds, tasks = self._cached("_items_idx", self._build_items_index).get(unit_name, ((), ()))
        return list(inds), list(tasks)

    def _build_items_index(self) -> dict[str, tuple[list[Indicator], list[Task]]]:
        index: dict[str, tuple[list[Indicator], list[Task]]] = {}
        for ind in self.indicators:
            for name, _, _ in self.expanded(ind):
                index.setdefault(name, ([], []))[0].append(ind)
        for c in self.chapters:
            for t in c.tasks:
                for name, _, _ in self.expanded(t):
                    index.setdefault(name, ([], []))[1].append(t)
        return index

    def targets_for(self, unit_name: str) -> list[tuple[Task, Target]]:
        """The task targets a unit reports a number for: those of the tasks it decides (it leads
        them, or they have no lead and it is responsible), in plan order."""
        _, tasks = self.items_for(unit_name)
        return [(t, x) for t in tasks if unit_name in self.deciding_units(t) for x in t.targets]

    def target(self, target_id: str) -> Optional[tuple[Task, Target]]:
        """A task target by id, with its task."""
        return self._cached("_target_idx", lambda: {x.id: (t, x) for t in self.tasks for x in t.targets}).get(
            target_id)

    @property
    def reporting_units(self) -> list[Unit]:
        """Units that receive a return: every unit involved in at least one item."""
        return list(self._cached("_reporting_idx", self._build_reporting))

    def _build_reporting(self) -> list[Unit]:
        involved = {n for _, item in self._located_items() for n, _, _ in self.expanded(item)}
        return [u for u in self.units if u.name in involved]

    @property
    def collectives_without_members(self) -> list[Unit]:
        """Collectives that report as one unit because the plan names no members for them."""
        return [u for u in self.reporting_units if u.kind is UnitKind.collective and not u.members]

    def is_reporting(self, unit: Unit) -> bool:
        """Whether `unit` is one of the reporting units (same as `unit in plan.reporting_units`)."""
        names = self._cached("_reporting_names", lambda: {u.name: u for u in self._build_reporting()})
        mine = names.get(unit.name)
        return mine is not None and (mine is unit or mine == unit)

    @property
    def unassigned_tasks(self) -> list[Task]:
        return [t for t in self.tasks if not t.units]

    @property
    def unassigned_indicators(self) -> list[Indicator]:
        return [i for i in self.indicators if not i.units]

    def accepts(self, period: Period) -> Optional["PeriodError"]:
        """None when the plan accepts this reporting period, else the reason it does not, as a coded
        `PeriodError` (PERIOD_KIND_NOT_ACCEPTED or PERIOD_OUTSIDE_HORIZON) the caller may raise."""
        if period.kind not in self.period_kinds:
            return PeriodError("PERIOD_KIND_NOT_ACCEPTED", period=period.code, kind=period.kind.value,
                               accepted=[k.value for k in self.period_kinds])
        if not self.horizon[0] <= period.year <= self.horizon[1]:
            return PeriodError("PERIOD_OUTSIDE_HORIZON", period=period.code, start=self.horizon[0],
                               end=self.horizon[1])
        return None


class PlanError(ValueError):
    """A plan rule broken, as data: a code (message template ``plan_errors.<code>`` in the label file),
    `where` (the path from the model being validated to the offending value, a tuple of field names
    and list indexes) and the message parameters. Raised inside validators, it reaches `plans.py`
    through pydantic's ``ctx["error"]``; no English sentence is built here."""

    def __init__(self, code: str, where: tuple = (), **params):
        super().__init__(f"{code} {'.'.join(map(str, where))} {params}".strip())
        self.code = code
        self.where = tuple(where)
        self.params = params


def _number_text(value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_number_text(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _resolve(names: dict[str, str], name: str, where: tuple) -> str:
    try:
        return names[name]
    except KeyError:
        raise PlanError("UNIT_UNKNOWN", where, name=name) from None


def _dedupe(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _check_unique(ids: list[tuple[str, tuple]]) -> None:
    """Ids are unique ignoring case: spreadsheet lookups (COUNTIF criteria) do not tell case apart."""
    seen: dict[str, tuple] = {}
    for ident, where in ids:
        key = ident.casefold()
        if key in seen:
            raise PlanError("ID_DUPLICATE", (*where, "id"), id=ident, first=(*seen[key], "id"))
        seen[key] = where
