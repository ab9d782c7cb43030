"""`merge` and `validate`: find return files, read and check them, consolidate, write the outputs.

This module does the I/O around the pure steps (validation, consolidation). Input files are only
ever opened for reading; every output is written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from .consolidation import Consolidation, consolidate
from .files import (NotRegularError, OutputError, Staging, as_output_error, ensure_dir, file_kind, labelled_stem,
                    open_regular, safe_filename, unique_names)
from .labels import Labels
from .metadata import ReturnMeta
from .model import Period, Plan
from .plans import fingerprint
from .pool import mapped, resolve_jobs
from .problems import XltoolError
from .reading import RawReturn, ReturnFileError, read_custom_properties, read_return
from .validation import ReturnResult, file_failure, lock_file, validate_return

# Files a folder is searched for: returns, and the wrong formats departments send instead (reported).
CANDIDATE_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv"}
Progress = Callable[[int, int, str], None]


@dataclass
class InputFile:
    path: Path
    display: str  # shown in messages: the path relative to the folder the user named
    not_regular: Optional[str] = None  # what it is when not a regular file (fifo, device …): refused unread

    @property
    def is_lock_file(self) -> bool:
        name = self.path.name
        return name.startswith("~$") or name.startswith(".~lock.") or name.startswith(".~xltool-")


class NoInputError(XltoolError):
    """An input path that does not exist (INPUT_NOT_FOUND) or paths with no candidate file (INPUT_NONE)."""


def collect_inputs(paths: Iterable[Path]) -> list[InputFile]:
    """Files named directly, and candidate files found recursively in folders (sorted, no repeats).

    Nothing is opened here: only `os.stat`. A named path or a candidate that is not a regular file
    (a FIFO, a device: opening one could block forever) is listed with what it is and refused
    unread (FILE_NOT_REGULAR); a named file that cannot be read is listed and reported
    (FILE_UNREADABLE) while the others are checked."""
    found: list[InputFile] = []
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        try:
            info = os.stat(given)
        except (FileNotFoundError, NotADirectoryError):
            raise NoInputError("INPUT_NOT_FOUND", path=given) from None
        except OSError:  # a folder on the way cannot be searched: reported as unreadable
            _add(found, seen, given, given.name)
            continue
        if stat.S_ISDIR(info.st_mode):
            for p in sorted(given.rglob("*")):
                if p.suffix.lower() not in CANDIDATE_SUFFIXES:
                    continue
                try:
                    mode = os.stat(p).st_mode
                except OSError:  # a dangling link
                    continue
                if stat.S_ISDIR(mode):
                    continue  # a folder named like a workbook: searched, not read
                _add(found, seen, p, str(p.relative_to(given)),
                     None if stat.S_ISREG(mode) else file_kind(mode))
        else:
            _add(found, seen, given, given.name, None if stat.S_ISREG(info.st_mode) else file_kind(info.st_mode))
    return found


def input_folders(paths: Iterable[Path]) -> list[Path]:
    """The folders among the paths given (searched for returns): no output may be inside one."""
    return [Path(p) for p in paths if Path(p).is_dir()]


def _add(found: list[InputFile], seen: set[Path], path: Path, display: str, not_regular: Optional[str] = None) -> None:
    try:
        key = path.resolve()
    except OSError:
        key = path.absolute()
    if key not in seen:
        seen.add(key)
        found.append(InputFile(path, display, not_regular))


def own_summary(output, path: Path) -> bool:
    """Whether `output` (files.OutputTarget) may replace the input `path`: only the summary output,
    and only over a summary workbook xltool wrote (its document properties say so; nothing else of
    the file is read). A merge writing its summary into the folder it reads replaces its own."""
    if output.option != "--out" or precheck(InputFile(Path(path), Path(path).name)) is not None:
        return False
    return str(read_custom_properties(Path(path)).get("kind", "")) == "summary"


def precheck(item: InputFile) -> Optional[ReturnFileError]:
    """Why `item` must not be read at all, or None: not a regular file (checked again on an open
    that cannot block, in case the file was swapped since it was listed), or unreadable."""
    if item.not_regular:
        return ReturnFileError("FILE_NOT_REGULAR", item.not_regular)
    try:
        os.close(open_regular(item.path))
    except NotRegularError as exc:
        return ReturnFileError("FILE_NOT_REGULAR", exc.kind)
    except OSError as exc:
        return ReturnFileError("FILE_UNREADABLE", exc.strerror or type(exc).__name__)
    return None


@dataclass
class ReadFile:
    """A candidate file: its raw content once read (or only its metadata, see `scan_inputs`), or the
    reason it could not be read."""

    input: InputFile
    raw: Optional[RawReturn] = None
    failure: Optional[ReturnFileError] = None
    mtime: float = 0.0
    meta: Optional[ReturnMeta] = None  # the identity it carries (for plan/period inference)

    @property
    def identity(self) -> Optional[ReturnMeta]:
        return self.meta if self.meta is not None else (self.raw.meta if self.raw else None)


def read_inputs(inputs: list[InputFile], labels: Labels, progress: Optional[Progress] = None) -> list[ReadFile]:
    """Read every file fully (raw content kept in memory). `scan_inputs` is the lean alternative."""
    out = []
    for n, item in enumerate(inputs, start=1):
        rf = ReadFile(item)
        if not item.is_lock_file:
            rf.failure = precheck(item)
            try:
                if rf.failure is None:
                    rf.mtime = item.path.stat().st_mtime
                    rf.raw = read_return(item.path, labels)
            except ReturnFileError as exc:
                rf.failure = exc
        out.append(rf)
        if progress:
            progress(n, len(inputs), item.display)
    return out


def scan_inputs(inputs: list[InputFile], labels: Labels, *, need_meta: bool = True) -> list[ReadFile]:
    """The files to check, read lightly: only the identity each carries (when `need_meta`, for plan
    and period inference). `check_files` then reads and checks them one at a time, keeping only the
    compact results, so memory does not grow with the number of returns.

    The identity comes from the document properties (a few hundred bytes, read with a size cap and
    defusedxml) when they hold one, else from the full metadata read (hidden sheet first, after the
    file checks). Both copies are written together and survive re-saves; `check_files` identifies
    each return by the full read, as always."""
    out = []
    for item in inputs:
        rf = ReadFile(item)
        if not item.is_lock_file:
            rf.failure = precheck(item)
            try:
                if rf.failure is None:
                    rf.mtime = item.path.stat().st_mtime
                    if need_meta:
                        rf.meta = _quick_identity(item.path) or read_return(item.path, labels, meta_only=True).meta
            except ReturnFileError as exc:
                rf.failure = exc
        out.append(rf)
    return out


def _quick_identity(path: Path) -> Optional[ReturnMeta]:
    """The identity in the document properties, or None (absent, oversized, not a zip, unsafe XML …)."""
    return ReturnMeta.from_mapping(read_custom_properties(path))


def plan_files_near(paths: Iterable[Path]) -> list[Path]:
    """Plan files (.yaml/.yml/.json) in the folders named and beside the files named (not recursive)."""
    folders = []
    for given in paths:
        given = Path(given)
        folder = given if given.is_dir() else given.parent
        folders += [folder, folder.parent]
    found = []
    for folder in dict.fromkeys(f.resolve() for f in folders if f.is_dir()):
        found += sorted(p for p in folder.iterdir()
                        if p.suffix.lower() in (".yaml", ".yml", ".json") and p.is_file()
                        and p.stat().st_size <= 20 * 1024 * 1024)
    return found


def find_plan(files: list[ReadFile], paths: Iterable[Path]) -> Plan:
    """The plan the returns were made from, by id and fingerprint: among the bundled plans and the
    plan files in (and beside) the folders given. Only another version of it found: PLAN_VERSION_MISMATCH
    says which versions and what to pass. No identity in any return: the default plan."""
    from .plans import DEFAULT_PLAN, bundled_plan_names, load_plan

    idents = Counter((m.plan_id, m.plan_fingerprint) for m in (f.identity for f in files) if m and m.kind == "return")
    if not idents:
        return load_plan(DEFAULT_PLAN)
    (plan_id, wanted), _ = idents.most_common(1)[0]
    candidates: list[tuple[str, Plan]] = []
    if plan_id in bundled_plan_names():
        candidates.append((plan_id, load_plan(plan_id)))
    for path in plan_files_near(paths):
        try:
            plan = load_plan(str(path))
        except XltoolError:
            continue  # not a plan file, or a broken one: not ours to judge here
        if plan.id == plan_id:
            candidates.append((str(path), plan))
    for _, plan in candidates:
        if fingerprint(plan) == wanted:
            return plan
    if not candidates:
        raise XltoolError("PLAN_OF_RETURNS_NOT_FOUND", plan=plan_id, fingerprint=wanted)
    found = "；".join(f"{where}（{fingerprint(plan)}）" for where, plan in candidates)
    raise XltoolError("PLAN_VERSION_MISMATCH", plan=plan_id, fingerprint=wanted, found=found,
                      suggestion=candidates[-1][0])


def infer_period(files: list[ReadFile], plan: Plan) -> Optional[Period]:
    """The period most returns of this plan say they are for."""
    codes = Counter(m.period for m in (f.identity for f in files)
                    if m and m.plan_id == plan.id and m.kind == "return")
    for code, _ in codes.most_common():
        try:
            period = Period.parse(code)
        except ValueError:
            continue
        if plan.accepts(period) is None:
            return period
    return None


class _Checker:
    """Reads (when not read yet) and checks one file; sent once to each worker process."""

    def __init__(self, plan: Plan, period: Period, labels: Labels, secrets: tuple[bytes, ...] = (),
                 previous: Optional[dict] = None):
        self.plan, self.period, self.labels = plan, period, labels
        self.fp = fingerprint(plan)
        self.secrets = tuple(secrets)
        self.previous = previous

    def check(self, f: ReadFile) -> ReturnResult:
        path, display = str(f.input.path), f.input.display
        if f.input.is_lock_file:
            result = lock_file(path, display, self.labels)
        elif f.failure is not None:
            result = file_failure(path, display, f.failure, self.labels)
        else:
            raw, failure = f.raw, None
            if raw is None:
                failure = precheck(f.input)  # again: it may have been swapped since it was listed
                try:
                    if failure is None:
                        raw = read_return(f.input.path, self.labels)
                except ReturnFileError as exc:
                    failure = exc
            if failure is not None:
                result = file_failure(path, display, failure, self.labels)
            else:
                result = validate_return(raw, self.plan, self.period, self.fp, self.labels, display,
                                         secrets=self.secrets, previous=self.previous)
        result.mtime = f.mtime
        return result

    def check_for_worker(self, f: ReadFile) -> tuple[ReturnResult, Optional[str]]:
        """`check` in a worker process: the unit goes back as its id, not as a copy of the Unit."""
        result = self.check(f)
        unit_id = result.unit.id if result.unit is not None else None
        result.unit = None
        return result, unit_id


def check_files(files: list[ReadFile], plan: Plan, period: Period, labels: Labels, *,
                jobs: Optional[int] = None, progress: Optional[Progress] = None,
                secrets: tuple[bytes, ...] = (), previous: Optional[dict] = None) -> list[ReturnResult]:
    """Check every file, in order; files not read yet are read here, one at a time. `jobs`: worker
    processes (None = auto: all cores from PARALLEL_THRESHOLD files up; 1 = serial); same results.
    `secrets`: office secrets to verify identity tokens with (empty: not verified). `previous`:
    each unit's last recorded answers (history.last_answers), for VALUE_UNCHANGED."""
    checker = _Checker(plan, period, labels, secrets, previous)
    units = {u.id: u for u in plan.units}
    workers = resolve_jobs(jobs, len(files))
    results: list[ReturnResult] = []
    with mapped(checker, "check" if workers <= 1 else "check_for_worker", files, workers) as outcomes:
        for n, outcome in enumerate(outcomes, start=1):
            if workers > 1:  # the unit travels back as its id: put back the plan's own Unit
                outcome, unit_id = outcome
                outcome.unit = units[unit_id] if unit_id is not None else None
            results.append(outcome)
            if progress:
                progress(n, len(files), files[n - 1].input.display)
    return results


# The merge itself: one request, a list of outputs ---------------------------------------------------


@dataclass(frozen=True)
class MergeOptions:
    """How to merge: `on_duplicate` "error" (two returns of one unit: use neither) or "newest";
    `jobs` worker processes (None = auto, 1 = serial; same result); `now` the time stamped on outputs."""

    on_duplicate: str = "error"
    jobs: Optional[int] = None
    now: Optional[dt.datetime] = None
    secrets: tuple[bytes, ...] = ()  # office secrets for identity tokens (identity.find_secrets)
    earlier: Optional[dict] = None  # the history database's earlier periods (history.earlier_periods)


@dataclass
class MergeRequest:
    """What to merge: the plan and period, and the candidate files (see `scan_inputs`)."""

    plan: Plan
    period: Period
    files: list[ReadFile]
    options: MergeOptions = field(default_factory=MergeOptions)


@dataclass
class MergeResult:
    """The consolidation and what each output wrote (by output name), and feedback copies not made."""

    consolidation: Consolidation
    generated_at: str
    written: dict[str, list[Path]] = field(default_factory=dict)
    feedback_skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    def paths(self, name: str) -> list[Path]:
        return self.written.get(name, [])


class Output:
    """An output of a merge: writes its files through `staging` (never in place) and returns the
    final paths. All outputs of one merge are committed together or not at all."""

    name = "output"
    target: Path  # the file or folder named in messages when writing fails

    def write(self, result: MergeResult, labels: Labels, staging: Staging) -> list[Path]:  # pragma: no cover
        raise NotImplementedError

    def commit(self) -> None:
        """Called once the staged files are in place: an output that keeps more than files (a
        database transaction) makes it durable here."""

    def abort(self) -> None:
        """Called when the merge's outputs are not committed: undo what `write` began."""


@dataclass
class SummaryOutput(Output):
    """The summary workbook; `earlier` (history.earlier_periods, read by the caller from the
    database the merge records into) adds the 趋势 and 变化 sheets and the 上期 columns."""

    path: Path
    earlier: Optional[dict] = None
    name = "summary"

    @property
    def target(self) -> Path:
        return self.path

    def write(self, result: MergeResult, labels: Labels, staging: Staging) -> list[Path]:
        from .writing.summary import write_summary

        write_summary(staging.path(self.path), result.consolidation, labels, result.generated_at,
                      earlier=self.earlier)
        return [self.path]


@dataclass
class JsonOutput(Output):
    path: Path
    name = "json"

    @property
    def target(self) -> Path:
        return self.path

    def write(self, result: MergeResult, labels: Labels, staging: Staging) -> list[Path]:
        tmp = staging.path(self.path)
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(to_json(result.consolidation, labels), fh, ensure_ascii=False, indent=2)
        return [self.path]


@dataclass
class FeedbackOutput(Output):
    """A marked-up copy of each identified return that has problems (originals untouched). A return
    that openpyxl cannot open (calamine is more lenient, e.g. a part missing) gets no copy: it is
    listed in `feedback_skipped` with the reason, and the other copies are still written."""

    folder: Path
    name = "feedback"

    @property
    def target(self) -> Path:
        return self.folder

    def write(self, result: MergeResult, labels: Labels, staging: Staging) -> list[Path]:
        import functools

        from .identity import mark_feedback
        from .writing.feedback import write_feedback

        ensure_dir(self.folder)
        results = result.consolidation.results
        marked = [r for r in results if r.unit is not None and r.sheet is not None and r.problems]
        # Names from the displayed path, so same-named files from two folders do not collide.
        stems = unique_names([safe_filename(str(Path(r.file).with_suffix(""))) for r in marked])
        written = []
        for r, stem in zip(marked, stems):
            # The stem is safe already; the label adds 退回修改 (not cut: MAX_NAME_BYTES leaves room).
            target = self.folder / (labels.fmt("file_names.feedback", stem=stem) + ".xlsx")
            if target.resolve() == Path(r.path).resolve():
                raise OutputError("OUTPUT_OVER_INPUT", path=target, input=r.path)
            tmp = staging.path(target)
            try:  # marked as a feedback copy: skipped among returns until the department corrects it
                write_feedback(r, r.path, tmp, labels,
                               mark=functools.partial(mark_feedback, digest=r.input_digest))
            except OutputError:
                raise
            except Exception as exc:  # the department's file itself is damaged in a way openpyxl refuses
                staging.drop(tmp)
                result.feedback_skipped.append((r.file, f"{type(exc).__name__}: {exc}"[:200]))
                continue
            written.append(target)
        return written


@dataclass
class HistoryOutput(Output):
    """The merge recorded in the history database (history.py), replacing the period's earlier
    record. `write` runs last of the outputs: it takes the database's write lock and writes the
    whole record in one open transaction; the staged files are then committed, and `commit` commits
    the transaction (or `abort` rolls it back if the files could not be committed). So the
    database holds the new period only when the summary and the other files are in place; the one
    case left is the database's own COMMIT failing after the files were committed (a full disk
    between the two steps): that is reported (DB_COMMIT_FAILED, exit 2) and the period keeps its
    earlier record until the merge is run again."""

    path: Path
    on_duplicate: str = "error"
    name = "history"

    def __post_init__(self) -> None:
        self._recording = None

    @property
    def target(self) -> Path:
        return self.path

    def write(self, result: MergeResult, labels: Labels, staging: Staging) -> list[Path]:
        from .history import Recording

        self._recording = Recording(self.path)
        self._recording.prepare(result.consolidation, result.generated_at, on_duplicate=self.on_duplicate)
        return [self.path]

    def commit(self) -> None:
        if self._recording is not None:
            self._recording.commit()

    def abort(self) -> None:
        if self._recording is not None:
            self._recording.rollback()


@dataclass
class ReportOutput(Output):
    """The period's report (.docx through the template in templates/report/; with `pdf` also a .pdf
    beside it, by LibreOffice) and, with `notices`, one 督办通知单 per unit that decides an item whose
    light is red (overdue, 滞后 twice running, or red and not caught up; with ``chase="yellow"`` also
    yellow: behind pace or 滞后 once). `reply_by`: the date units are asked to reply by
    (default: 10 days after the merge). `templates`: a folder with the office's own report.docx /
    notice.docx. With `pdf` and no LibreOffice the .docx is still written and `pdf_missing` is set
    (the command then says so: REPORT_NO_OFFICE)."""

    path: Path
    pdf: bool = False
    notices: Optional[Path] = None
    reply_by: Optional[dt.date] = None
    templates: Optional[Path] = None
    name = "report"
    earlier: Optional[dict] = None  # history.earlier_periods: the chart over the periods, last period's lights
    lights: Optional[dict] = None  # this period's lights when known (recorded); else from `earlier`
    chase: str = "red"  # notices for items whose light is red, or ("yellow") yellow and red
    pdf_missing: bool = field(default=False, init=False)

    @property
    def target(self) -> Path:
        return self.path

    @property
    def pdf_path(self) -> Path:
        return self.path.with_suffix(".pdf")

    def write(self, result: MergeResult, labels: Labels, staging: Staging) -> list[Path]:
        from .lights import period_lights
        from .report.data import from_consolidation
        from .report.document import render_report

        c = result.consolidation
        earlier = self.earlier or {}
        lights = self.lights if self.lights is not None else period_lights(
            c, (earlier.get("previous") or {}).get("results"))
        data = from_consolidation(c, result.generated_at, earlier.get("series"), lights,
                                  year_end=earlier.get("year_end"))
        tmp = staging.path(self.path)
        render_report(data, labels, tmp, self.templates)
        written = [self.path]
        if self.pdf:
            written += self._pdf(tmp, staging)
        if self.notices is not None:
            written += self._notices(data, result.generated_at, labels, staging)
        return written

    def _pdf(self, docx: str, staging: Staging) -> list[Path]:
        """The report as PDF (LibreOffice), or nothing and `pdf_missing` when there is no LibreOffice."""
        from .report.document import ReportError
        from .report.pdf import convert, find_soffice

        soffice = find_soffice()
        if soffice is None:
            self.pdf_missing = True
            return []
        try:
            convert(Path(docx), Path(staging.path(self.pdf_path)), soffice)
        except RuntimeError as exc:
            raise ReportError("REPORT_PDF_FAILED", path=self.pdf_path, reason=str(exc)) from None
        return [self.pdf_path]

    def _notices(self, data, generated_at: str, labels: Labels, staging: Staging) -> list[Path]:
        """One 督办通知单 per unit with items whose light is chased (`chase`)."""
        from .report.data import notices
        from .report.document import notice_stems, render_notice

        ensure_dir(self.notices)
        chased = notices(data, self.chase)
        reply_by = self.reply_by or dt.date.fromisoformat(generated_at[:10]) + dt.timedelta(days=10)
        written = []
        for n, (notice, stem) in enumerate(zip(chased, notice_stems(data, chased, labels)), start=1):
            target = self.notices / f"{stem}.docx"
            render_notice(data, notice, labels, reply_by, n, staging.path(target), self.templates)
            written.append(target)
        return written


def default_report_path(plan: Plan, period: Period, labels: Labels) -> Path:
    return Path("generated") / (labelled_stem(labels, "report", plan=plan.id, period=period.code) + ".docx")


def default_summary_path(plan: Plan, period: Period, labels: Labels) -> Path:
    return Path("generated") / (labelled_stem(labels, "summary", plan=plan.id, period=period.code) + ".xlsx")


def merge(request: MergeRequest, outputs: list[Output], labels: Labels,
          progress: Optional[Progress] = None) -> MergeResult:
    """Check the request's files against the plan, consolidate, and write every output, all or none."""
    opts = request.options
    results = check_files(request.files, request.plan, request.period, labels, jobs=opts.jobs, progress=progress,
                          secrets=opts.secrets, previous=(opts.earlier or {}).get("last_answers"))
    c = consolidate(request.plan, request.period, results, on_duplicate=opts.on_duplicate)
    stamp = (opts.now or dt.datetime.now()).replace(microsecond=0).isoformat(sep=" ")
    return publish(MergeResult(consolidation=c, generated_at=stamp), outputs, labels)


def publish(result: MergeResult, outputs: list[Output], labels: Labels) -> MergeResult:
    """Write every output of `result` (a merge's, or a period restored from the history database:
    recorded.restore), all or none."""
    with Staging() as staging:
        try:
            for output in outputs:
                try:
                    result.written[output.name] = output.write(result, labels, staging)
                except XltoolError:
                    raise
                except Exception as exc:
                    failure = as_output_error(exc, output.target)
                    if failure is None:
                        raise
                    raise failure from None
            staging.commit()
        except BaseException:
            for output in outputs:
                output.abort()
            raise
    for output in outputs:  # the files are in place: outputs that hold more commit it now
        output.commit()
    return result


def _label(labels: Optional[Labels], key: str) -> Optional[str]:
    return labels[key] if labels is not None else None


def to_json(c: Consolidation, labels: Optional[Labels] = None) -> dict:
    """The machine-readable merge result. Field names are a stable interface; every enumerated value
    is a key (status ``on_track``, submission ``ok``); with `labels`, a ``*_label`` beside each key and
    each issue's rendered ``message``."""

    def status(key: Optional[str]) -> dict:
        return {"status": key, "status_label": _label(labels, f"status.{key}") if key else None}

    return {
        "plan": c.plan.id,
        "period": c.period.code,
        "submissions": [{"unit": s.unit.name, "unit_id": s.unit.id, "file": s.file, "status": s.status,
                         "status_label": _label(labels, f"submission.{s.status}")} for s in c.submissions],
        "issues": [p.as_dict(labels) for p in c.problems],
        "tasks": [{
            "id": t.task.id, **status(t.status), "progress": t.progress, "disagreement": t.disagreement,
            "reports": [{"unit": r.unit, "role": r.role, **status(r.status), "progress": r.progress,
                         "text": r.work, "problems": r.problems, "next_steps": r.next_steps} for r in t.reports],
        } for t in c.tasks],
        "indicators": [{
            "id": i.indicator.id, "measure": i.target.measure.value, "value": i.actual,
            "assessment": i.assessment, "assessment_label": _label(labels, f"assessment.{i.assessment}"),
            "expected": i.expected, "source": i.source,
            "reports": [{"unit": r.unit, "role": r.role, "value": r.actual, "note": r.note} for r in i.reports],
        } for i in c.indicators],
        "targets": [{
            "id": t.target.id, "task_id": t.task.id, "measure": t.target.measure.value, "value": t.actual,
            "assessment": t.assessment, "assessment_label": _label(labels, f"assessment.{t.assessment}"),
            "expected": t.expected, "source": t.source,
            "reports": [{"unit": r.unit, "role": r.role, "value": r.actual, "note": r.note} for r in t.reports],
        } for t in c.targets],
    }
