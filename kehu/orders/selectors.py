"""Reads for orders, credit, inquiries and allocation. Every list is limited to the actor's data scope; the
facts behind a customer's terms are fetched set-based (a fixed number of queries for any number of customers)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from kehu.core.errors import ScopeError, ServiceError
from kehu.customers.models import Customer
from kehu.customers.selectors import customer_get_for_actor, customer_queryset_for_actor
from kehu.orders.models import (
    Allocation,
    AllocationLine,
    CreditProfile,
    Inquiry,
    Order,
    OrderStatus,
    PriceListItem,
)
from kehu.orders.packs import CustomerFacts, CustomerTerms, OrderPacks, customer_terms, order_packs
from kehu.org.models import User
from kehu.policy.engine.orders import CreditCeilingFacts, CreditCeilingResult
from kehu.policy.models import CurrentGrade, GradeAssignment
from kehu.sales.models import QuantityUnit
from kehu.sales.selectors import late_payment_counts, outstanding_balances, pickup_totals

ZERO = Decimal("0")


def quarter_bounds(day: date) -> tuple[date, date, str]:
    """(first day, last day, "2026Q4") of the calendar quarter containing `day`."""
    q = (day.month - 1) // 3
    start = date(day.year, q * 3 + 1, 1)
    end = date(day.year + (q == 3), (q * 3 + 3) % 12 + 1, 1) - timedelta(days=1)
    return start, end, f"{day.year}Q{q + 1}"


def previous_quarter(day: date) -> date:
    start, _, _ = quarter_bounds(day)
    return start - timedelta(days=1)


# ----------------------------------------------------------------------------------------------------- credit


def customer_facts(*, customer_ids: list[int], packs: OrderPacks, as_of: date | None = None
                   ) -> dict[int, CustomerFacts]:
    """The facts behind each customer's order terms. Six queries whatever the number of customers or their history:
    current grades (grading and credit scheme), the grade's score, credit profiles, outstanding receivables,
    confirmed orders on credit not yet released, late payments this quarter."""
    as_of = as_of or timezone.localdate()
    ids = list(customer_ids)
    grading_scheme = packs.rules.scheme
    grade_q = Q(pack_name=packs.grading.name, scheme_code=grading_scheme)
    credit_scheme = packs.credit_rules.scheme if packs.credit_rules else None
    if credit_scheme:
        grade_q |= Q(pack_name=packs.credit.name, scheme_code=credit_scheme)
    grades: dict[int, str | None] = {}
    ratings: dict[int, str | None] = {}
    periods: set[str] = set()
    for cid, pack_name, scheme, period, grade in CurrentGrade.objects.filter(grade_q, customer_id__in=ids).values_list(
            "customer_id", "pack_name", "scheme_code", "period", "grade"):
        if pack_name == packs.grading.name and scheme == grading_scheme:
            grades[cid] = grade
            periods.add(period)
        else:
            ratings[cid] = grade
    scores: dict[int, Decimal] = {}
    if periods:
        current_period = {}
        for cid, _period, metrics in GradeAssignment.objects.filter(
                customer_id__in=ids, pack_name=packs.grading.name, scheme_code=grading_scheme, period__in=periods,
        ).order_by("customer_id", "period").values_list("customer_id", "period", "metrics"):
            current_period[cid] = metrics or {}
        for cid, metrics in current_period.items():
            if metrics.get("score") is not None:
                with contextlib.suppress(ArithmeticError):
                    scores[cid] = Decimal(str(metrics["score"])).quantize(Decimal("0.01"))
    profiles = {p.customer_id: p for p in CreditProfile.objects.filter(customer_id__in=ids)}
    outstanding = outstanding_balances(customer_ids=ids)
    open_orders = {
        row["customer_id"]: row["s"] or ZERO
        for row in Order.objects.filter(customer_id__in=ids, status=OrderStatus.CONFIRMED, on_credit=True)
        .values("customer_id").annotate(s=Sum("total_amount")).order_by()
    }
    q_start, q_end, _ = quarter_bounds(as_of)
    late = late_payment_counts(q_start, q_end, as_of=as_of, customer_ids=ids)
    out = {}
    for cid in ids:
        profile = profiles.get(cid)
        rating, source = (profile.rating, "finance") if profile and profile.rating else (ratings.get(cid), "grading")
        out[cid] = CustomerFacts(
            customer_id=cid, grade=grades.get(cid), score=scores.get(cid), credit_rating=rating or None,
            rating_source=source if rating else "", terms_steps_down=profile.terms_steps_down if profile else 0,
            credit_limit=profile.credit_limit if profile else ZERO, outstanding=outstanding.get(cid, ZERO),
            open_orders=Decimal(str(open_orders.get(cid, ZERO))), late_payments_quarter=late.get(cid, 0),
        )
    return out


def terms_for_customer(*, customer: Customer, packs: OrderPacks | None = None,
                       as_of: date | None = None) -> CustomerTerms:
    packs = packs or order_packs()
    facts = customer_facts(customer_ids=[customer.pk], packs=packs, as_of=as_of)[customer.pk]
    return customer_terms(packs, facts)


class CeilingUnknown(ServiceError):
    code = "credit_ceiling_unknown"


def credit_limit_ceiling(*, packs: OrderPacks, facts: CustomerFacts, limit: Decimal,
                         as_of: date | None = None) -> CreditCeilingResult | None:
    """003 第6条 1.: the most an A-rated customer's limit may be (its sales within the contract's payment term),
    evaluated by the engine for `limit`; None when the customer's rating has no ceiling. The term is the one the
    customer's orders are written with (the class's, after any step-down); the sales are the sales app's pickups
    over the engine's window. One query (the pickups). Raises CeilingUnknown when the customer has no class, so no
    term to count the sales over."""
    rules = packs.credit_rules
    rule = rules.credit_ceiling if rules is not None else None
    if rule is None or not rule.applies_to(facts.credit_rating):
        return None
    as_of = as_of or timezone.localdate()
    try:
        term = customer_terms(packs, facts).payment_term
    except ServiceError as exc:
        raise CeilingUnknown(
            f"{facts.credit_rating}级客户的授信额度不超过合同所订立账期内的销售额（{packs.credit.name} "
            f"{rule.citation.article}），但无法确定该客户的账期：{exc.message}", field="new_limit") from None
    window = rule.window(term, as_of)
    sales = ZERO
    if window is not None:
        sales = pickup_totals(window[0], window[1], unit=QuantityUnit.YUAN,
                              customer_ids=[facts.customer_id]).get(facts.customer_id, ZERO)
    return rule.evaluate(CreditCeilingFacts(rating=facts.credit_rating, limit=limit, term=term, as_of=as_of,
                                            sales=sales))


@dataclass(frozen=True)
class CreditView:
    customer: Customer
    facts: CustomerFacts
    terms: CustomerTerms | None
    terms_error: str
    profile: CreditProfile | None
    exposure: Decimal
    available: Decimal
    ceiling: CreditCeilingResult | None = None  # 第6条 1. for A-rated customers
    ceiling_error: str = ""
    ceiling_article: str = ""


def credit_view(*, actor: User, customer_id: int) -> CreditView:
    """One customer's credit page: rating, limit, outstanding, late payments this quarter, terms with articles."""
    customer = customer_get_for_actor(actor=actor, pk=customer_id)
    packs = order_packs()
    facts = customer_facts(customer_ids=[customer.pk], packs=packs)[customer.pk]
    terms, error = None, ""
    try:
        terms = customer_terms(packs, facts)
    except ServiceError as exc:
        error = exc.message
    exposure = facts.outstanding + facts.open_orders
    ceiling, ceiling_error, ceiling_article = None, "", ""
    try:
        ceiling = credit_limit_ceiling(packs=packs, facts=facts, limit=facts.credit_limit)
    except CeilingUnknown as exc:
        ceiling_error = exc.message
    if ceiling is not None:
        ceiling_article = f"{packs.credit.name} {ceiling.citation.article}"
    return CreditView(customer=customer, facts=facts, terms=terms, terms_error=error,
                      profile=CreditProfile.objects.filter(customer=customer).first(), exposure=exposure,
                      available=facts.credit_limit - exposure, ceiling=ceiling, ceiling_error=ceiling_error,
                      ceiling_article=ceiling_article)


def credit_profile_list(*, actor: User) -> QuerySet[CreditProfile]:
    return (CreditProfile.objects.filter(customer__in=customer_queryset_for_actor(actor).values("pk"))
            .select_related("customer").order_by("customer__code"))


# ----------------------------------------------------------------------------------------------------- prices


def price_items_for(*, product_ids: list[int], on: date) -> dict[int, PriceListItem]:
    """The internal control price of each product on a day (one query)."""
    items = (PriceListItem.objects.filter(product_id__in=product_ids, price_list__valid_from__lte=on)
             .filter(Q(price_list__valid_to__isnull=True) | Q(price_list__valid_to__gte=on))
             .select_related("price_list").order_by("product_id", "-price_list__valid_from"))
    out: dict[int, PriceListItem] = {}
    for item in items:
        out.setdefault(item.product_id, item)
    return out


# ----------------------------------------------------------------------------------------------------- orders


def order_list(*, actor: User, status: str = "", customer_id: int | None = None) -> QuerySet[Order]:
    qs = Order.objects.filter(customer__in=customer_queryset_for_actor(actor).values("pk"))
    if status:
        qs = qs.filter(status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs.select_related("customer", "created_by").order_by("-created_at", "-id")


def order_get(*, actor: User, pk: int) -> Order:
    order = (Order.objects.filter(pk=pk, customer__in=customer_queryset_for_actor(actor).values("pk"))
             .select_related("customer", "customer__owner", "created_by").first())
    if order is None:
        raise ScopeError("订单不存在，或不在您的管理范围内。")
    return order


def order_approvals(order: Order) -> list:
    from kehu.workflow.models import Approval

    ct = ContentType.objects.get_for_model(Order)
    return list(Approval.objects.filter(content_type=ct, object_id=order.pk).order_by("kind", "-round", "-id"))


QUEUE_STATUSES = (OrderStatus.CONFIRMED,)


def order_queue(*, actor: User) -> QuerySet[Order]:
    """Confirmed orders waiting for production/release: accepted rush orders first (插单), then grade priority
    (A类优先，B类保障，C类让步), then score high to low within a class (同一类别按积分由高到低), then time."""
    from django.db.models import F

    from kehu.core.permissions import require_perm

    require_perm(actor, "orders.view_order_queue")
    return (Order.objects.filter(status__in=QUEUE_STATUSES,
                                 customer__in=customer_queryset_for_actor(actor).values("pk"))
            .select_related("customer")
            .order_by("-is_rush", "grade_priority", F("grade_score").desc(nulls_last=True), "confirmed_at", "id"))


# ----------------------------------------------------------------------------------------------------- inquiries


def inquiry_list(*, actor: User, open_only: bool = False, overdue_only: bool = False) -> QuerySet[Inquiry]:
    qs = Inquiry.objects.filter(customer__in=customer_queryset_for_actor(actor).values("pk"))
    if open_only or overdue_only:
        qs = qs.filter(answered_at__isnull=True)
    if overdue_only:
        qs = qs.filter(due_at__lt=timezone.now())
    return qs.select_related("customer", "answered_by", "created_by").order_by("answered_at", "due_at", "id")


def inquiry_get(*, actor: User, pk: int) -> Inquiry:
    inquiry = inquiry_list(actor=actor).filter(pk=pk).first()
    if inquiry is None:
        raise ScopeError("询价记录不存在，或不在您的管理范围内。")
    return inquiry


# ----------------------------------------------------------------------------------------------------- allocation


def allocation_list(*, actor: User) -> QuerySet[Allocation]:
    from kehu.core.permissions import require_perm

    require_perm(actor, "orders.view_allocation")
    return Allocation.objects.select_related("product_group", "computed_by").order_by("-month", "product_group__code")


def allocation_get(*, actor: User, pk: int) -> Allocation:
    allocation = allocation_list(actor=actor).filter(pk=pk).first()
    if allocation is None:
        raise ScopeError("分配记录不存在。")
    return allocation


def allocation_lines(*, actor: User, allocation: Allocation) -> QuerySet[AllocationLine]:
    """The lines of an allocation the actor may see (an account manager sees only their own customers' lines)."""
    return (AllocationLine.objects.filter(allocation=allocation,
                                          customer__in=customer_queryset_for_actor(actor).values("pk"))
            .select_related("customer").order_by("tier", "rank", "id"))


@dataclass(frozen=True)
class ReviewRow:
    customer_id: int
    customer_code: str
    customer_name: str
    product_group_id: int
    product_group_code: str
    month: date
    channel: str
    demand: Decimal
    allocated: Decimal
    computed: Decimal
    adjusted: bool


def allocation_for_review(*, actor: User, start: date, end: date, product_group=None) -> list[ReviewRow]:
    """Allocated quantities per customer, product group and month for months in [start, end] (000 第十六条:
    the quarterly review reports the monthly allocation). One query; limited to the actor's data scope.
    `product_group` is a ProductGroup, its pk or its code."""
    from kehu.core.permissions import require_perm
    from kehu.sales.models import ProductGroup

    require_perm(actor, "orders.view_allocation")
    qs = AllocationLine.objects.filter(
        allocation__month__gte=start.replace(day=1), allocation__month__lte=end,
        customer__in=customer_queryset_for_actor(actor).values("pk"),
    )
    if product_group is not None:
        if isinstance(product_group, ProductGroup):
            qs = qs.filter(allocation__product_group=product_group)
        elif isinstance(product_group, int):
            qs = qs.filter(allocation__product_group_id=product_group)
        else:
            qs = qs.filter(allocation__product_group__code=product_group)
    rows = qs.order_by("allocation__month", "allocation__product_group__code", "customer__code").values_list(
        "customer_id", "customer__code", "customer__name", "allocation__product_group_id",
        "allocation__product_group__code", "allocation__month", "channel", "demand", "quantity", "computed",
        "adjusted")
    return [ReviewRow(*row) for row in rows]


# ----------------------------------------------------------------------------------------------------- archive tab

ARCHIVE_TAB_RECENT_ORDERS = 10
ARCHIVE_TAB_OPEN_ORDERS_SHOWN = 50
# Orders the customer still waits for: not yet delivered, closed or cancelled (their promised date still matters).
UNDELIVERED_STATUSES = (OrderStatus.DRAFT, OrderStatus.CONFIRMED, OrderStatus.RELEASED)


@dataclass(frozen=True)
class CustomerOrdersTab:
    customer: Customer
    facts: CustomerFacts | None  # None when the viewer may not see credit or no pack governs orders
    terms: CustomerTerms | None
    notice: str  # why there is no credit profile or no terms (no pack, no grade)
    open_orders: list[Order]
    recent_orders: list[Order]

    @property
    def terms_clause(self):
        """The clause behind the payment terms shown (the step-down when the terms were lowered)."""
        if self.terms is None:
            return None
        return self.terms.clause("terms_down") or self.terms.clause("terms_grade")


def customer_orders_tab(*, actor: User, customer_id: int,
                        recent: int = ARCHIVE_TAB_RECENT_ORDERS) -> CustomerOrdersTab:
    """The archive's 订单与信用 tab: the credit profile (rating, limit, terms, outstanding, late payments this
    quarter), the orders not yet delivered with their state and promised date, and the last `recent` orders.
    Scope first (ScopeError → 404 for a customer the actor may not see), then the permission (ForbiddenError).
    A fixed number of queries whatever the number of orders (pinned in a test)."""
    from kehu.core.permissions import require_perm

    customer = customer_get_for_actor(actor=actor, pk=customer_id)
    require_perm(actor, "orders.view_order", "您没有查看订单的权限。")
    facts = terms = None
    notice = ""
    if actor.has_perm("orders.view_creditprofile"):
        try:
            packs = order_packs()
            facts = customer_facts(customer_ids=[customer.pk], packs=packs)[customer.pk]
            terms = customer_terms(packs, facts)
        except ServiceError as exc:
            notice = exc.message
    orders = Order.objects.filter(customer=customer).only(
        "pk", "number", "status", "order_date", "promised_on", "total_amount", "payment_terms_name", "grade",
        "is_rush", "created_at", "customer_id")
    open_orders = list(orders.filter(status__in=UNDELIVERED_STATUSES)
                       .order_by(F("promised_on").asc(nulls_last=True), "id")[:ARCHIVE_TAB_OPEN_ORDERS_SHOWN])
    recent_orders = list(orders.order_by("-created_at", "-id")[:recent])
    return CustomerOrdersTab(customer=customer, facts=facts, terms=terms, notice=notice, open_orders=open_orders,
                             recent_orders=recent_orders)
