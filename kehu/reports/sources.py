"""Data the forms take from other apps: 002 附录7 from the development plans (kehu.development), the 000 第十六条
reviews' allocation section from the monthly resource allocation (kehu.orders). Each is folded here into the form's
lines, so the form definitions stay free of the other apps' row types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
    """第十六条's 资源量分配情况: the orders app's monthly allocation per customer and product group, beside the demand
    planned and what the customer then picked up that month (one aggregate over the pickups, in the group's base
    unit). A user without the right to see allocations gets the section empty, with the reason."""
    from django.db.models import Sum
    from django.db.models.functions import TruncMonth

    from kehu.orders.selectors import allocation_for_review
    from kehu.sales.models import Pickup

    if not actor.has_perm("orders.view_allocation"):
        return SourceRows([], "您没有查看资源量分配的权限（orders.view_allocation）。")
    lines = allocation_for_review(actor=actor, start=start, end=end, product_group=product_group)
    if not lines:
        return SourceRows([])
    picked = {
        (row["customer_id"], row["product_group_id"], row["month"]): row["total"]
        for row in Pickup.objects.filter(customer_id__in={line.customer_id for line in lines},
                                         product_group_id__in={line.product_group_id for line in lines},
                                         picked_on__gte=start.replace(day=1), picked_on__lte=end)
        .annotate(month=TruncMonth("picked_on")).values("customer_id", "product_group_id", "month")
        .annotate(total=Sum("base_quantity")).order_by()
    }
    rows = []
    for line in lines:
        month = line.month.replace(day=1)
        rows.append(AllocationLine(
            month=f"{month:%Y-%m}", customer=line.customer_name, channel=line.channel, planned=line.demand,
            allocated=line.allocated, picked_up=picked.get((line.customer_id, line.product_group_id, month)),
            unit="吨", note=("手工调整" if line.adjusted else "") + f"（{line.product_group_code}）",
        ))
    return SourceRows(rows)
