"""Fetch: build the engine's inputs in a fixed number of set-based queries, whatever the number of customers.

One GROUP BY per metric window: metrics over the same table and the same window (汽油 t and 柴油 t of one month)
share one query through conditional aggregation (`SUM(...) FILTER (WHERE ...)` on PostgreSQL, `CASE` on SQLite).
Nothing here loops over customers with a query inside.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BigIntegerField, Count, F, Func, Q, Sum

from kehu.customers.models import Customer, CustomerStatus
from kehu.policy.engine import CustomerFacts, Override, Scheme
from kehu.policy.engine.model import AGGREGATE_METRIC_KINDS
from kehu.policy.models import CurrentGrade, GradeAssignment, GradeOverride, ManualMetricValue
from kehu.policy.periods import Period

# Customers that carry a grade: those the company trades with, or did until recently.
GRADED_STATUSES = (CustomerStatus.ACTIVE, CustomerStatus.SUSPENDED)
_PLACES = {"sum_quantity": "0.001", "sum_amount": "0.01", "count_late_payments": "1"}


def _dec(value, places: str) -> Decimal:
    """SQLite returns SUM() as float: bring it back to the column's precision as Decimal."""
    if value is None:
        return Decimal(0)
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(Decimal(places))


@dataclass(frozen=True)
class MetricSpec:
    code: str
    kind: str
    window: Period
    product_group_ids: tuple[int, ...] = ()  # summed together; empty = every product group


@dataclass
class Population:
    """The customers graded in this run, with what the engine needs to know about them."""

    ids: list[int]
    attributes: dict[int, dict] = field(default_factory=dict)
    region_groups: dict[int, str | None] = field(default_factory=dict)


def product_group_ids(schemes: Iterable[Scheme]) -> dict[str, int]:
    """Resolve every product group the schemes name (by code or name) in one query; unknown ones are an error."""
    from kehu.sales.models import ProductGroup

    wanted = {name for s in schemes for m in s.metrics for name in m.product_groups}
    if not wanted:
        return {}
    rows = ProductGroup.objects.filter(Q(code__in=wanted) | Q(name__in=wanted)).values_list("pk", "code", "name")
    found: dict[str, int] = {}
    for pk, code, name in rows:
        if code in wanted:
            found[code] = pk
        if name in wanted:
            found.setdefault(name, pk)
    missing = sorted(wanted - set(found))
    if missing:
        raise ValidationError(
            {"pack": f"政策包引用的产品组不存在：{'、'.join(missing)}。"
                     "请先在销售数据中建立这些产品组（编码或名称一致），再重新分级。"}
        )
    return found


def metric_specs(scheme: Scheme, period: Period, groups: Mapping[str, int]) -> list[MetricSpec]:
    specs = []
    for metric in scheme.metrics:
        if metric.kind not in AGGREGATE_METRIC_KINDS:
            continue
        window = period.containing(metric.period)
        ids = tuple(sorted({groups[name] for name in metric.product_groups if name in groups}))
        specs.append(MetricSpec(metric.code, metric.kind, window, ids))
    return specs


def _grouped(specs: Iterable[MetricSpec]) -> dict[tuple[str, Period], list[MetricSpec]]:
    by_source: dict[tuple[str, Period], list[MetricSpec]] = {}
    for spec in specs:
        source = "late" if spec.kind == "count_late_payments" else "pickup"
        by_source.setdefault((source, spec.window), []).append(spec)
    return by_source


def _aggregate_queryset(source: str, window: Period, group: list[MetricSpec]):
    """One GROUP BY customer over one table and window; column m_i holds group[i]'s metric."""
    from kehu.sales.models import Pickup, Receivable

    if source == "pickup":
        annotations = {}
        for i, spec in enumerate(group):
            column = "base_quantity" if spec.kind == "sum_quantity" else "amount"
            ids = spec.product_group_ids
            condition = None
            if len(ids) == 1:
                condition = Q(product_group_id=ids[0])
            elif ids:
                condition = Q(product_group_id__in=ids)
            annotations[f"m_{i}"] = Sum(column, filter=condition)
        qs = Pickup.objects.filter(picked_on__gte=window.start, picked_on__lte=window.end)
        if all(s.product_group_ids for s in group):
            qs = qs.filter(product_group_id__in=sorted({pk for s in group for pk in s.product_group_ids}))
    else:
        # Invoices due in the window and settled after the due date (or still open past it) — 003 4.
        from django.utils import timezone

        today = timezone.localdate()
        annotations = {f"m_{i}": Count("id") for i in range(len(group))}
        qs = Receivable.objects.filter(due_on__gte=window.start, due_on__lte=window.end).filter(
            Q(settled_on__gt=F("due_on")) | Q(settled_on__isnull=True, due_on__lt=today)
        )
    if source == "pickup" and connection.vendor == "sqlite":
        # Grouped by "+customer_id": with a bare customer_id SQLite's planner skip-scans the (customer, picked_on)
        # index — one seek per customer and a row lookup per pickup, 48 s for a year of 5,000,000 pickups — where
        # the (picked_on, product_group) range and a temporary B-tree for the groups take 2.7 s (0.7 s against
        # 3.4 s for a month), pickups stored in date order as imports store them (docs/grading.md).
        column = group_column(source)
        return qs.values(**{column: _NoIndex(F("customer_id"))}).annotate(**annotations).order_by().values_list(
            column, *annotations.keys()
        )
    return qs.values("customer_id").annotate(**annotations).order_by().values_list(
        "customer_id", *annotations.keys()
    )


def group_column(source: str) -> str:
    """The name of the customer column of `_aggregate_queryset(source, …)` on this database."""
    return "grouped_customer" if source == "pickup" and connection.vendor == "sqlite" else "customer_id"


class _NoIndex(Func):
    """SQLite's way to keep a term off an index: a unary plus (the value is unchanged)."""

    template = "+%(expressions)s"
    output_field = BigIntegerField()


def aggregate_querysets(specs: Iterable[MetricSpec]) -> list:
    """The GROUP BY querysets that feed these metrics (used by fetch_aggregates and by the benchmark)."""
    return [_aggregate_queryset(source, window, group) for (source, window), group in _grouped(specs).items()]


def fetch_aggregates(
    specs: Iterable[MetricSpec], cache: dict[MetricSpec, dict[int, Decimal]] | None = None
) -> dict[str, dict[int, Decimal]]:
    """{metric code: {customer_id: value}} — one GROUP BY per (source table, window). Specs already fetched in this
    run (schemes of one pack sharing a metric, as shandong-retail's two schemes do) come from `cache`."""
    cache = {} if cache is None else cache
    specs = list(specs)
    out: dict[str, dict[int, Decimal]] = {s.code: cache[s] for s in specs if s in cache}
    missing = [s for s in specs if s not in cache]
    for (source, window), group in _grouped(missing).items():
        columns = [{} for _ in group]
        places = [_PLACES[spec.kind] for spec in group]
        for row in _aggregate_queryset(source, window, group):
            customer_id = row[0]
            for i, value in enumerate(row[1:]):
                if value is not None:
                    columns[i][customer_id] = _dec(value, places[i])
        for spec, column in zip(group, columns, strict=True):
            cache[spec] = column
            out[spec.code] = column
    return out


def fetch_population() -> Population:
    """Every graded customer with its classifications and the region group of its region (or unit). One query."""
    rows = (
        Customer.objects.filter(status__in=GRADED_STATUSES)
        .values_list("pk", "classifications", "kind", "region__region_group", "unit__region_group")
        .order_by("pk")
    )
    population = Population(ids=[])
    for pk, classifications, kind, region_group, unit_group in rows:
        population.ids.append(pk)
        attributes = dict(classifications or {})
        attributes.setdefault("customer_kind_code", kind)
        population.attributes[pk] = attributes
        population.region_groups[pk] = region_group or unit_group or None
    return population


def fetch_manual_metrics(pack_name: str, scheme: Scheme) -> dict[str, dict[int, Decimal]]:
    codes = [m.code for m in scheme.metrics if m.kind == "manual"]
    out: dict[str, dict[int, Decimal]] = {code: {} for code in codes}
    if not codes:
        return out
    for customer_id, metric, value in ManualMetricValue.objects.filter(
        pack_name=pack_name, metric__in=codes
    ).values_list("customer_id", "metric", "value"):
        out[metric][customer_id] = value
    return out


def fetch_current_grades(pack_name: str, scheme_code: str) -> dict[int, tuple[str, str | None]]:
    """{customer_id: (period, grade)}: each customer's latest history row of the scheme — one query."""
    return {
        customer_id: (period, grade)
        for customer_id, period, grade in CurrentGrade.objects.filter(
            pack_name=pack_name, scheme_code=scheme_code
        ).values_list("customer_id", "period", "grade").iterator(chunk_size=10000)
    }


def latest_period_before(pack_name: str, scheme_code: str, period_key: str) -> str | None:
    """The scheme's latest graded period before `period_key` (one probe of the history's movers index)."""
    return (GradeAssignment.objects.filter(pack_name=pack_name, scheme_code=scheme_code, period__lt=period_key)
            .order_by("-period").values_list("period", flat=True).first())


def fetch_previous_grades(pack_name: str, scheme_code: str, period_key: str) -> dict[int, str | None]:
    """Each customer's grade in the latest earlier period of this scheme (None = graded but no grade).

    Three queries: the scheme's latest earlier period; every customer's row of that period (the usual monthly run:
    everybody graded then is found here); and, for customers not graded in that period (suspended then back, or
    re-running an old period), their own latest earlier row.
    """
    previous_key = latest_period_before(pack_name, scheme_code, period_key)
    if previous_key is None:
        return {}
    scheme_rows = GradeAssignment.objects.filter(pack_name=pack_name, scheme_code=scheme_code)
    out: dict[int, str | None] = dict(
        scheme_rows.filter(period=previous_key).values_list("customer_id", "grade").iterator(chunk_size=10000))
    older = (
        scheme_rows.filter(period__lt=previous_key)
        .exclude(customer_id__in=scheme_rows.filter(period=previous_key).values("customer_id"))
        .order_by("customer_id", "-period").values_list("customer_id", "grade")
    )
    for customer_id, grade in older.iterator(chunk_size=5000):
        out.setdefault(customer_id, grade)
    return out


def fetch_overrides(pack_name: str, scheme_code: str) -> dict[int, tuple[int, Override]]:
    rows = (
        GradeOverride.objects.filter(pack_name=pack_name, scheme_code=scheme_code, revoked_at__isnull=True)
        .values_list("pk", "customer_id", "grade", "reason", "approver__display_name", "approver__username",
                     "approved_on")
    )
    return {
        customer_id: (pk, Override(grade=grade, reason=reason, approver=display or username,
                                   approved_on=approved_on.isoformat() if approved_on else None))
        for pk, customer_id, grade, reason, display, username, approved_on in rows
    }


def build_facts(
    *,
    population: Population,
    metrics: Mapping[str, Mapping[int, Decimal]],
    previous: Mapping[int, str | None],
    overrides: Mapping[int, tuple[int, Override]],
    extra_attributes: Mapping[int, Mapping[str, object]] | None = None,
    zero_metrics: Iterable[str] = (),
) -> list[CustomerFacts]:
    """One CustomerFacts per customer. A customer without a row in an aggregate simply has no value (the engine
    counts it as 0). A customer graded before but without a grade stays 'not new'."""
    facts = []
    zero = Decimal(0)
    zeroed = {code for code in zero_metrics}
    metric_items = [(code, column, code in zeroed) for code, column in metrics.items()]
    for pk in population.ids:
        values = {}
        for code, column, default_zero in metric_items:
            value = column.get(pk)
            if value is not None:
                values[code] = value
            elif default_zero:
                values[code] = zero
        attributes = population.attributes[pk]
        if extra_attributes and pk in extra_attributes:
            attributes = {**attributes, **extra_attributes[pk]}
        override = overrides.get(pk)
        facts.append(
            CustomerFacts(
                customer_id=pk,
                metrics=values,
                attributes=attributes,
                previous_grade=previous.get(pk),
                override=override[1] if override else None,
                region_group=population.region_groups.get(pk),
            )
        )
    return facts
