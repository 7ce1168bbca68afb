"""003 集团公司客户管理制度 第八条: the quarterly credit report and sales-analysis table each company sends to 总管理部
by the 6th of the month after the quarter, 总管理部's quarterly summary by the 8th; the pharmaceutical variant monthly
("医药企业…次月的6日前将上月客户销售报表报告送总管理部；总管理部将月度客户销售汇总表在次月8日前送报").

"6日前" / "8日前" are read as "on or before the 6th / 8th" (calendar days: the article does not count working days).
Sales come from pickups (amount in 元, quantity in t for the groups measured in t); receivables and payments from
the sales app. A fixed number of queries per form.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from kehu.core.documents import HeaderCell
from kehu.reports.definitions.common import ZERO, change_percent, col, person, seq_col, tons, yuan
from kehu.reports.periods import previous_period, same_period_last_year
from kehu.reports.registry import DueRule, ReportContext, ReportDefinition, ReportFilter, ReportResult, ReportTable

REGULATION = "集团公司客户管理制度"
ARTICLE = "第八条"
QUOTE_Q = ("各公司客户管理部门(销售部门)每季度末的次月6日前,应将客户资信报表及客户的销售管理季度分析表报到总管理部,"
           "总管理部8日前将季度汇总分析表报到总管理处。")
QUOTE_M = ("医药企业客户管理部门(销售部门)应在次月的6日前将上月客户销售报表报告送总管理部;"
           "总管理部将月度客户销售汇总表在次月8日前送报到总管理处。")
DUE_6 = DueRule(article=ARTICLE, quote="次月6日前", day_of_month=6, label="报总管理部期限")
DUE_8 = DueRule(article=ARTICLE, quote="总管理部…8日前", day_of_month=8, label="总管理部报总管理处期限")
SIGNATURES = ("填表人", "审核人", "部门负责人")


def _product_groups() -> list[tuple[str, str]]:
    from kehu.sales.models import ProductGroup

    return [(g.code, g.name) for g in ProductGroup.objects.filter(is_active=True).order_by("code")]


PRODUCT_GROUP_FILTER = ReportFilter("product_group", "产品组", _product_groups)


@dataclass
class CustomerFigures:
    customer_id: int
    code: str
    name: str
    unit_name: str
    unit_path: str
    owner: str
    quantity: Decimal = ZERO
    amount: Decimal = ZERO
    amount_previous: Decimal = ZERO
    amount_last_year: Decimal = ZERO
    invoiced: Decimal = ZERO
    received: Decimal = ZERO
    outstanding: Decimal = ZERO
    overdue: Decimal = ZERO
    late_invoices: int = 0
    credit: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def has_activity(self) -> bool:
        return any((self.amount, self.amount_previous, self.amount_last_year, self.invoiced, self.received,
                    self.outstanding))


def figures(ctx: ReportContext, *, with_credit: bool) -> list[CustomerFigures]:
    """Per customer of the scope: the period's sales (this, previous, same period last year) and — with credit —
    invoices, payments, the balance and the overdue part at the period's end, late invoices and the credit rating.
    Queries: customers, pickups, (receivables, payments, late invoices, credit ratings)."""
    from kehu.customers.models import Customer
    from kehu.sales.models import Pickup

    period, previous, last_year = ctx.period, previous_period(ctx.period), same_period_last_year(ctx.period)
    population = Customer.objects.filter(ctx.customer_q())
    rows = {pk: CustomerFigures(pk, code, name, unit or "", path or "", person(dn, un)) for
            pk, code, name, unit, path, dn, un in population.values_list(
                "pk", "code", "name", "unit__name", "unit__path", "owner__display_name", "owner__username")
            .order_by("code")}
    pickups = Pickup.objects.filter(customer_id__in=population.values("pk"), picked_on__gte=last_year.start,
                                    picked_on__lte=period.end)
    group = ctx.filters.get("product_group")
    if group:
        pickups = pickups.filter(product_group__code=group)
    now = Q(picked_on__gte=period.start)
    for a in pickups.values("customer_id").annotate(
            # Names that are not model fields: an annotation called "amount" would shadow the column below.
            qty_now=Sum("base_quantity", filter=now & Q(product_group__base_unit="t")),
            sales_now=Sum("amount", filter=now),
            sales_previous=Sum("amount", filter=Q(picked_on__gte=previous.start, picked_on__lte=previous.end)),
            sales_last_year=Sum("amount", filter=Q(picked_on__lte=last_year.end))).order_by():
        r = rows.get(a["customer_id"])
        if r is not None:
            r.quantity, r.amount = a["qty_now"] or ZERO, a["sales_now"] or ZERO
            r.amount_previous, r.amount_last_year = a["sales_previous"] or ZERO, a["sales_last_year"] or ZERO
    if with_credit:
        _credit(ctx, rows, population)
    return list(rows.values())


def _credit(ctx, rows, population) -> None:
    from kehu.policy.models import CurrentGrade
    from kehu.sales.models import Payment, Receivable
    from kehu.sales.selectors import late_payment_counts

    period = ctx.period
    money = DecimalField(max_digits=18, decimal_places=2)
    paid_by_end = Subquery(
        Payment.objects.filter(receivable=OuterRef("pk"), paid_on__lte=period.end).values("receivable")
        .annotate(s=Sum("amount")).values("s")[:1], output_field=money)
    open_at_end = F("amount") - Coalesce(paid_by_end, Value(ZERO, output_field=money))
    for a in (Receivable.objects.filter(customer_id__in=population.values("pk"), invoiced_on__lte=period.end)
              .values("customer_id").annotate(
                  invoiced=Sum("amount", filter=Q(invoiced_on__gte=period.start)),
                  outstanding=Sum(open_at_end, output_field=money),
                  overdue=Sum(open_at_end, output_field=money, filter=Q(due_on__lt=period.end))).order_by()):
        r = rows.get(a["customer_id"])
        if r is not None:
            r.invoiced, r.outstanding = a["invoiced"] or ZERO, a["outstanding"] or ZERO
            r.overdue = max(a["overdue"] or ZERO, ZERO)
    for cid, received in (Payment.objects.filter(customer_id__in=population.values("pk"),
                                                 paid_on__gte=period.start, paid_on__lte=period.end)
                          .values("customer_id").annotate(s=Sum("amount")).values_list("customer_id", "s")
                          .order_by()):
        if cid in rows:
            rows[cid].received = received or ZERO
    for cid, n in late_payment_counts(period.start, period.end, as_of=min(period.end, ctx.today)).items():
        if cid in rows:
            rows[cid].late_invoices = n
    for cid, grade in CurrentGrade.objects.filter(customer_id__in=population.values("pk"), pack_name="credit-abcd",
                                                  scheme_code="credit_rating").values_list("customer_id", "grade"):
        if cid in rows:
            rows[cid].credit = grade or ""


def _rate(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part * 100 / whole).quantize(Decimal("0.1")) if whole else None


# ----- 客户资信报表 --------------------------------------------------------------------------------------------


def build_credit(ctx: ReportContext) -> ReportResult:
    data = [f for f in figures(ctx, with_credit=True) if f.has_activity or f.credit]
    rows = [[n, f.code, f.name, f.unit_name, f.owner, f.credit, yuan(f.amount), yuan(f.invoiced), yuan(f.received),
             _rate(f.received, f.invoiced), yuan(f.outstanding), yuan(f.overdue), f.late_invoices]
            for n, f in enumerate(data, start=1)]
    columns = [seq_col(), col("客户编码", width=11), col("客户名称", width=24), col("管理单位", width=12),
               col("业务员", width=9), col("信用等级", width=8), col("期内销售额（元）", "decimal", 14),
               col("期内开票（元）", "decimal", 14), col("期内回款（元）", "decimal", 14),
               col("回款率（%）", "percent", 8, 1), col("期末应收余额（元）", "decimal", 14),
               col("其中逾期（元）", "decimal", 13), col("逾期付款笔数", "int", 8)]
    header = [
        [HeaderCell("序号", rowspan=2), HeaderCell("客户编码", rowspan=2), HeaderCell("客户名称", rowspan=2),
         HeaderCell("管理单位", rowspan=2), HeaderCell("业务员", rowspan=2), HeaderCell("信用等级", rowspan=2),
         HeaderCell("期内交易", colspan=4), HeaderCell("期末应收", colspan=2), HeaderCell("逾期付款笔数", rowspan=2)],
        [HeaderCell("销售额（元）"), HeaderCell("开票（元）"), HeaderCell("回款（元）"), HeaderCell("回款率（%）"),
         HeaderCell("余额（元）"), HeaderCell("其中逾期（元）")],
    ]

    def total(i):
        return sum((r[i] for r in rows), yuan(0))

    totals = ["合计", f"{len(rows)} 户", "", "", "", "", total(6), total(7), total(8), _rate(total(8), total(7)),
              total(10), total(11), sum(r[12] for r in rows)]
    notes = ["信用等级为编制时的现行等级（credit-abcd，第5条；未评定为空）；"
             "逾期付款笔数为期内到期、未按期付清的发票数。",
             "期末应收余额按期末前的开票与回款计算。"]
    return ReportResult(tables=[ReportTable("credit", "客户资信", columns, rows, header_rows=header, totals=totals)],
                        notes=notes)


# ----- 客户销售管理分析表（季度 / 医药月度） -----------------------------------------------------------------------


def build_sales(ctx: ReportContext) -> ReportResult:
    data = sorted((f for f in figures(ctx, with_credit=False) if f.has_activity), key=lambda f: (-f.amount, f.code))
    total_amount = sum((f.amount for f in data), ZERO)
    rows = [[n, f.code, f.name, f.unit_name, f.owner, tons(f.quantity), yuan(f.amount), yuan(f.amount_previous),
             change_percent(f.amount, f.amount_previous), yuan(f.amount_last_year),
             change_percent(f.amount, f.amount_last_year), _rate(f.amount, total_amount)]
            for n, f in enumerate(data, start=1)]
    columns = [col("排名", "int", 5), col("客户编码", width=11), col("客户名称", width=24), col("管理单位", width=12),
               col("业务员", width=9), col("销售量（吨）", "decimal", 11, 3), col("销售额（元）", "decimal", 14),
               col("上期销售额（元）", "decimal", 14), col("环比（%）", "percent", 8, 1),
               col("去年同期销售额（元）", "decimal", 14), col("同比（%）", "percent", 8, 1),
               col("占比（%）", "percent", 8, 1)]

    def total(i):
        return sum((r[i] for r in rows), yuan(0))

    totals = ["合计", f"{len(rows)} 户", "", "", "", sum((r[5] for r in rows), tons(0)), total(6), total(7),
              change_percent(total(6), total(7)), total(9), change_percent(total(6), total(9)),
              Decimal("100.0") if rows else None]
    group = ctx.filters.get("product_group")
    notes = ["按期内销售额排名；销售量只计以吨计量的产品。" + (f"产品组：{group}。" if group else "")]
    return ReportResult(tables=[ReportTable("sales", "销售分析", columns, rows, totals=totals)], notes=notes)


# ----- 汇总分析表（总管理部） ---------------------------------------------------------------------------------------


def build_summary(ctx: ReportContext) -> ReportResult:
    from kehu.org.models import OrgUnit

    children = list(OrgUnit.objects.filter(parent=ctx.unit).order_by("path").only("name", "path"))
    own_line = f"{ctx.unit.name}（本级）"
    lines: dict[str, Counter] = {}
    for f in figures(ctx, with_credit=True):
        if not f.has_activity:
            continue
        key = next((u.name for u in children if f.unit_path.startswith(u.path)), own_line)
        t = lines.setdefault(key, Counter())
        t["customers"] += 1
        for k in ("quantity", "amount", "amount_previous", "amount_last_year", "invoiced", "received",
                  "outstanding", "overdue"):
            t[k] += getattr(f, k)
        t["late"] += f.late_invoices
    order = [u.name for u in children] + [own_line]
    keys = [k for k in order if k in lines]

    def line(n, name, t):
        return [n, name, t["customers"], tons(t["quantity"]), yuan(t["amount"]),
                change_percent(t["amount"], t["amount_previous"]), change_percent(t["amount"], t["amount_last_year"]),
                yuan(t["invoiced"]), yuan(t["received"]), _rate(t["received"], t["invoiced"]),
                yuan(t["outstanding"]),
                yuan(t["overdue"]), t["late"]]

    rows = [line(n, k, lines[k]) for n, k in enumerate(keys, start=1)]
    grand = Counter()
    for t in lines.values():
        grand.update(t)
    totals = line("合计", f"{len(rows)} 个单位", grand)
    columns = [seq_col(), col("单位", width=18), col("有交易客户数", "int", 9), col("销售量（吨）", "decimal", 12, 3),
               col("销售额（元）", "decimal", 14), col("环比（%）", "percent", 8, 1), col("同比（%）", "percent", 8, 1),
               col("开票（元）", "decimal", 14), col("回款（元）", "decimal", 14), col("回款率（%）", "percent", 8, 1),
               col("期末应收（元）", "decimal", 14), col("其中逾期（元）", "decimal", 13),
               col("逾期付款笔数", "int", 8)]
    header = [
        [HeaderCell("序号", rowspan=2), HeaderCell("单位", rowspan=2), HeaderCell("有交易客户数", rowspan=2),
         HeaderCell("销售", colspan=4), HeaderCell("资信", colspan=6)],
        [HeaderCell("销售量（吨）"), HeaderCell("销售额（元）"), HeaderCell("环比（%）"), HeaderCell("同比（%）"),
         HeaderCell("开票（元）"), HeaderCell("回款（元）"), HeaderCell("回款率（%）"), HeaderCell("期末应收（元）"),
         HeaderCell("其中逾期（元）"), HeaderCell("逾期付款笔数")],
    ]
    return ReportResult(tables=[ReportTable("summary", "汇总分析", columns, rows, header_rows=header, totals=totals)],
                        notes=["按填报单位的下一级单位汇总；本级为直属本单位的客户。"])


def _definition(code, title, build, cadence, due, order, description, quote, filters=()) -> ReportDefinition:
    return ReportDefinition(code=code, title=title, form_ref=f"003 {REGULATION} {ARTICLE}", regulation=REGULATION,
                            article=ARTICLE, quote=quote, cadence=cadence, due=due, build=build, pack=None,
                            units_text="元、吨", order=order, description=description, signatures=SIGNATURES,
                            filters=filters)


DEFINITIONS = (
    _definition("group_credit_quarter", "客户资信报表", build_credit, "quarter", (DUE_6,), 40,
                "各公司每季度的客户资信：信用等级、开票、回款、应收余额与逾期（次月6日前报总管理部）。", QUOTE_Q),
    _definition("group_sales_quarter", "客户销售管理季度分析表", build_sales, "quarter", (DUE_6,), 41,
                "各公司每季度按客户的销售量、销售额、环比、同比与占比排名（次月6日前报总管理部）。", QUOTE_Q,
                (PRODUCT_GROUP_FILTER,)),
    _definition("group_summary_quarter", "季度汇总分析表", build_summary, "quarter", (DUE_8,), 42,
                "总管理部按单位汇总销售与资信（次月8日前报总管理处）。", QUOTE_Q),
    _definition("group_pharma_sales_month", "月度客户销售报表（医药企业）", build_sales, "month", (DUE_6,), 43,
                "医药企业上月的客户销售报表（次月6日前报总管理部）。", QUOTE_M, (PRODUCT_GROUP_FILTER,)),
    _definition("group_pharma_summary_month", "月度客户销售汇总表（医药企业）", build_summary, "month", (DUE_8,), 44,
                "总管理部按单位汇总的医药企业月度客户销售（次月8日前报总管理处）。", QUOTE_M),
)


