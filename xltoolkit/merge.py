"""`merge` and `validate`: find return files, read and check them, consolidate, write the outputs.

This module does the I/O around the pure steps (validation, consolidation). Input files are only
ever opened for reading; every output is written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from .consolidation import Consolidation, consolidate
from .files import OutputError, atomic_path, ensure_dir, safe_filename, unique_names
from .labels import Labels
from .model import Period, Plan
from .plans import fingerprint
from .reading import RawReturn, ReturnFileError, read_return
from .validation import ReturnResult, file_failure, lock_file, validate_return

# Files a folder is searched for: returns, and the wrong formats departments send instead (reported).
CANDIDATE_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv"}
Progress = Callable[[int, int, str], None]


@dataclass
class InputFile:
    path: Path
    display: str  # shown in messages: the path relative to the folder the user named

    @property
    def is_lock_file(self) -> bool:
        name = self.path.name
        return name.startswith("~$") or name.startswith(".~lock.") or name.startswith(".~xltool-")


class NoInputError(Exception):
    """Nothing to merge: the paths hold no candidate files."""


def collect_inputs(paths: Iterable[Path]) -> list[InputFile]:
    """Files named directly, and candidate files found recursively in folders (sorted, no repeats)."""
    found: list[InputFile] = []
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for p in sorted(given.rglob("*")):
                if p.is_file() and p.suffix.lower() in CANDIDATE_SUFFIXES:
                    _add(found, seen, p, str(p.relative_to(given)))
        elif given.exists():
            _add(found, seen, given, given.name)
        else:
            raise NoInputError(f"{given}: 文件或文件夹不存在")
    return found


def _add(found: list[InputFile], seen: set[Path], path: Path, display: str) -> None:
    key = path.resolve()
    if key not in seen:
        seen.add(key)
        found.append(InputFile(path, display))


@dataclass
class ReadFile:
    """A candidate file after reading: its raw content, or the reason it could not be read."""

    input: InputFile
    raw: Optional[RawReturn] = None
    failure: Optional[ReturnFileError] = None
    mtime: float = 0.0


def read_inputs(inputs: list[InputFile], labels: Labels, progress: Optional[Progress] = None) -> list[ReadFile]:
    out = []
    for n, item in enumerate(inputs, start=1):
        rf = ReadFile(item)
        if not item.is_lock_file:
            try:
                rf.mtime = item.path.stat().st_mtime
                rf.raw = read_return(item.path, labels)
            except ReturnFileError as exc:
                rf.failure = exc
        out.append(rf)
        if progress:
            progress(n, len(inputs), item.display)
    return out


def infer_plan_id(files: list[ReadFile]) -> Optional[str]:
    ids = Counter(f.raw.meta.plan_id for f in files if f.raw and f.raw.meta and f.raw.meta.kind == "return")
    return ids.most_common(1)[0][0] if ids else None


def infer_period(files: list[ReadFile], plan: Plan) -> Optional[Period]:
    """The period most returns of this plan say they are for."""
    codes = Counter(f.raw.meta.period for f in files
                    if f.raw and f.raw.meta and f.raw.meta.plan_id == plan.id and f.raw.meta.kind == "return")
    for code, _ in codes.most_common():
        try:
            period = Period.parse(code)
        except ValueError:
            continue
        if plan.accepts(period) is None:
            return period
    return None


def check_files(files: list[ReadFile], plan: Plan, period: Period, labels: Labels) -> list[ReturnResult]:
    fp = fingerprint(plan)
    results = []
    for f in files:
        path, display = str(f.input.path), f.input.display
        if f.input.is_lock_file:
            result = lock_file(path, display, labels)
        elif f.failure is not None:
            result = file_failure(path, display, f.failure, labels)
        else:
            result = validate_return(f.raw, plan, period, fp, labels, display)
        result.mtime = f.mtime
        results.append(result)
    return results


@dataclass
class MergeOutcome:
    consolidation: Consolidation
    summary: Optional[Path] = None
    json: Optional[Path] = None
    feedback: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def default_summary_path(plan: Plan, period: Period) -> Path:
    return Path("generated") / f"{safe_filename(plan.id)}_{period.code}_汇总.xlsx"


def merge(plan: Plan, period: Period, files: list[ReadFile], labels: Labels, *, out: Path,
          json_out: Optional[Path] = None, feedback_dir: Optional[Path] = None, on_duplicate: str = "error",
          now: Optional[dt.datetime] = None) -> MergeOutcome:
    """Check `files` against the plan, consolidate, and write the summary (plus JSON and feedback)."""
    from .writing.summary import write_summary

    started = time.perf_counter()
    results = check_files(files, plan, period, labels)
    c = consolidate(plan, period, results, labels, on_duplicate=on_duplicate)
    outcome = MergeOutcome(consolidation=c)
    stamp = (now or dt.datetime.now()).replace(microsecond=0).isoformat(sep=" ")
    with atomic_path(out) as tmp:
        write_summary(tmp, c, labels, stamp)
    outcome.summary = out
    if json_out is not None:
        with atomic_path(json_out) as tmp:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(to_json(c), fh, ensure_ascii=False, indent=2)
        outcome.json = json_out
    if feedback_dir is not None:
        outcome.feedback = write_feedback_files(results, feedback_dir, labels)
    outcome.seconds = time.perf_counter() - started
    return outcome


def write_feedback_files(results: list[ReturnResult], folder: Path, labels: Labels) -> list[Path]:
    """A marked-up copy of each identified return that has problems (originals untouched)."""
    from .writing.feedback import write_feedback

    ensure_dir(folder)
    written = []
    marked = [r for r in results if r.unit is not None and r.sheet is not None and r.problems]
    # Names from the displayed path, so same-named files from two folders do not collide.
    stems = unique_names([safe_filename(str(Path(r.file).with_suffix("")))
                          for r in marked])
    for r, stem in zip(marked, stems):
        target = folder / f"{stem}_退回修改.xlsx"
        if target.resolve() == Path(r.path).resolve():
            raise OutputError(f"{target}: 退回文件不能覆盖原填报表，请换一个 --feedback 文件夹")
        with atomic_path(target) as tmp:
            write_feedback(r, r.path, tmp, labels)
        written.append(target)
    return written


def to_json(c: Consolidation) -> dict:
    """The machine-readable merge result (field names are a stable interface)."""
    return {
        "plan": c.plan.id,
        "period": c.period.code,
        "submissions": [{"unit": s.unit.name, "file": s.file, "status": s.status} for s in c.submissions],
        "issues": [p.as_dict() for p in c.problems],
        "tasks": [{
            "id": t.task.id, "status": t.status, "progress": t.progress, "disagreement": t.disagreement,
            "reports": [{"unit": r.unit, "role": r.role, "status": r.status, "progress": r.progress,
                         "text": r.work, "problems": r.problems, "next_steps": r.next_steps} for r in t.reports],
        } for t in c.tasks],
        "indicators": [{
            "id": i.indicator.id, "actual": i.actual, "attainment": i.attainment, "source": i.source,
            "reports": [{"unit": r.unit, "role": r.role, "actual": r.actual, "note": r.note} for r in i.reports],
        } for i in c.indicators],
    }
