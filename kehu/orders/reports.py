"""The operating meeting's forms (000 第十六条): the monthly allocation and the quarterly review, printed through
kehu.core.documents (on screen, XLSX, PDF) from the same rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from kehu.core.documents import FormColumn, FormDocument, HeaderCell
from kehu.orders.models import Allocation
from kehu.orders.selectors import allocation_for_review, allocation_lines, quarter_bounds
from kehu.orders.services.allocation import line_reason
from kehu.org.models import User
from kehu.sales.models import Pickup, ProductGroup

ZERO = Decimal("0")
SIGNATURES = ("编制（计划员）", "审核（销售部）", "批准（总经理）")


def allocation_document(*, actor: User, allocation: Allocation) -> FormDocument:
    """月度产品资源量分配表: every line with its reason; totals; the articles as notes."""
    group = allocation.product_group
    unit = group.get_base_unit_display()
    rows = []
    for n, line in enumerate(allocation_lines(actor=actor, allocation=allocation), start=1):
        rows.append((n, line.customer.code, line.customer.name, line.channel or "—", line.demand, line.computed,
                     line.quantity, "是" if line.adjusted else "", line_reason(line)))
    demand = sum((r[4] for r in rows), ZERO)
    computed = sum((r[5] for r in rows), ZERO)
    quantity = sum((r[6] for r in rows), ZERO)
    columns = (
        FormColumn("序号", 6, "int"), FormColumn("客户编码", 12), FormColumn("客户名称", 26),
        FormColumn("客户类别", 10),
        FormColumn("需求量", 11, "decimal", 3), FormColumn("计算分配量", 11, "decimal", 3),
        FormColumn("分配量", 11, "decimal", 3), FormColumn("手工调整", 7), FormColumn("分配依据", 60),
    )
    header = [
        [HeaderCell("序号", rowspan=2), HeaderCell("客户", colspan=3), HeaderCell(f"数量（{unit}）", colspan=3),
         HeaderCell("手工调整", rowspan=2), HeaderCell("分配依据（规则、数据、条款）", rowspan=2)],
        [HeaderCell("编码"), HeaderCell("名称"), HeaderCell("类别"), HeaderCell("需求量"), HeaderCell("计算分配量"),
         HeaderCell("分配量")],
    ]
    return FormDocument(
        title="月度产品资源量分配表", subtitle=f"（000 第三条（二）、第十条、第十六条 · {allocation.pack_name}）",
        meta=(("月份", f"{allocation.month:%Y年%m月}"), ("产品组", group.name), ("单位", unit),
              ("可供量", f"{allocation.available:,.3f}"), ("已分配", f"{allocation.allocated:,.3f}")),
        columns=columns, header_rows=header, rows=rows,
        totals=("", "合计", "", "", demand, computed, quantity, "", ""),
        notes=("分配原则：确保直销量 → 平衡独家代理量（完成率、配合度） → 补充经销量（完成率、周拿货均衡）"
               "（000 第三条（二）、"
               "第十条（三）2、（四）3）。",
               "客户季度评审结果和月度产品资源量分配情况向公司经营例会汇报（000 第十六条）。"),
        signatures=SIGNATURES, landscape=True, sheet_name=f"{allocation.month:%Y-%m} {group.name}",
    )


@dataclass(frozen=True)
class ReviewLine:
    code: str
    name: str
    group: str
    channel: str
    months: tuple[Decimal, ...]
    allocated: Decimal
    picked: Decimal
    completion: Decimal | None


def review_lines(*, actor: User, quarter_day: date, product_group: ProductGroup | None = None
                 ) -> tuple[tuple[date, ...], list[ReviewLine]]:
    """Per customer and product group: allocated per month of the quarter, picked in the quarter, completion."""
    start, end, _ = quarter_bounds(quarter_day)
    months = tuple(date(start.year, start.month + i, 1) for i in range(3))
    rows = allocation_for_review(actor=actor, start=start, end=end, product_group=product_group)
    by_key: dict[tuple[int, int], dict] = {}
    for r in rows:
        slot = by_key.setdefault((r.customer_id, r.product_group_id), {
            "code": r.customer_code, "name": r.customer_name, "group": r.product_group_code, "channel": r.channel,
            "months": defaultdict(lambda: ZERO)})
        slot["months"][r.month] += r.allocated
    picked: dict[tuple[int, int], Decimal] = {}
    if by_key:
        from django.db.models import Sum

        customer_ids = {cid for cid, _ in by_key}
        group_ids = {gid for _, gid in by_key}
        for cid, gid, total in (Pickup.objects.filter(picked_on__gte=start, picked_on__lte=end,
                                                      customer_id__in=customer_ids, product_group_id__in=group_ids)
                                .values_list("customer_id", "product_group_id").annotate(s=Sum("base_quantity"))
                                .values_list("customer_id", "product_group_id", "s").order_by()):
            picked[(cid, gid)] = Decimal(str(total or 0)).quantize(Decimal("0.001"))
    out = []
    for key, slot in sorted(by_key.items(), key=lambda kv: (kv[1]["group"], kv[1]["code"])):
        per_month = tuple(slot["months"].get(m, ZERO) for m in months)
        allocated = sum(per_month, ZERO)
        got = picked.get(key, ZERO)
        out.append(ReviewLine(slot["code"], slot["name"], slot["group"], slot["channel"], per_month, allocated, got,
                              (got / allocated * 100).quantize(Decimal("0.1")) if allocated else None))
    return months, out


def review_document(*, actor: User, quarter_day: date, product_group: ProductGroup | None = None) -> FormDocument:
    """客户季度评审及资源量分配情况表 (000 第十六条): the quarter's allocation against the pickups."""
    start, end, label = quarter_bounds(quarter_day)
    months, lines = review_lines(actor=actor, quarter_day=quarter_day, product_group=product_group)
    columns = (
        FormColumn("序号", 6, "int"), FormColumn("客户编码", 12), FormColumn("客户名称", 26), FormColumn("产品组", 12),
        FormColumn("客户类别", 10), *(FormColumn(f"{m:%m}月", 11, "decimal", 3) for m in months),
        FormColumn("季度合计", 12, "decimal", 3), FormColumn("实际提货", 12, "decimal", 3),
        FormColumn("完成率", 9, "percent", 1),
    )
    header = [
        [HeaderCell("序号", rowspan=2), HeaderCell("客户", colspan=4), HeaderCell("分配量", colspan=4),
         HeaderCell("实际提货", rowspan=2), HeaderCell("完成率", rowspan=2)],
        [HeaderCell("编码"), HeaderCell("名称"), HeaderCell("产品组"), HeaderCell("类别"),
         *(HeaderCell(f"{m:%m}月") for m in months), HeaderCell("季度合计")],
    ]
    rows = [(n, r.code, r.name, r.group, r.channel or "—", *r.months, r.allocated, r.picked, r.completion)
            for n, r in enumerate(lines, start=1)]
    totals_months = [sum((r.months[i] for r in lines), ZERO) for i in range(3)]
    allocated = sum((r.allocated for r in lines), ZERO)
    picked = sum((r.picked for r in lines), ZERO)
    return FormDocument(
        title="客户季度评审及资源量分配情况", subtitle="（000 第十六条：向公司经营例会汇报）",
        meta=(("季度", label), ("期间", f"{start} 至 {end}"),
              ("产品组", product_group.name if product_group else "全部")),
        columns=columns, header_rows=header, rows=rows,
        totals=("", "合计", "", "", "", *totals_months, allocated, picked,
                (picked / allocated * 100).quantize(Decimal("0.1")) if allocated else None),
        notes=("完成率 = 季度实际提货量 ÷ 季度分配量。",
               "公司销售部分季度、半年、全年对客户进行评审，客户季度评审结果和月度产品资源量分配情况"
               "向公司经营例会汇报（000 第十六条）。"),
        signatures=SIGNATURES, landscape=True, sheet_name=label,
    )


def previous_quarter_day(today: date) -> date:
    start, _, _ = quarter_bounds(today)
    return start - timedelta(days=1)
