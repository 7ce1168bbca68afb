"""Reads of the development app, scoped to the actor: prospects, survey tables, plans and their completion
(counted from approved admission applications, never typed in), the shared pool, and the role dashboards."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kehu.customers.models import Customer, CustomerKind
from kehu.development.models import (
    EFFECTIVE_PLAN_STATUSES,
    DevelopmentPlan,
    PlanLine,
    PoolEntry,
    PoolReminder,
    ProgressReport,
    Prospect,
    ProspectSurvey,
    TargetCategory,
)
from kehu.development.rules import (
    add_months,
    day_start,
    month_start,
    pack_name_for_unit,
    pack_names_for_units,
    pool_figures,
)
from kehu.development.services.pool import claimable_q, last_follow_ups
from kehu.development.services.prospects import prospect_scope_q
from kehu.org.models import DataScope, OrgUnit, OrgUnitKind, User
from kehu.org.selectors import user_scope
from kehu.workdays.calendar import SHANGHAI

# 002 6.5.3: 机构客户 are institutions (enterprises and public bodies); 个人卡客户 are individuals.
CATEGORY_KINDS = {
    TargetCategory.INSTITUTIONAL: frozenset({CustomerKind.ENTERPRISE, CustomerKind.INSTITUTION}),
    TargetCategory.CARD: frozenset({CustomerKind.INDIVIDUAL}),
    TargetCategory.ANY: frozenset(CustomerKind.values),
}


# ----- prospects -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProspectFilters:
    status: str = ""
    unit_id: int | None = None
    survey_id: int | None = None
    query: str = ""


def prospect_list(*, actor: User, filters: ProspectFilters | None = None) -> QuerySet[Prospect]:
    filters = filters or ProspectFilters()
    qs = Prospect.objects.filter(prospect_scope_q(actor)).select_related("unit", "owner", "survey", "customer")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.unit_id:
        unit = OrgUnit.objects.filter(pk=filters.unit_id).first()
        qs = qs.filter(unit__path__startswith=unit.path) if unit else qs.none()
    if filters.survey_id:
        qs = qs.filter(survey_id=filters.survey_id)
    if filters.query:
        qs = qs.filter(Q(name__icontains=filters.query) | Q(code__icontains=filters.query)
                       | Q(contact_name__icontains=filters.query))
    return qs.order_by("-created_at", "-id")


def survey_list(*, actor: User) -> QuerySet[ProspectSurvey]:
    """Survey tables of the units the actor belongs to or manages, with their prospect counts."""
    scope = user_scope(actor)
    qs = ProspectSurvey.objects.all()
    if scope.kind != DataScope.ALL:
        q = Q(unit_id=actor.unit_id)
        if scope.kind == DataScope.SUBTREE and scope.unit_path:
            q |= Q(unit__path__startswith=scope.unit_path)
        qs = qs.filter(q)
    return qs.select_related("unit", "submitted_by").annotate(prospect_count=Count("prospects"))


def survey_get(*, actor: User, pk: int) -> ProspectSurvey:
    from kehu.core.errors import ScopeError

    survey = survey_list(actor=actor).filter(pk=pk).first()
    if survey is None:
        raise ScopeError("调查表不存在，或不在您的管理范围内。")
    return survey


# ----- plans -----------------------------------------------------------------------------------------------------


def plan_line_scope_q(actor: User) -> Q:
    """Plan lines the actor may read: those of units he manages, his own unit's and those assigned to him."""
    scope = user_scope(actor)
    if scope.kind == DataScope.ALL:
        return Q()
    mine = Q(assignee_id__in=[actor.pk, *scope.subordinate_ids])
    if scope.kind == DataScope.SUBTREE and scope.unit_path:
        return mine | Q(plan__unit__path__startswith=scope.unit_path) | Q(unit__path__startswith=scope.unit_path)
    if actor.unit_id:
        mine |= Q(unit_id=actor.unit_id)
        if scope.kind == DataScope.UNIT:
            mine |= Q(plan__unit_id=actor.unit_id)
    return mine


def plan_queryset_for_actor(actor: User) -> QuerySet[DevelopmentPlan]:
    scope = user_scope(actor)
    qs = DevelopmentPlan.objects.select_related("unit", "created_by", "approval")
    if scope.kind == DataScope.ALL:
        return qs
    q = Q(Exists(PlanLine.objects.filter(plan_line_scope_q(actor), plan=OuterRef("pk")))) | Q(created_by=actor)
    if scope.kind == DataScope.SUBTREE and scope.unit_path:
        q |= Q(unit__path__startswith=scope.unit_path)
    elif scope.kind == DataScope.UNIT and scope.unit_id:
        q |= Q(unit_id=scope.unit_id)
    return qs.filter(q)


@dataclass(frozen=True)
class CompletionRow:
    """One plan target with what was achieved: 002 附录7 《零售客户开发计划完成统计表》 reads these."""

    plan_id: int
    plan_unit_id: int
    plan_unit_name: str
    period_start: date
    period_end: date
    category: str
    category_name: str
    unit_id: int | None
    unit_name: str
    unit_kind: str
    county_name: str
    assignee_id: int | None
    assignee_name: str
    target: int
    admitted: int
    deadline: date | None
    budget: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        """Completion in percent, one decimal; None when the target is 0."""
        if not self.target:
            return None
        return (Decimal(self.admitted) * 100 / Decimal(self.target)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def done(self) -> bool:
        return self.admitted >= self.target


def _line_rows(lines: list[PlanLine]) -> list[CompletionRow]:
    """Admitted customers for every line in one grouped query: approved 客户开户审批表 by month of approval,
    customer unit, customer kind and applicant (000 第七条: only then a customer)."""
    from kehu.workflow.models import AdmissionApplication, ApprovalStatus

    if not lines:
        return []
    start = min(ln.plan.period_start for ln in lines)
    end = max(ln.plan.period_end for ln in lines)
    groups = list(
        AdmissionApplication.objects.filter(
            approval__status=ApprovalStatus.APPROVED, approval__finished_at__gte=day_start(start),
            approval__finished_at__lt=day_start(end + timedelta(days=1)))
        .annotate(month=TruncMonth("approval__finished_at", tzinfo=SHANGHAI))
        .values("month", "customer__unit__path", "customer__kind", "created_by_id")
        .annotate(n=Count("pk"))
        .values_list("month", "customer__unit__path", "customer__kind", "created_by_id", "n")
    )
    rows = []
    for ln in lines:
        kinds = CATEGORY_KINDS[ln.category]
        admitted = 0
        for month, path, kind, applicant, n in groups:
            month_date = month.date() if hasattr(month, "date") else month
            if not (ln.plan.period_start <= month_date <= ln.plan.period_end) or kind not in kinds:
                continue
            if ln.unit_id is not None and not (path or "").startswith(ln.unit.path):
                continue
            if ln.assignee_id is not None and applicant != ln.assignee_id:
                continue
            admitted += n
        unit = ln.unit
        county = unit.parent if unit is not None and unit.kind == OrgUnitKind.STATION else unit
        rows.append(CompletionRow(
            plan_id=ln.plan_id, plan_unit_id=ln.plan.unit_id, plan_unit_name=ln.plan.unit.name,
            period_start=ln.plan.period_start, period_end=ln.plan.period_end, category=ln.category,
            category_name=ln.get_category_display(), unit_id=ln.unit_id, unit_name=unit.name if unit else "",
            unit_kind=unit.kind if unit else "",
            county_name=county.name if county is not None and county.kind == OrgUnitKind.COUNTY else "",
            assignee_id=ln.assignee_id, assignee_name=str(ln.assignee) if ln.assignee else "", target=ln.target,
            admitted=admitted, deadline=ln.deadline, budget=ln.budget,
        ))
    return rows


def plan_completion(*, actor: User, period: date, unit: OrgUnit | None = None) -> list[CompletionRow]:
    """For the plans in force in the month `period` (its first day): per county, station or 客户经理 the target,
    the admitted count and the completion rate. Two queries whatever the number of customers and lines."""
    lines = (PlanLine.objects.filter(plan_line_scope_q(actor), plan__status__in=EFFECTIVE_PLAN_STATUSES,
                                     plan__period_start__lte=period, plan__period_end__gte=period)
             .select_related("plan", "plan__unit", "unit", "unit__parent", "assignee")
             .order_by("plan__unit__path", "category", "unit__path", "assignee_id"))
    if unit is not None:
        lines = lines.filter(Q(plan__unit__path__startswith=unit.path) | Q(unit__path__startswith=unit.path))
    return _line_rows(list(lines))


def plan_rows(plan: DevelopmentPlan) -> list[CompletionRow]:
    """Every line of one plan with its completion (the plan's page)."""
    return _line_rows(list(plan.lines.select_related("plan", "plan__unit", "unit", "unit__parent", "assignee")
                           .order_by("category", "unit__path", "assignee_id")))


def plans_due(*, actor: User, today: date | None = None) -> list[dict]:
    """Units the actor manages whose next plan is not yet submitted (002 6.5.3: due on the 25th), nearest first."""
    from kehu.development.rules import development_rules, plan_due_on

    today = today or timezone.localdate()
    scope = user_scope(actor)
    if scope.kind not in (DataScope.SUBTREE, DataScope.UNIT, DataScope.ALL) or not actor.has_perm(
            "development.add_developmentplan"):
        return []
    units = OrgUnit.objects.filter(kind__in=[OrgUnitKind.CITY, OrgUnitKind.DEPARTMENT], is_active=True)
    if scope.kind != DataScope.ALL:
        if not actor.unit_id:
            return []
        units = units.filter(pk=actor.unit_id)
    units = list(units)
    packs = pack_names_for_units(u.pk for u in units)
    next_start = add_months(month_start(today), 1)
    done = set(DevelopmentPlan.objects.filter(unit__in=units, period_start=next_start,
                                              status__in=EFFECTIVE_PLAN_STATUSES).values_list("unit_id", flat=True))
    out = []
    for unit in units:
        dev = development_rules(packs[unit.pk])
        if dev is None or dev.plan is None or dev.plan.due is None or unit.pk in done:
            continue
        due = plan_due_on(dev, next_start)
        if due is not None and due - today <= timedelta(days=10):
            out.append({"unit": unit, "period_start": next_start, "due_on": due, "overdue": today > due,
                        "article": f"{packs[unit.pk]} {dev.plan.due.citation.article}"})
    return out


def progress_reports_for(*, actor: User) -> QuerySet[ProgressReport]:
    scope = user_scope(actor)
    qs = ProgressReport.objects.select_related("author", "author__unit")
    if scope.kind == DataScope.ALL:
        return qs
    q = Q(author_id__in=[actor.pk, *scope.subordinate_ids])
    if scope.kind == DataScope.SUBTREE and scope.unit_path:
        q |= Q(author__unit__path__startswith=scope.unit_path)
    return qs.filter(q)


# ----- shared pool -----------------------------------------------------------------------------------------------


def pool_customers(*, actor: User, query: str = "") -> QuerySet[Customer]:
    """The pool the actor may claim from, newest arrivals first, with why and from whom each customer came."""
    entry = PoolEntry.objects.filter(customer=OuterRef("pk"), claimed_at__isnull=True)
    qs = (Customer.objects.filter(claimable_q(actor)).select_related("unit")
          .annotate(pool_entered_at=Subquery(entry.values("entered_at")[:1]),
                    pool_reason=Subquery(entry.values("reason")[:1]),
                    pool_previous_owner=Subquery(entry.values("previous_owner__display_name")[:1]),
                    pool_last_follow_up=Subquery(entry.values("last_follow_up")[:1])))
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return qs.order_by("-pool_entered_at", "code")


@dataclass
class PoolStatus:
    """The actor's standing against the pool rules of his unit's pack (shown on the pool page)."""

    pack_name: str
    article: str
    days_without_follow_up: int | None
    reminder_days_before: int | None
    claim_cap: int | None
    claim_cap_period: str
    reclaim_wait_days: int | None
    claimed_in_period: int
    unset: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> int | None:
        return None if self.claim_cap is None else max(self.claim_cap - self.claimed_in_period, 0)


def pool_status(*, actor: User) -> PoolStatus:
    from kehu.development.rules import period_bounds

    figures = pool_figures(pack_name_for_unit(actor.unit))
    start, _end = period_bounds(figures.claim_cap_period, timezone.localdate())
    claimed = PoolEntry.objects.filter(claimed_by=actor, claimed_at__gte=day_start(start)).count()
    unset = [f"{label}（{figures.key(name)}）" for name, label in (
        ("days_without_follow_up", "退回天数"), ("reminder_days_before", "提前提醒天数"),
        ("claim_cap", "每人领取上限"), ("reclaim_wait_days", "再次领取等待天数"))
        if figures.rule is not None and getattr(figures, name) is None]
    return PoolStatus(figures.pack_name, figures.article, figures.days_without_follow_up,
                      figures.reminder_days_before, figures.claim_cap, figures.claim_cap_period,
                      figures.reclaim_wait_days, claimed, unset)


@dataclass(frozen=True)
class PoolWarning:
    customer: Customer
    return_on: date
    last_follow_up: date


def pool_reminders_for(*, actor: User, today: date | None = None) -> list[PoolWarning]:
    """His customers that return to the pool soon and have not been followed up since the reminder."""
    today = today or timezone.localdate()
    reminders = list(PoolReminder.objects.filter(owner=actor, return_on__gte=today, customer__owner=actor)
                     .select_related("customer").order_by("return_on")[:50])
    latest = last_follow_ups(r.customer_id for r in reminders)
    return [PoolWarning(r.customer, r.return_on, r.last_follow_up) for r in reminders
            if latest.get(r.customer_id) == r.last_follow_up]


# ----- role dashboards -------------------------------------------------------------------------------------------


def pickup_trend(*, customers: QuerySet[Customer], months: int = 6, today: date | None = None) -> dict:
    """Monthly pickup quantity and amount of a set of customers over the last `months` full months and this one:
    one grouped query."""
    from kehu.sales.models import Pickup

    today = today or timezone.localdate()
    first = add_months(month_start(today), -months)
    rows = (Pickup.objects.filter(customer__in=customers.values("pk"), picked_on__gte=first)
            .annotate(month=TruncMonth("picked_on")).values("month")
            .annotate(quantity=Sum("base_quantity"), amount=Sum("amount")).values_list("month", "quantity", "amount"))
    by_month = {(m.date() if hasattr(m, "date") else m): (q, a) for m, q, a in rows}
    labels, quantities, amounts = [], [], []
    for i in range(months + 1):
        m = add_months(first, i)
        q, a = by_month.get(m, (Decimal(0), Decimal(0)))
        labels.append(f"{m:%Y-%m}")
        quantities.append(str((q or Decimal(0)).quantize(Decimal("0.001"))))
        amounts.append(str((a or Decimal(0)).quantize(Decimal("0.01"))))
    return {"months": labels, "quantity": quantities, "amount": amounts}


def account_manager_today(*, actor: User, today: date | None = None) -> dict:
    """A 客户经理's day: complaints due, visits planned this month, qualifications expiring, approvals waiting,
    pool reminders, his plan targets, and his customers' pickup trend. A fixed number of queries."""
    from kehu.service.models import VisitPlanItem
    from kehu.service.selectors import ComplaintFilters, complaint_counts, complaint_list
    from kehu.workflow.selectors import qualifications_expiring, steps_waiting_for

    today = today or timezone.localdate()
    out: dict = {"today": today}
    if actor.has_perm("service.view_complaint"):
        out["complaints"] = complaint_counts(actor=actor)
        out["complaints_due"] = list(
            complaint_list(actor=actor, filters=ComplaintFilters(view="overdue")).select_related("customer")[:5]) + \
            list(complaint_list(actor=actor, filters=ComplaintFilters(view="due_today")).select_related("customer")[:5])
    visits = (VisitPlanItem.objects.filter(plan__owner=actor, plan__year=today.year, month=today.month,
                                           report__isnull=True).select_related("customer").order_by("customer__name"))
    out["visits"] = list(visits[:8])
    out["visits_count"] = visits.count()
    expiring = qualifications_expiring(actor=actor, today=today, days=30)
    out["qualifications"] = list(expiring[:5])
    out["qualifications_count"] = expiring.count()
    waiting = steps_waiting_for(actor)
    out["approvals"] = list(waiting[:5])
    out["approvals_count"] = waiting.count()
    out["pool_reminders"] = pool_reminders_for(actor=actor, today=today)
    out["plan_rows"] = [r for r in plan_completion(actor=actor, period=month_start(today))
                        if r.assignee_id == actor.pk or (r.unit_id and r.unit_id == actor.unit_id)]
    mine = Customer.objects.filter(owner=actor)
    out["customer_count"] = mine.count()
    out["trend"] = pickup_trend(customers=mine, today=today)
    return out


def manager_overview(*, actor: User, today: date | None = None) -> dict | None:
    """A department head's unit against plan: completion per county / station / 客户经理 this month, the pool of
    his units, customers per sub-unit, and the unit's pickup trend."""
    scope = user_scope(actor)
    if scope.kind not in (DataScope.SUBTREE, DataScope.UNIT, DataScope.ALL) or actor.unit is None:
        return None
    today = today or timezone.localdate()
    unit = actor.unit
    rows = plan_completion(actor=actor, period=month_start(today), unit=None if scope.kind == DataScope.ALL else unit)
    customers = Customer.objects.filter(unit__path__startswith=unit.path)
    by_child = list(OrgUnit.objects.filter(parent=unit, is_active=True).order_by("path"))
    counts = {u.pk: 0 for u in by_child}
    pooled = {u.pk: 0 for u in by_child}
    paths = {u.pk: u.path for u in by_child}
    for path, total, in_pool in (customers.values("unit__path")
                                 .annotate(total=Count("pk"), in_pool=Count("pk", filter=Q(owner__isnull=True)))
                                 .values_list("unit__path", "total", "in_pool")):
        for uid, p in paths.items():
            if path and path.startswith(p):
                counts[uid] += total
                pooled[uid] += in_pool
    return {
        "unit": unit, "today": today, "rows": rows,
        "target_total": sum(r.target for r in rows), "admitted_total": sum(r.admitted for r in rows),
        "children": [{"unit": u, "customers": counts[u.pk], "pool": pooled[u.pk]} for u in by_child],
        "pool_total": customers.filter(owner__isnull=True).count(),
        "trend": pickup_trend(customers=customers, today=today),
        "chart": {"labels": [r.unit_name or r.assignee_name for r in rows], "target": [r.target for r in rows],
                  "admitted": [r.admitted for r in rows]},
    }


def completion_by_unit(rows: list[CompletionRow]) -> dict[str, list[CompletionRow]]:
    out: dict[str, list[CompletionRow]] = defaultdict(list)
    for r in rows:
        out[r.plan_unit_name].append(r)
    return dict(out)
