"""Reads of sales data. The metric selectors the grading engine calls are each ONE aggregate query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from kehu.customers.models import TRADING_STATUSES, Customer
from kehu.customers.selectors import customer_queryset_for_actor
from kehu.org.models import User
from kehu.sales.models import (
    DemandPlan,
    ImportJob,
    Payment,
    Pickup,
    Product,
    ProductGroup,
    QuantityUnit,
    Receivable,
)

ZERO = Decimal("0")
_MONEY = DecimalField(max_digits=20, decimal_places=2)


def _dec(value, places: str = "0.001") -> Decimal:
    """SQLite hands SUM() back as float: round it to the column's precision so callers always get Decimal."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value.quantize(Decimal(places))
    return Decimal(str(value)).quantize(Decimal(places))


def _group_id(product_group) -> int | None:
    if product_group is None:
        return None
    if isinstance(product_group, ProductGroup):
        return product_group.pk
    if isinstance(product_group, int):
        return product_group
    return ProductGroup.objects.filter(code=product_group).values_list("pk", flat=True).get()


# ---------------------------------------------------------------- metrics for the grading engine


def pickup_totals(
    period_start: date, period_end: date, product_group: ProductGroup | int | str | None = None,
    unit: str = QuantityUnit.TON, customer_ids=None,
) -> dict[int, Decimal]:
    """{customer_id: total} over pickups with period_start <= picked_on <= period_end (both inclusive).
    `customer_ids` limits it to those customers (one customer's figure uses the (customer, picked_on) index).

    unit="t" (or any quantity unit) sums the quantity converted into that base unit, over products measured
    in that unit; unit="元" sums the amount. `product_group` is a ProductGroup, its pk or its code.
    One GROUP BY query (plus one to resolve a group code).
    """
    qs = Pickup.objects.filter(picked_on__gte=period_start, picked_on__lte=period_end)
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=customer_ids)
    group_id = _group_id(product_group)
    if group_id is not None:
        qs = qs.filter(product_group_id=group_id)
    if unit == QuantityUnit.YUAN:
        qs = qs.values("customer_id").annotate(total=Sum("amount"))
        places = "0.01"
    else:
        if group_id is None:
            qs = qs.filter(product_group__base_unit=unit)
        qs = qs.values("customer_id").annotate(total=Sum("base_quantity"))
        places = "0.001"
    return {row["customer_id"]: _dec(row["total"], places) for row in qs.order_by()}


def late_payment_counts(quarter_start: date, quarter_end: date, *, as_of: date | None = None,
                        customer_ids=None) -> dict[int, int]:
    """{customer_id: number of invoices paid late} for invoices due in [quarter_start, quarter_end] (003 客户分级
    管理制度 4.: two or more in a quarter lower the payment terms one step).

    An invoice is late when it was settled after its due date, or is still not settled and its due date has passed
    by `as_of` (default today). A late invoice counts in the quarter its due date falls in. `customer_ids` limits the
    count to those customers. One query.
    """
    as_of = as_of or timezone.localdate()
    qs = Receivable.objects.filter(due_on__gte=quarter_start, due_on__lte=quarter_end)
    if customer_ids is not None:  # one customer's count at order entry uses the (customer, due_on) index
        qs = qs.filter(customer_id__in=customer_ids)
    qs = (
        qs.filter(Q(settled_on__gt=F("due_on")) | Q(settled_on__isnull=True, due_on__lt=as_of))
        .values("customer_id").annotate(n=Count("id")).order_by()
    )
    return {row["customer_id"]: row["n"] for row in qs}


def outstanding_balances(*, customer_ids=None, as_of: date | None = None) -> dict[int, Decimal]:
    """{customer_id: unpaid invoice amount} for customers with anything outstanding. One query."""
    qs = Receivable.objects.filter(settled_on__isnull=True)
    if as_of:
        qs = qs.filter(invoiced_on__lte=as_of)
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=customer_ids)
    rows = qs.values("customer_id").annotate(total=Sum(F("amount") - F("paid_amount"), output_field=_MONEY))
    return {r["customer_id"]: _dec(r["total"], "0.01") for r in rows.order_by() if _dec(r["total"], "0.01") > 0}


def prepaid_balance(customer_id: int) -> Decimal:
    """预收款余额: prepayments (payments not against an invoice) minus the amount of every pickup. One query."""
    paid = Payment.objects.filter(customer_id=customer_id, receivable__isnull=True).values("customer_id").annotate(
        s=Sum("amount")).values("s")
    taken = Pickup.objects.filter(customer_id=customer_id).values("customer_id").annotate(s=Sum("amount")).values("s")
    row = Customer.objects.filter(pk=customer_id).annotate(
        paid=Coalesce(paid, Value(ZERO), output_field=_MONEY),
        taken=Coalesce(taken, Value(ZERO), output_field=_MONEY),
    ).values("paid", "taken").first()
    if row is None:
        return ZERO
    return _dec(row["paid"], "0.01") - _dec(row["taken"], "0.01")


@dataclass(frozen=True)
class ReleaseDecision:
    allowed: bool
    reason: str
    available: Decimal
    article: str = "000 第二条 款到发货"


def pickup_release_check(*, customer: Customer, amount: Decimal) -> ReleaseDecision:
    """款到发货 (000 第二条): goods are released only when the customer may trade and its prepayments
    cover the pickup in full."""
    if customer.status not in TRADING_STATUSES:
        return ReleaseDecision(False, f"客户状态为“{customer.get_status_display()}”，不得提货。", ZERO)
    available = prepaid_balance(customer.pk)
    if amount > available:
        return ReleaseDecision(False, f"预收款余额 {available} 元不足以支付 {amount} 元，款到方可发货。", available)
    return ReleaseDecision(True, "货款已到，可以发货。", available)


# ---------------------------------------------------------------- charts and lists


@dataclass(frozen=True)
class MonthlyVolume:
    months: list[dict]  # [{month, label, groups: {group name: quantity}, amount}], oldest first
    groups: dict[str, str]  # group name -> base unit


def monthly_volume(customer: Customer | int, *, months: int = 12, end: date | None = None) -> MonthlyVolume:
    """The customer's last `months` calendar months of pickups, per product group (base unit) and amount.

    One query; months without pickups are present with zeros so that charts have a continuous axis.
    """
    customer_id = customer.pk if isinstance(customer, Customer) else customer
    end = end or timezone.localdate()
    first = _add_months(end.replace(day=1), -(months - 1))
    rows = (
        Pickup.objects.filter(customer_id=customer_id, picked_on__gte=first, picked_on__lte=end)
        .annotate(month=TruncMonth("picked_on"))
        .values("month", "product_group__name", "product_group__base_unit")
        .annotate(quantity=Sum("base_quantity"), amount=Sum("amount"))
        .order_by("month", "product_group__name")
    )
    by_month: dict[date, dict] = {}
    groups: dict[str, str] = {}
    for r in rows:
        m = r["month"]
        if hasattr(m, "date"):
            m = m.date()
        groups[r["product_group__name"]] = r["product_group__base_unit"]
        slot = by_month.setdefault(m, {"groups": {}, "amount": ZERO})
        slot["groups"][r["product_group__name"]] = _dec(r["quantity"])
        slot["amount"] += _dec(r["amount"], "0.01")
    out = []
    for i in range(months):
        m = _add_months(first, i)
        slot = by_month.get(m, {"groups": {}, "amount": ZERO})
        out.append({
            "month": m,
            "label": f"{m:%Y-%m}",
            "groups": {g: slot["groups"].get(g, ZERO) for g in groups},
            "amount": slot["amount"],
        })
    return MonthlyVolume(months=out, groups=groups)


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


@dataclass
class PickupFilters:
    query: str = ""
    customer_id: int | None = None
    product_group_id: int | None = None
    product_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    source: str = ""


def _visible_customer_ids(actor: User):
    return customer_queryset_for_actor(actor).values("pk")


def pickup_list(*, actor: User, filters: PickupFilters | None = None) -> QuerySet[Pickup]:
    """Pickups of the customers the actor may see, filtered."""
    f = filters or PickupFilters()
    qs = Pickup.objects.filter(customer_id__in=_visible_customer_ids(actor))
    if f.query:
        qs = qs.filter(
            Q(customer__name__contains=f.query) | Q(customer__code__iexact=f.query) | Q(source_ref=f.query)
        )
    if f.customer_id:
        qs = qs.filter(customer_id=f.customer_id)
    if f.product_group_id:
        qs = qs.filter(product_group_id=f.product_group_id)
    if f.product_id:
        qs = qs.filter(product_id=f.product_id)
    if f.date_from:
        qs = qs.filter(picked_on__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(picked_on__lte=f.date_to)
    if f.source:
        qs = qs.filter(source=f.source)
    return qs.select_related("customer", "product", "product_group", "warehouse").order_by("-picked_on", "-id")


@dataclass
class PaymentFilters:
    query: str = ""
    customer_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def payment_list(*, actor: User, filters: PaymentFilters | None = None) -> QuerySet[Payment]:
    f = filters or PaymentFilters()
    qs = Payment.objects.filter(customer_id__in=_visible_customer_ids(actor))
    if f.query:
        qs = qs.filter(Q(customer__name__contains=f.query) | Q(customer__code__iexact=f.query)
                       | Q(reference=f.query))
    if f.customer_id:
        qs = qs.filter(customer_id=f.customer_id)
    if f.date_from:
        qs = qs.filter(paid_on__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(paid_on__lte=f.date_to)
    return qs.select_related("customer", "receivable").order_by("-paid_on", "-id")


def receivable_list(*, actor: User, customer_id: int | None = None, open_only: bool = False) -> QuerySet[Receivable]:
    qs = Receivable.objects.filter(customer_id__in=_visible_customer_ids(actor))
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if open_only:
        qs = qs.filter(settled_on__isnull=True)
    return qs.select_related("customer").order_by("-due_on", "-id")


def demand_plan_list(*, actor: User, month: date | None = None, customer_id: int | None = None) -> QuerySet:
    qs = DemandPlan.objects.filter(customer_id__in=_visible_customer_ids(actor))
    if month:
        qs = qs.filter(month=month)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs.select_related("customer", "submitted_by").prefetch_related("lines__product")


def product_list(*, active_only: bool = True) -> QuerySet[Product]:
    qs = Product.objects.select_related("group")
    return qs.filter(is_active=True) if active_only else qs


def import_job_get(*, actor: User, pk: int) -> ImportJob:
    from kehu.core.errors import ScopeError

    job = ImportJob.objects.filter(pk=pk).select_related("created_by").first()
    if job is None or (job.created_by_id != actor.pk and not actor.is_superuser):
        raise ScopeError("导入任务不存在。")
    return job




def customer_id_by_code(*, actor: User, code: str) -> int | None:
    """The id of the customer with this code within the actor's scope, or None."""
    from kehu.customers.selectors import customer_queryset_for_actor

    return customer_queryset_for_actor(actor).filter(code=(code or "").strip()).values_list("pk", flat=True).first()


def receivable_by_invoice(*, customer_id: int, invoice_no: str):
    from kehu.sales.models import Receivable

    return Receivable.objects.filter(customer_id=customer_id, invoice_no=(invoice_no or "").strip()).first()
