"""000 化工品客户管理办法 第十六条: the quarterly, half-year and yearly customer reviews (客户评审), with the
resource allocation of the period (月度/年度产品资源量分配情况) where kehu.orders provides it.

第十六条 names the cadences and who hears the results (公司经营例会; the yearly one 产品经销公司总经理办公会) but
no day: the due day is an administrator value the pack declares (`reports.due_days`). A review lists, per customer, the
grade at the start and end of the period (第九条 星级), the period's pickups by product group against last year and
against the demand plans (第十条), late payments and complaints — the facts a review weighs.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum

from kehu.core.documents import HeaderCell
from kehu.reports.definitions.common import ZERO, change_percent, col, person, seq_col, tons, yuan
from kehu.reports.periods import same_period_last_year
from kehu.reports.registry import DueRule, ReportContext, ReportDefinition, ReportResult, ReportTable

PACK = "hb-chemicals"
SCHEME = "polyolefin_star"
REGULATION = "化工品客户管理办法"
ARTICLE = "第十六条"
QUOTE = ("公司销售部分季度、半年、全年对客户进行评审,客户季度评审结果和月度产品资源量分配情况向公司经营例会汇报;"
         "客户年度评审结果和年度产品资源量分配情况向产品经销公司总经理办公会汇报。")
POLYOLEFIN, OTHER = "聚烯烃", "其他化工产品"
SALES_OBJECT = "sales_object"  # 第九条 dimension: 经销商 / 直销客户


def _month_key(day) -> str:
    return f"{day.year}-{day.month:02d}"


def _aware(day, end: bool = False) -> datetime:
    from django.utils import timezone

    moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    return timezone.make_aware(moment)


def build_review(ctx: ReportContext) -> ReportResult:
    from kehu.customers.models import Customer
    from kehu.policy.models import GradeAssignment
    from kehu.policy.selectors import pack_get
    from kehu.sales.models import DemandPlanLine, Pickup, ProductGroup
    from kehu.sales.selectors import late_payment_counts
    from kehu.service.models import Complaint

    period, last_year = ctx.period, same_period_last_year(ctx.period)
    groups = dict(ProductGroup.objects.filter(name__in=(POLYOLEFIN, OTHER)).values_list("name", "pk"))
    chem = list(groups.values())
    before_key, end_key = _month_key(period.start - timedelta(days=1)), _month_key(period.end)
    pickups = Pickup.objects.filter(product_group_id__in=chem, picked_on__gte=last_year.start,
                                    picked_on__lte=period.end)
    graded = GradeAssignment.objects.filter(pack_name=PACK, scheme_code=SCHEME, period__in=(before_key, end_key))
    population = Customer.objects.filter(ctx.customer_q()).filter(
        Q(pk__in=pickups.values("customer_id")) | Q(pk__in=graded.values("customer_id")))
    rows: dict[int, dict] = {}
    for pk, code, name, unit, dn, un, classes in population.values_list(
            "pk", "code", "name", "unit__name", "owner__display_name", "owner__username", "classifications"
    ).order_by("code"):
        rows[pk] = {"code": code, "name": name, "unit": unit or "", "owner": person(dn, un),
                    "class": (classes or {}).get(SALES_OBJECT, ""), "poly": ZERO, "other": ZERO, "amount": ZERO,
                    "last_year": ZERO, "plan": ZERO, "late": 0, "complaints": 0, "start": None, "end": None}
    now = Q(picked_on__gte=period.start)
    for a in pickups.filter(customer_id__in=population.values("pk")).values("customer_id").annotate(
            poly=Sum("base_quantity", filter=now & Q(product_group_id=groups.get(POLYOLEFIN, -1))),
            other=Sum("base_quantity", filter=now & Q(product_group_id=groups.get(OTHER, -1))),
            amount=Sum("amount", filter=now),
            last_year=Sum("base_quantity", filter=Q(picked_on__lte=last_year.end))).order_by():
        r = rows.get(a["customer_id"])
        if r:
            r.update(poly=a["poly"] or ZERO, other=a["other"] or ZERO, amount=a["amount"] or ZERO,
                     last_year=a["last_year"] or ZERO)
    for cid, key, grade in graded.filter(customer_id__in=population.values("pk")).values_list(
            "customer_id", "period", "grade"):
        if cid in rows:
            rows[cid]["start" if key == before_key else "end"] = grade
    for cid, planned in (DemandPlanLine.objects.filter(plan__customer_id__in=population.values("pk"),
                                                       plan__month__gte=period.start, plan__month__lte=period.end)
                         .values("plan__customer_id").annotate(q=Sum("quantity"))
                         .values_list("plan__customer_id", "q").order_by()):
        if cid in rows:
            rows[cid]["plan"] = planned or ZERO
    for cid, n in late_payment_counts(period.start, period.end, as_of=min(period.end, ctx.today)).items():
        if cid in rows:
            rows[cid]["late"] = n
    for cid, n in (Complaint.objects.filter(customer_id__in=population.values("pk"),
                                            received_at__gte=_aware(period.start),
                                            received_at__lt=_aware(period.end, end=True))
                   .values("customer_id").annotate(n=Count("id")).values_list("customer_id", "n").order_by()):
        if cid in rows:
            rows[cid]["complaints"] = n

    scheme = pack_get(PACK).scheme(SCHEME)
    rank = scheme.rank
    table_rows = []
    by_class: dict[tuple[str, str], Counter] = {}
    for n, r in enumerate(rows.values(), start=1):
        volume = r["poly"] + r["other"]
        conclusion = _conclusion(r["start"], r["end"], rank)
        facts = []
        if r["late"]:
            facts.append(f"逾期付款 {r['late']} 笔")
        if r["complaints"]:
            facts.append(f"投诉 {r['complaints']} 次")
        table_rows.append([
            n, r["code"], r["name"], r["class"], r["owner"], r["start"] or "", r["end"] or "", tons(r["poly"]),
            tons(r["other"]), yuan(r["amount"]), tons(r["last_year"]), change_percent(volume, r["last_year"]),
            tons(r["plan"]), _rate(volume, r["plan"]), r["late"], r["complaints"], conclusion,
            "；".join(facts),
        ])
        t = by_class.setdefault((r["class"] or "未分类", r["end"] or "未评定"), Counter())
        t["customers"] += 1
        t["volume"] += volume
        t["amount"] += r["amount"]
        t["up"] += conclusion.startswith("升")
        t["down"] += conclusion.startswith("降")
    columns = [
        seq_col(), col("客户编码", width=11), col("客户名称", width=24), col("客户类别", width=9),
        col("客户经理", width=9),
        col("期初星级", width=7), col("期末星级", width=7), col("聚烯烃（吨）", "decimal", 11, 3),
        col("其他化工产品（吨）", "decimal", 11, 3), col("金额（元）", "decimal", 14),
        col("去年同期（吨）", "decimal", 11, 3), col("同比（%）", "percent", 8, 1),
        col("需求计划量（吨）", "decimal", 11, 3), col("计划完成率（%）", "percent", 8, 1),
        col("逾期付款笔数", "int", 7), col("投诉次数", "int", 7), col("评审结论", width=14), col("备注", width=18),
    ]
    header = [
        [HeaderCell("序号", rowspan=2), HeaderCell("客户编码", rowspan=2), HeaderCell("客户名称", rowspan=2),
         HeaderCell("客户类别", rowspan=2), HeaderCell("客户经理", rowspan=2),
         HeaderCell("客户级别（第九条）", colspan=2),
         HeaderCell("期内提货", colspan=3), HeaderCell("去年同期（吨）", rowspan=2), HeaderCell("同比（%）", rowspan=2),
         HeaderCell("需求计划（第十条）", colspan=2), HeaderCell("逾期付款笔数", rowspan=2),
         HeaderCell("投诉次数", rowspan=2), HeaderCell("评审结论", rowspan=2), HeaderCell("备注", rowspan=2)],
        [HeaderCell("期初"), HeaderCell("期末"), HeaderCell("聚烯烃（吨）"), HeaderCell("其他化工产品（吨）"),
         HeaderCell("金额（元）"), HeaderCell("计划量（吨）"), HeaderCell("完成率（%）")],
    ]
    total_now = sum((r[7] + r[8] for r in table_rows), tons(0))
    total_ly = sum((r[10] for r in table_rows), tons(0))
    total_plan = sum((r[12] for r in table_rows), tons(0))
    totals = ["合计", f"{len(table_rows)} 户", "", "", "", "", "", sum((r[7] for r in table_rows), tons(0)),
              sum((r[8] for r in table_rows), tons(0)), sum((r[9] for r in table_rows), yuan(0)), total_ly,
              change_percent(total_now, total_ly), total_plan, _rate(total_now, total_plan),
              sum(r[14] for r in table_rows), sum(r[15] for r in table_rows), "", ""]
    review = ReportTable("review", "客户评审", columns, table_rows, header_rows=header, totals=totals)

    order = {code: i for i, code in enumerate(reversed(list(rank)))}
    summary_rows = [[n, cls, grade, t["customers"], tons(t["volume"]), yuan(t["amount"]), t["up"], t["down"]]
                    for n, ((cls, grade), t) in enumerate(
                        sorted(by_class.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99))), start=1)]
    summary = ReportTable(
        "by_class", "按类别与级别汇总",
        [seq_col(), col("客户类别", width=12), col("期末星级", width=10), col("客户数", "int", 8),
         col("期内提货（吨）", "decimal", 12, 3), col("金额（元）", "decimal", 14), col("升级", "int", 6),
         col("降级", "int", 6)], summary_rows)
    allocation, allocation_note = _allocation(ctx)
    notes = [f"星级按 {PACK} 的月度分级（第九条）：期初取 {before_key}，期末取 {end_key}；评审结论比较两者。",
             "需求计划量为期内各月独家代理商、经销商报送的需求计划（第十条）；完成率 = 期内提货量 ÷ 计划量。"]
    if allocation_note:
        notes.append(allocation_note)
    return ReportResult(tables=[review, summary, allocation], notes=notes)


def _conclusion(start, end, rank) -> str:
    if end is None and start is None:
        return "未评定"
    if start is None:
        return f"新评定为{end}"
    if end is None:
        return f"期末未评定（期初{start}）"
    if rank[end] > rank[start]:
        return f"升级：{start}→{end}"
    if rank[end] < rank[start]:
        return f"降级：{start}→{end}"
    return f"保持{end}"


def _rate(done: Decimal, plan: Decimal) -> Decimal | None:
    return (done * 100 / plan).quantize(Decimal("0.1")) if plan else None


def _allocation(ctx: ReportContext) -> tuple[ReportTable, str]:
    """第十六条's 资源量分配情况 from kehu.orders' monthly allocation."""
    from kehu.reports.sources import orders_allocation

    data = orders_allocation(actor=ctx.actor, start=ctx.period.start, end=ctx.period.end)
    yearly = ctx.period.kind == "year"
    title = "年度产品资源量分配情况" if yearly else "月度产品资源量分配情况"
    columns = [seq_col(), col("月份", width=9), col("客户", width=24), col("类别", width=10),
               col("计划量", "decimal", 11, 3), col("分配量", "decimal", 11, 3), col("提货量", "decimal", 11, 3),
               col("分配完成率（%）", "percent", 9, 1), col("单位", width=6), col("备注", width=16)]
    notes = ["分配原则：确保直销量、平衡独家代理量、补充经销量（第三条）。"]
    if data.missing:
        return ReportTable("allocation", title, columns, [], notes=(f"本节未列出：{data.missing}", *notes)), \
            f"{title}：本节未列出（{data.missing}）"
    rows = []
    for n, line in enumerate(data.rows, start=1):
        planned, allocated, picked = (Decimal(str(v)) if v is not None else None
                                      for v in (line.planned, line.allocated, line.picked_up))
        rows.append([n, line.month, line.customer, line.channel, planned, allocated, picked,
                     _rate(picked or ZERO, allocated) if allocated else None, line.unit, line.note])
    return ReportTable("allocation", title, columns, rows, notes=tuple(notes)), ""


def _due(code: str) -> tuple[DueRule, ...]:
    return (DueRule(article=ARTICLE, quote=QUOTE, pack=PACK, pack_due_day=code,
                    label="报公司经营例会" if code != "hb_review_year" else "报产品经销公司总经理办公会"),)


def _definition(code: str, title: str, cadence: str, order: int) -> ReportDefinition:
    return ReportDefinition(
        code=code, title=title, form_ref=f"000 {ARTICLE}", regulation=REGULATION, article=ARTICLE, quote=QUOTE,
        cadence=cadence, due=_due(code), build=build_review, pack=PACK, units_text="吨、元", order=order,
        signatures=("填表人", "销售部经理", "主管领导"),
        description="按客户列出期初与期末星级、期内提货与同比、需求计划完成率、逾期付款与投诉，附资源量分配情况。",
    )


DEFINITIONS = (
    _definition("hb_review_quarter", "客户季度评审表", "quarter", 30),
    _definition("hb_review_half_year", "客户半年评审表", "half_year", 31),
    _definition("hb_review_year", "客户年度评审表", "year", 32),
)
