"""One fetch for 002's tracking and churn forms (附录3, 4, 6): a month of institutional customers' fuel pickups.

Four set-based queries whatever the number of customers: the customers (scope, unit, 机构), one GROUP BY over the
pickups from a year before the month to its end (this month by product group, last month, the same month last year,
the last pickup), the month's grades, and the month's visit reports. Churn is then evaluated by the pure engine on
these figures (kehu.policy.engine.reports).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Min, Q, Sum

from kehu.policy.engine import AdminValueMissing
from kehu.policy.engine.model import Predicate
from kehu.policy.engine.reports import ChurnFacts, ChurnReason, ChurnSpec, churn_reasons
from kehu.reports.definitions.common import ZERO, person
from kehu.reports.periods import previous_period, same_period_last_year
from kehu.reports.registry import ReportContext

PACK = "shandong-retail"
GASOLINE, DIESEL, CARD = "汽油", "柴油", "不记名加油卡"  # product group names the pack's metrics use (3.2)


@dataclass(slots=True)
class FuelRow:
    customer_id: int
    code: str
    name: str
    unit_id: int | None
    unit_name: str
    unit_path: str
    owner: str
    is_new: bool  # 建档 during the month
    gasoline: Decimal = ZERO
    diesel: Decimal = ZERO
    card: Decimal = ZERO
    amount: Decimal = ZERO
    pickups: int = 0
    first_day: date | None = None
    last_day_in_month: date | None = None
    last_pickup: date | None = None  # the last counted pickup up to the month's end, as far back as `lookback`
    counted: Decimal = ZERO  # this month, the churn rule's product groups
    counted_previous: Decimal = ZERO
    counted_last_year: Decimal = ZERO
    level: str = ""
    size: str = ""
    visits: int = 0
    churn: list[ChurnReason] = field(default_factory=list)

    @property
    def fuel_tons(self) -> Decimal:
        return self.gasoline + self.diesel

    @property
    def interval_days(self) -> Decimal | None:
        """加油周期: the mean days between the month's pickups (two or more)."""
        if self.pickups < 2 or self.first_day is None or self.last_day_in_month is None:
            return None
        return (Decimal((self.last_day_in_month - self.first_day).days) / (self.pickups - 1)).quantize(Decimal("0.1"))


@dataclass
class FuelMonth:
    rows: list[FuelRow]
    churn_spec: ChurnSpec | None
    churn_problem: str  # why churn could not be evaluated ("" when it was)
    churn_thresholds: dict[str, Decimal]
    period_start: date
    period_end: date
    lookback: date  # the earliest pickup read for the last pickup date

    @property
    def rule_labels(self) -> dict[str, str]:
        return {r.code: r.label for r in self.churn_spec.rules} if self.churn_spec else {}

    def is_new(self, row: FuelRow) -> bool:
        """Admitted (建档) during the month."""
        return row.is_new


def predicate_q(predicate: Predicate | None, prefix: str = "") -> Q:
    """A pack's attribute predicate as a filter on the customer's classifications."""
    if predicate is None:
        return Q()
    if predicate.all_of:
        q = Q()
        for part in predicate.all_of:
            q &= predicate_q(part, prefix)
        return q
    key = f"{prefix}classifications__{predicate.attribute}"
    if predicate.one_of is not None:
        return Q(**{f"{key}__in": list(predicate.one_of)})
    return Q(**{key: predicate.equals})


def _aware(day: date, days_after: int = 0):
    from datetime import datetime, time

    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day + timedelta(days=days_after), time.min))


def fetch_tuples(queryset) -> list[tuple]:
    """The rows of a values() queryset as plain tuples in its column order. On PostgreSQL the compiled SQL is run on
    the cursor (psycopg already gives Decimal, date and int; Django's per-value converters cost a second per
    100,000 rows); on SQLite, whose raw values are floats and strings, through the ORM."""
    if connection.vendor != "postgresql":
        return list(queryset.values_list(*queryset.query.values_select, *queryset.query.annotation_select))
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _groups() -> dict[str, int]:
    from kehu.sales.models import ProductGroup

    return dict(ProductGroup.objects.filter(name__in=(GASOLINE, DIESEL, CARD)).values_list("name", "pk"))


def fuel_month(ctx: ReportContext) -> FuelMonth:
    from kehu.customers.models import Customer
    from kehu.policy.models import GradeAssignment
    from kehu.policy.selectors import admin_values_for, pack_get
    from kehu.sales.models import Pickup
    from kehu.service.models import VisitReport

    pack = pack_get(PACK)
    spec = pack.reports.churn if pack.reports else None
    period = ctx.period
    previous, last_year = previous_period(period), same_period_last_year(period)
    scope = ctx.customer_q()
    population = Customer.objects.filter(scope, predicate_q(spec.applies_when if spec else None))
    # The pickups, grades and visits are narrowed by the scope only; the 机构 test on the customers' JSON is left to
    # the merge below (rows of other customers find no row): PostgreSQL cannot estimate a JSON predicate and chose a
    # per-customer nested loop over the pickups for it.
    related = Q(customer_id__in=Customer.objects.filter(scope).values("pk")) if scope else Q()
    if spec is None:
        population = population.filter(classifications__customer_kind="机构")
    rows: dict[int, FuelRow] = {}
    # 建档 in the month, answered by the database: parsing 100,000 aware timestamps cost more than the query.
    new_in_month = ExpressionWrapper(Q(created_at__gte=_aware(period.start), created_at__lt=_aware(period.end, 1)),
                                     output_field=BooleanField())
    for (pk, code, name, unit_id, unit_name, unit_path, owner_name, owner_user, is_new) in fetch_tuples(
            population.annotate(is_new=new_in_month).values(
                "pk", "code", "name", "unit_id", "unit__name", "unit__path", "owner__display_name", "owner__username",
                "is_new").order_by("code")):
        rows[pk] = FuelRow(pk, code, name, unit_id, unit_name or "", unit_path or "", person(owner_name, owner_user),
                           bool(is_new))

    groups = _groups()
    counted_ids = [groups[g] for g in (spec.product_groups if spec and spec.product_groups else (GASOLINE, DIESEL))
                   if g in groups]
    gas, diesel, card = groups.get(GASOLINE, -1), groups.get(DIESEL, -1), groups.get(CARD, -1)
    # The pickups read: last month and this one, the same month last year, and as far back as the no-pickup rule
    # looks (a customer whose last pickup is older reached the gap before this month). Not the whole year between.
    lookback = previous.start
    thresholds: dict[str, Decimal] = {}
    problem = ""
    admin_values = admin_values_for(PACK)
    if spec is not None:
        try:
            from kehu.policy.engine.reports import resolve_threshold

            thresholds = {r.code: resolve_threshold(r, admin_values) for r in spec.rules}
        except AdminValueMissing as exc:
            problem = "流失判定标准尚未设定：" + "；".join(f"{key}（{purpose}，{article}）"
                                                for key, article, purpose in exc.missing)
        gap = spec.rule("no_pickup_days")
        if gap is not None and gap.code in thresholds:
            lookback = min(lookback, period.start - timedelta(days=int(thresholds[gap.code])))
    else:
        problem = f"政策包 {PACK} 没有流失判定（reports.churn）"

    this_month = Q(picked_on__gte=period.start)
    counted = Q(product_group_id__in=counted_ids)
    window = Q(picked_on__gte=lookback, picked_on__lte=period.end) | Q(picked_on__gte=last_year.start,
                                                                          picked_on__lte=last_year.end)
    aggregates = (
        Pickup.objects.filter(window, related)
        .values("customer_id")
        .annotate(
            gasoline=Sum("base_quantity", filter=this_month & Q(product_group_id=gas)),
            diesel=Sum("base_quantity", filter=this_month & Q(product_group_id=diesel)),
            card=Sum("base_quantity", filter=this_month & Q(product_group_id=card)),
            amount=Sum("amount", filter=this_month),
            pickups=Count("id", filter=this_month & counted),
            first_day=Min("picked_on", filter=this_month & counted),
            last_in_month=Max("picked_on", filter=this_month & counted),
            last_pickup=Max("picked_on", filter=counted & Q(picked_on__gte=lookback)),
            counted=Sum("base_quantity", filter=this_month & counted),
            counted_previous=Sum("base_quantity", filter=counted & Q(picked_on__gte=previous.start,
                                                                     picked_on__lte=previous.end)),
            counted_last_year=Sum("base_quantity", filter=counted & Q(picked_on__gte=last_year.start,
                                                                      picked_on__lte=last_year.end)),
        )
        .order_by()
    )
    for (cid, gasoline, diesel_t, card_y, amount, pickups, first_day, last_in_month, last_pickup, counted_now,
         counted_previous, counted_last_year) in fetch_tuples(aggregates):
        row = rows.get(cid)
        if row is None:
            continue
        row.gasoline, row.diesel, row.card = gasoline or ZERO, diesel_t or ZERO, card_y or ZERO
        row.amount, row.pickups = amount or ZERO, pickups or 0
        row.first_day, row.last_day_in_month, row.last_pickup = first_day, last_in_month, last_pickup
        row.counted, row.counted_previous = counted_now or ZERO, counted_previous or ZERO
        row.counted_last_year = counted_last_year or ZERO

    for cid, scheme, grade in fetch_tuples(GradeAssignment.objects.filter(
            related, pack_name=PACK, period=period.key,
            scheme_code__in=("management_level", "institution_size")).values(
            "customer_id", "scheme_code", "grade").order_by()):
        row = rows.get(cid)
        if row is not None:
            if scheme == "management_level":
                row.level = grade or ""
            else:
                row.size = grade or ""

    for cid, n in VisitReport.objects.filter(
            related, visited_on__gte=period.start, visited_on__lte=period.end
    ).values("customer_id").annotate(n=Count("id")).values_list("customer_id", "n").order_by():
        if cid in rows:
            rows[cid].visits = n

    if spec is not None and not problem:
        # Only customers a rule can hold for: a pickup within the rule's reach, or pickups a year earlier.
        facts = [ChurnFacts(r.customer_id, r.last_pickup, r.counted, r.counted_last_year) for r in rows.values()
                 if r.last_pickup is not None or r.counted_last_year]
        for reason in churn_reasons(spec, facts, period_start=period.start, period_end=period.end,
                                    admin_values=admin_values):
            rows[reason.customer_id].churn.append(reason)
    return FuelMonth(list(rows.values()), spec, problem, thresholds, period.start, period.end, lookback)
