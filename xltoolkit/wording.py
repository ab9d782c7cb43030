"""Plan facts in words for workbook cells (targets, roles, the other units of an item)."""

from __future__ import annotations

from .labels import Labels
from .model import Comparator, Target, _Assigned


def number(value: float) -> str:
    """12.0 -> "12", 41.51 -> "41.51"."""
    return f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def target_rule(target: Target, labels: Labels) -> str:
    """The parsed target as a short rule: "≥ 6 家", "3–5 个", "≈（左右） 7 %", "定性"."""
    unit = target.unit or ""
    c = target.comparator
    if c is Comparator.qualitative:
        return labels["comparator.qualitative"]
    if c is Comparator.range:
        return f"{number(target.low)}–{number(target.high)} {unit}".strip()
    return f"{labels['comparator.' + c.value]} {number(target.value)} {unit}".strip()


def target_line(target: Target, labels: Labels) -> str:
    """One line per target for a task's 量化目标 cell: what, rule, when."""
    what = target.metric or target.text
    when = f"（{target.deadline_year}年）" if target.deadline_year else ""
    return f"{what}：{target_rule(target, labels)}{when}"


def other_units(item: _Assigned, unit_name: str, labels: Labels) -> str:
    """The other units involved in an item: "牵头：区发改局；责任：区金融局、区建设局"."""
    parts = []
    leads = [u for u in item.lead_units if u != unit_name]
    resp = [u for u in item.responsible_units if u != unit_name]
    if leads:
        parts.append(labels["return_sheet.lead_mark"] + "、".join(leads))
    if resp:
        parts.append(labels["return_sheet.responsible_mark"] + "、".join(resp))
    return "；".join(parts)


def role(item: _Assigned, unit_name: str, labels: Labels) -> str:
    r = item.role_of(unit_name)
    return labels["role." + r] if r else ""
