"""`generate`: plan + period -> master workbook and one return workbook per unit.

Never overwrites a workbook that someone has filled in (unless forced): such files are kept and
reported. Every file is written atomically (temporary file, then one rename).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from . import FORM_VERSION, __version__
from .files import OutputError, atomic_path, ensure_dir, safe_filename, unique_names
from .labels import Labels, get_labels
from .metadata import ReturnMeta
from .model import Period, PeriodKind, Plan
from .plans import fingerprint
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
    master = out_dir / f"{safe_filename(plan.id)}_{period.code}_总表.xlsx"
    units = plan.reporting_units
    stems = unique_names([safe_filename(f"{period.code}_{u.name}") for u in units])
    return master, {u.name: out_dir / RETURNS_DIR / f"{stem}.xlsx" for u, stem in zip(units, stems)}


def _keep_reason(path: Path, labels: Labels) -> Optional[str]:
    """Why an existing output must not be overwritten, or None when it is safe to replace."""
    if not path.exists():
        return None
    try:
        filled = count_filled_inputs(path, labels)
    except ReturnFileError as exc:
        return f"已存在且无法识别（{exc.code}）"
    except Exception as exc:  # unreadable in some other way: keep it, never destroy data
        return f"已存在且无法读取（{type(exc).__name__}）"
    return f"已填写 {filled} 个单元格" if filled else None


def generate(plan: Plan, period: Period, out_dir: Path, *, password: Optional[str] = None, force: bool = False,
             progress: Optional[Progress] = None, labels: Optional[Labels] = None,
             now: Optional[dt.datetime] = None) -> GenerateResult:
    labels = labels or get_labels()
    reason = plan.accepts(period)
    if reason:
        raise ValueError(reason)
    started = time.perf_counter()
    out_dir = Path(out_dir)
    ensure_dir(out_dir)
    result = GenerateResult(out_dir=out_dir)
    stamp = (now or dt.datetime.now()).replace(microsecond=0).isoformat()
    fp = fingerprint(plan)
    from .writing.master import write_master
    from .writing.returns import write_return

    master_path, return_paths = output_paths(plan, period, out_dir, labels)
    sheet_names = unit_sheet_names(plan, labels)
    units = plan.reporting_units
    total = len(units) + 1

    def meta_for(unit_id: str, unit_name: str, kind: str) -> ReturnMeta:
        return ReturnMeta(plan_id=plan.id, plan_fingerprint=fp, unit_id=unit_id, unit_name=unit_name,
                          period=period.code, form_version=FORM_VERSION, tool_version=__version__,
                          generated_at=stamp, kind=kind)

    keep = None if force else _keep_reason(master_path, labels)
    if keep:
        result.kept.append((master_path, keep))
    else:
        with atomic_path(master_path) as tmp:
            write_master(tmp, plan, period, meta_for("*", "*", "master"), labels, password)
        result.master = master_path
    if progress:
        progress(1, total, master_path.name)
    if units:
        ensure_dir(out_dir / RETURNS_DIR)
    for n, unit in enumerate(units, start=2):
        path = return_paths[unit.name]
        keep = None if force else _keep_reason(path, labels)
        if keep:
            result.kept.append((path, keep))
        else:
            with atomic_path(path) as tmp:
                write_return(tmp, plan, unit, period, sheet_names[unit.name],
                             meta_for(unit.id, unit.name, "return"), labels, password)
            result.returns.append(path)
        if progress:
            progress(n, total, path.name)
    result.seconds = time.perf_counter() - started
    return result


__all__ = ["GenerateResult", "OutputError", "default_period", "generate", "output_paths"]
