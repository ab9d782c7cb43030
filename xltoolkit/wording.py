"""Plan facts in words for workbook cells (targets, roles, the other units of an item)."""

from __future__ import annotations

from typing import Optional

from .labels import Labels
from .model import Comparator, Indicator, Plan, Target, Task, _Assigned


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
    when = labels.fmt("return_sheet.target_deadline", year=target.deadline_year) if target.deadline_year else ""
    return labels.fmt("return_sheet.target_line", what=what, rule=target_rule(target, labels), when=when)


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


def role(item: _Assigned, unit_name: str, labels: Labels, plan: Optional[Plan] = None) -> str:
    """牵头 / 责任, or 责任（各街道） for a member reporting for its collective."""
    r, via = plan.role_in(item, unit_name) if plan is not None else (item.role_of(unit_name), None)
    if not r:
        return ""
    return labels.fmt("role_via", role=labels["role." + r], via=via) if via else labels["role." + r]


def indicator_row(ind: Indicator, unit_name: str, labels: Labels, plan: Optional[Plan] = None) -> dict[str, str]:
    """The locked cells of an indicator row in a unit sheet, by column key."""
    return {
        "id": ind.id,
        "kind": labels["indicator_kind." + ind.kind.value],
        "name": ind.name,
        "target": ind.target.text,
        "comparator": target_rule(ind.target, labels),
        "unit": ind.target.unit or "",
        "role": role(ind, unit_name, labels, plan),
        "others": other_units(ind, unit_name, labels),
    }


def target_row(task: Task, target: Target, labels: Labels) -> dict[str, str]:
    """The locked cells of a target row in a unit sheet (三、量化目标), by column key."""
    value = target.value
    shown = "" if value is None else (f"{number(value[0])}–{number(value[1])}" if isinstance(value, tuple)
                                      else number(value))
    return {
        "id": target.id or "",
        "task": f"{task.id} {task.title}",
        "text": target.text,
        "value": shown,
        "unit": target.unit or "",
        "rule": labels.fmt("return_sheet.target_rule", rule=target_rule(target, labels),
                           measure=labels[f"measure_hint.{target.measure.value}"]),
        "deadline": str(target.deadline_year or ""),
    }


def task_row(plan: Plan, task: Task, unit_name: str, labels: Labels) -> dict[str, str]:
    """The locked cells of a task row in a unit sheet, by column key."""
    return {
        "id": task.id,
        "chapter": plan.chapter_of(task.id).title,
        "title": task.title,
        "text": task.text,
        "targets": "\n".join(target_line(t, labels) for t in task.targets),
        "role": role(task, unit_name, labels, plan),
        "others": other_units(task, unit_name, labels),
    }


def last_cells(answer: dict, labels: Labels) -> dict[str, str]:
    """The locked 上期 cells of a task or target row, from last period's answer (history.last_answers)."""
    if answer.get("kind") == "task":
        status, progress = answer.get("status"), answer.get("progress")
        return {"last_status": labels["status." + status] if status else "",
                "last_progress": "" if progress is None else f"{number(progress)}%",
                "last_next_steps": answer.get("next_steps") or ""}
    value = answer.get("value")
    return {"last_actual": "" if value is None else number(value)}


def prefill_cells(answer: dict, labels: Labels) -> dict[str, object]:
    """Last period's answer as input-cell values by column key (generate --prefill)."""
    if answer.get("kind") == "task":
        status = answer.get("status")
        return {"status": labels["status." + status] if status else "", "progress": answer.get("progress"),
                "work": answer.get("work") or "", "problems": answer.get("problems") or "",
                "next_steps": answer.get("next_steps") or ""}
    return {"actual": answer.get("value"), "note": answer.get("note") or ""}
