"""Data the forms take from apps that may not be installed yet (kehu.development, kehu.orders).

Each source is imported when a form is computed, not when Kehu starts: without the module the form says it has no
data source yet (and cannot be submitted) instead of failing. The expected contracts:

- `kehu.development.selectors.plan_completion(*, actor, period, unit=None)` → one `CompletionRow` per plan line
  (category, unit, county, target, admitted), folded here into 附录7's lines (002 6.5.3).
- `kehu.orders.selectors.allocation_for_review(*, actor, start, end, product_group=None)` → rows with `month`
  (a date or "2026-07"), `customer` (a name, or an object with `name`), `channel`, `planned`, `allocated`, `picked_up`
  (Decimal, in `unit`), and optionally `unit` and `note` (000 第三条、第十六条 月度产品资源量分配情况).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

ORDERS_MISSING = ("订单与资源分配模块（kehu.orders.selectors.allocation_for_review）尚未接入，"
                  "本期资源量分配情况暂无数据来源。")


def _selector(module: str, name: str):
    """The selector `module.name`, or None when the module (or the function) does not exist yet."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == module or module.startswith(exc.name + ".")):
            return None
        raise  # the module exists but something it imports is broken: a real error
    return getattr(found, name, None)


def _field(row: Any, name: str, default: Any = None) -> Any:
    if isinstance(row, dict):
        return row.get(name, default)
    return getattr(row, name, default)


def _name(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "name", value))


@dataclass(frozen=True)
class PlanLine:
    unit: str
    institutional_target: int | None
    institutional_done: int | None
    card_target: int | None
    card_done: int | None
    note: str = ""


@dataclass(frozen=True)
class SourceRows:
    rows: list
    missing: str = ""  # why there are no rows: the source does not exist yet


def development_plan_completion(*, actor, period, unit) -> SourceRows:
    """附录7's lines from the development plans in force in the period's month: one line per county (机构客户) and per
    station (个人卡客户), in the order the plans list them; completion is counted there from admitted customers."""
    from kehu.development.models import TargetCategory
    from kehu.development.selectors import plan_completion

    lines: dict[tuple[int | None, str], dict] = {}
    for row in plan_completion(actor=actor, period=period.start, unit=unit):
        if row.category not in (TargetCategory.INSTITUTIONAL, TargetCategory.CARD):
            continue  # 000's plans count every developed customer: not a 002 form line
        name = row.unit_name or row.assignee_name or row.plan_unit_name
        line = lines.setdefault((row.unit_id, name), {
            "unit": name, "institutional_target": None, "institutional_done": None, "card_target": None,
            "card_done": None,
            "note": f"{row.county_name}" if row.county_name and row.county_name != name else ""})
        prefix = "institutional" if row.category == TargetCategory.INSTITUTIONAL else "card"
        line[f"{prefix}_target"] = (line[f"{prefix}_target"] or 0) + row.target
        line[f"{prefix}_done"] = (line[f"{prefix}_done"] or 0) + row.admitted
    return SourceRows([PlanLine(**line) for line in lines.values()])


@dataclass(frozen=True)
class AllocationLine:
    month: str
    customer: str
    channel: str
    planned: Any
    allocated: Any
    picked_up: Any
    unit: str = ""
    note: str = ""


def orders_allocation(*, actor, start, end, product_group=None) -> SourceRows:
    allocation_for_review = _selector("kehu.orders.selectors", "allocation_for_review")
    if allocation_for_review is None:
        return SourceRows([], ORDERS_MISSING)
    rows = []
    for row in allocation_for_review(actor=actor, start=start, end=end, product_group=product_group) or ():
        month = _field(row, "month")
        rows.append(AllocationLine(
            month=month.strftime("%Y-%m") if hasattr(month, "strftime") else str(month or ""),
            customer=_name(_field(row, "customer")), channel=str(_field(row, "channel", "") or ""),
            planned=_field(row, "planned"), allocated=_field(row, "allocated"), picked_up=_field(row, "picked_up"),
            unit=str(_field(row, "unit", "") or ""), note=str(_field(row, "note", "") or ""),
        ))
    return SourceRows(rows)
