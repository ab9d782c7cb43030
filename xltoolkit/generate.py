"""`generate`: plan + period -> master workbook and one return workbook per unit.

Never overwrites a workbook that someone has filled in (unless forced): such files are kept and
reported. All or nothing: every file (master, returns, the office secret of a new output folder) is
written to a temporary file beside its target, by worker processes when there are many; the parent
publishes them all with `files.Staging` only when every one was written, so a failure (a full disk
in any worker) leaves the output folder as it was.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from . import FORM_VERSION, __version__
from .files import (OutputError, Staging, as_output_error, check_output_target, ensure_dir, labelled_stem,
                    unique_names)
from .identity import SECRET_NAME, folder_secret, secret_text, token
from .labels import Labels, get_labels
from .metadata import ReturnMeta
from .model import Period, PeriodKind, Plan
from .plans import fingerprint
from .pool import PARALLEL_THRESHOLD, mapped, resolve_jobs  # noqa: F401 (re-exported)
from .reading import ReturnFileError, count_filled_inputs
from .sheetnames import unit_sheet_names

RETURNS_DIR = "returns"
Progress = Callable[[int, int, str], None]


@dataclass
class GenerateResult:
    out_dir: Path
    master: Optional[Path] = None
    returns: list[Path] = field(default_factory=list)
    kept: list[tuple[Path, str]] = field(default_factory=list)  # (file, reason) not overwritten
    secret_created: Optional[Path] = None  # the office secret, when this run created it
    seconds: float = 0.0


def default_period(plan: Plan, today: Optional[dt.date] = None) -> Period:
    """The latest quarter that has ended, within the plan's horizon; else its last accepted period."""
    today = today or dt.date.today()
    year, quarter = today.year, (today.month - 1) // 3  # quarter that ended last (0 = previous year's Q4)
    if quarter == 0:
        year, quarter = year - 1, 4
    candidates = [Period(year=year, kind=PeriodKind.quarter, index=quarter),
                  Period(year=min(year, plan.horizon[1]), kind=PeriodKind.year)]
    for p in candidates:
        if plan.accepts(p) is None:
            return p
    last = plan.horizon[1]
    kind = plan.period_kinds[0] if plan.period_kinds else PeriodKind.year
    return Period(year=last, kind=kind, index={"year": 0, "half": 2, "quarter": 4}[kind.value])


def output_paths(plan: Plan, period: Period, out_dir: Path, labels: Labels) -> tuple[Path, dict[str, Path]]:
    """The master's path and each reporting unit's return path (unique, safe file names)."""
    master = out_dir / (labelled_stem(labels, "master", plan=plan.id, period=period.code) + ".xlsx")
    units = plan.reporting_units
    # The plan id in every name: two plans' returns for one period can share a folder.
    stems = unique_names([labelled_stem(labels, "return", plan=plan.id, period=period.code, unit=u.name)
                          for u in units])
    return master, {u.name: out_dir / RETURNS_DIR / f"{stem}.xlsx" for u, stem in zip(units, stems)}


def _keep_reason(path: Path, labels: Labels) -> Optional[str]:
    """Why an existing output must not be overwritten, or None when it is safe to replace."""
    if not path.exists():
        return None
    try:
        filled = count_filled_inputs(path, labels)
    except ReturnFileError as exc:
        return labels.fmt("cli.keep_unidentified", code=exc.code)
    except Exception as exc:  # unreadable in some other way: keep it, never destroy data
        return labels.fmt("cli.keep_unreadable", kind=type(exc).__name__)
    return labels.fmt("cli.keep_filled", count=filled) if filled else None


def generate(plan: Plan, period: Period, out_dir: Path, *, password: Optional[str] = None, force: bool = False,
             progress: Optional[Progress] = None, labels: Optional[Labels] = None,
             now: Optional[dt.datetime] = None, jobs: Optional[int] = None,
             secret: Optional[bytes] = None, earlier: Optional[dict] = None,
             prefill: bool = False) -> GenerateResult:
    """Write the master and the returns. `jobs`: worker processes (None = auto, 1 = serial); the
    files are the same either way. `secret`: the office secret to key identity tokens with (default:
    the output folder's `.xltool-secret`, created on first use); the same plan, period, time and
    secret give byte-identical files."""
    labels = labels or get_labels()
    reason = plan.accepts(period)
    if reason:
        raise ValueError(reason)
    started = time.perf_counter()
    out_dir = Path(out_dir)
    ensure_dir(out_dir)
    result = GenerateResult(out_dir=out_dir)
    stamp = (now or dt.datetime.now()).replace(microsecond=0).isoformat()
    master_path, return_paths = output_paths(plan, period, out_dir, labels)
    units = plan.reporting_units
    targets = [master_path, *(return_paths[u.name] for u in units)]
    for target in targets:  # a FIFO, device or folder at an output path: refused before any open
        check_output_target(target)
    if secret is not None:
        existing = (out_dir / SECRET_NAME).exists()
    else:
        secret, existing = folder_secret(out_dir)
    # `earlier`: what the history database holds of earlier periods (history.earlier_periods):
    # the returns get the 上期 columns, and with `prefill` last period's answers in their inputs.
    last_answers = (earlier or {}).get("last_answers") if earlier else None
    job = _Job(plan, period, labels, password, force, stamp, fingerprint(plan), unit_sheet_names(plan, labels),
               secret, last_answers, prefill)
    returns_dir = out_dir / RETURNS_DIR
    made_returns_dir = bool(units) and not returns_dir.exists()
    try:
        with Staging() as staging:
            if not existing:  # a new output folder: its secret is published with the rest, mode 0600
                tmp = staging.path(out_dir / SECRET_NAME, mode=0o600)
                with open(tmp, "w", encoding="ascii") as fh:
                    fh.write(secret_text(secret))
            # Work items: 0 is the master (the largest, first), n >= 1 is the return of units[n - 1];
            # each is written to its temporary (made here), published below only when all are.
            items = [(n, str(target), staging.path(target)) for n, target in enumerate(targets)]
            temporaries = {n: tmp for n, _, tmp in items}
            with mapped(job, "write", items, resolve_jobs(jobs, len(units)), max_chunk=8) as outcomes:
                for n, (index, path_text, keep, failure) in enumerate(outcomes, start=1):
                    if failure is not None:
                        raise OutputError(failure[0], path=Path(path_text), reason=failure[1])
                    if keep:
                        staging.drop(temporaries[index])
                    _record(result, index, Path(path_text), keep)
                    if progress:
                        progress(n, len(items), Path(path_text).name)
            staging.commit()
            if not existing:
                result.secret_created = out_dir / SECRET_NAME
    except BaseException:
        if made_returns_dir:  # leave the folder as it was
            try:
                returns_dir.rmdir()
            except OSError:
                pass
        raise
    result.seconds = time.perf_counter() - started
    return result


def _record(result: GenerateResult, index: int, path: Path, keep: Optional[str]) -> None:
    if keep:
        result.kept.append((path, keep))
    elif index == 0:
        result.master = path
    else:
        result.returns.append(path)


@dataclass
class _Job:
    """Everything needed to write one output; sent once to each worker process."""

    plan: Plan
    period: Period
    labels: Labels
    password: Optional[str]
    force: bool
    stamp: str
    fp: str
    sheet_names: dict[str, str]
    secret: bytes = b""  # the output folder's office secret: keys each return's identity token
    last_answers: Optional[dict] = None  # unit name -> its last recorded answers (history.last_answers)
    prefill: bool = False

    def meta_for(self, unit_id: str, unit_name: str, kind: str) -> ReturnMeta:
        tok = token(self.secret, self.plan.id, self.fp, unit_id, self.period.code) if self.secret and kind == "return" else ""
        return ReturnMeta(plan_id=self.plan.id, plan_fingerprint=self.fp, unit_id=unit_id, unit_name=unit_name,
                          period=self.period.code, form_version=FORM_VERSION, tool_version=__version__,
                          generated_at=self.stamp, kind=kind, token=tok)

    def write(self, item: tuple[int, str, str]) -> tuple[int, str, Optional[str], Optional[tuple[str, str]]]:
        """Write the master (index 0) or a return into its temporary path; (index, path, reason it
        was kept or None, failure as (code, reason) or None). A failure to write comes back as data
        (never a traceback from a worker); the parent then publishes nothing."""
        index, path_text, tmp = item
        path = Path(path_text)
        keep = None if self.force else _keep_reason(path, self.labels)
        if keep:
            return index, path_text, keep, None
        try:
            if index == 0:
                from .writing.master import write_master

                write_master(tmp, self.plan, self.period, self.meta_for("*", "*", "master"), self.labels,
                             self.password)
            else:
                from .writing.returns import write_return

                unit = self.plan.reporting_units[index - 1]
                write_return(tmp, self.plan, unit, self.period, self.sheet_names[unit.name],
                             self.meta_for(unit.id, unit.name, "return"), self.labels, self.password,
                             earlier=None if self.last_answers is None else self.last_answers.get(unit.name, {}),
                             prefill=self.prefill)
        except Exception as exc:
            failure = as_output_error(exc, path)
            if failure is None:
                raise
            _collect_quietly()
            return index, path_text, None, (failure.code, str(failure.params.get("reason", "")))
        return index, path_text, None, None


def _collect_quietly() -> None:
    """Collect the writer's half-closed zip file now, without the interpreter printing "Exception
    ignored in: <function ZipFile.__del__>" when closing it fails again (the disk is still full)."""
    import gc
    import sys

    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


__all__ = ["GenerateResult", "OutputError", "default_period", "generate", "output_paths", "resolve_jobs"]
