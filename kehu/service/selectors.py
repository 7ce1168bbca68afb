"""Reads for customer service: complaint lists and statistics, visit plans, surveys. Scoped by the
customer's data scope (plus complaints assigned to the user or to the user's department)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kehu.customers.models import Customer
from kehu.customers.selectors import customer_visible_q
from kehu.org.models import User
from kehu.service.models import OPEN_STATUSES, Complaint, ComplaintStatus
from kehu.workdays.calendar import SHANGHAI


def visible_customers(actor: User) -> QuerySet[Customer]:
    """Customers the actor may read. An ALL scope is not filtered at all: `Q() | extra` in
    customers.selectors.customer_visible_q would otherwise narrow it to the extra grants only."""
    from kehu.org.models import DataScope
    from kehu.org.selectors import user_scope

    if user_scope(actor).kind == DataScope.ALL:
        return Customer.objects.all()
    return Customer.objects.filter(customer_visible_q(actor))


def complaint_queryset_for_actor(actor: User) -> QuerySet[Complaint]:
    visible = visible_customers(actor).values("pk")
    q = Q(customer_id__in=visible) | Q(assignee=actor) | Q(received_by=actor)
    if actor.unit_id:
        q |= Q(department_id=actor.unit_id)
    return Complaint.objects.filter(q)


def complaint_get(*, actor: User, pk: int) -> Complaint:
    complaint = (complaint_queryset_for_actor(actor).select_related("customer", "department", "assignee",
                                                                     "received_by").filter(pk=pk).first())
    if complaint is None:
        from kehu.core.errors import ScopeError

        raise ScopeError("投诉不存在，或不在您的管理范围内。")
    return complaint


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=SHANGHAI)
    return start, start + timedelta(days=1)


@dataclass(frozen=True)
class ComplaintFilters:
    view: str = ""  # "" | "due_today" | "overdue" | "open" | "waiting" | "closed"
    department_id: int | None = None
    customer_id: int | None = None
    query: str = ""


def complaint_list(*, actor: User, filters: ComplaintFilters | None = None,
                   at: datetime | None = None) -> QuerySet[Complaint]:
    filters = filters or ComplaintFilters()
    at = at or timezone.now()
    qs = complaint_queryset_for_actor(actor).select_related("customer", "department", "assignee")
    running = Q(status__in=[ComplaintStatus.REGISTERED, ComplaintStatus.INVESTIGATING])
    if filters.view == "due_today":
        _, end = _day_bounds(timezone.localtime(at, SHANGHAI).date())
        qs = qs.filter(running, due_at__gte=at, due_at__lt=end)
    elif filters.view == "overdue":
        qs = qs.filter(running, due_at__lt=at)
    elif filters.view == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.view == "waiting":
        qs = qs.filter(status=ComplaintStatus.WAITING)
    elif filters.view == "resolved":
        qs = qs.filter(status=ComplaintStatus.RESOLVED)
    elif filters.view == "closed":
        qs = qs.filter(status=ComplaintStatus.CLOSED)
    if filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.query:
        qs = qs.filter(Q(code__icontains=filters.query) | Q(customer__name__icontains=filters.query)
                       | Q(description__icontains=filters.query))
    return qs.order_by("due_at", "-received_at") if filters.view in ("due_today", "overdue") else qs


def complaint_counts(*, actor: User, at: datetime | None = None) -> dict[str, int]:
    """Due today / overdue / waiting on the customer, in one query."""
    at = at or timezone.now()
    _, end = _day_bounds(timezone.localtime(at, SHANGHAI).date())
    running = Q(status__in=[ComplaintStatus.REGISTERED, ComplaintStatus.INVESTIGATING])
    return complaint_queryset_for_actor(actor).aggregate(
        due_today=Count("pk", filter=running & Q(due_at__gte=at, due_at__lt=end)),
        overdue=Count("pk", filter=running & Q(due_at__lt=at)),
        waiting=Count("pk", filter=Q(status=ComplaintStatus.WAITING)),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        awaiting_follow_up=Count("pk", filter=Q(status=ComplaintStatus.RESOLVED)),
    )


def complaint_by_department(*, actor: User, at: datetime | None = None) -> list[dict]:
    at = at or timezone.now()
    running = Q(status__in=[ComplaintStatus.REGISTERED, ComplaintStatus.INVESTIGATING])
    rows = (complaint_queryset_for_actor(actor).values("department_id", "department__name")
            .annotate(open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
                      overdue=Count("pk", filter=running & Q(due_at__lt=at)),
                      total=Count("pk"))
            .order_by("department__name"))
    return [{"department_id": r["department_id"], "department": r["department__name"] or "（未指派）",
             "open": r["open"], "overdue": r["overdue"], "total": r["total"]} for r in rows]


def complaint_on_time_by_month(*, actor: User, months: int = 12, at: datetime | None = None) -> list[dict]:
    """On-time rate per month of resolution: resolved on or before the (paused-adjusted) deadline."""
    at = at or timezone.now()
    since = (timezone.localtime(at, SHANGHAI).date().replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    rows = (complaint_queryset_for_actor(actor)
            .filter(resolved_at__gte=datetime.combine(since, time(0), tzinfo=SHANGHAI), resolved_on_time__isnull=False)
            .annotate(month=TruncMonth("resolved_at", tzinfo=SHANGHAI)).values("month")
            .annotate(total=Count("pk"), on_time=Count("pk", filter=Q(resolved_on_time=True))).order_by("month"))
    out = []
    for r in rows:
        month = r["month"].date() if isinstance(r["month"], datetime) else r["month"]
        rate = round(100 * r["on_time"] / r["total"], 1) if r["total"] else None
        out.append({"month": month, "total": r["total"], "on_time": r["on_time"], "rate": rate})
    return out


# ============================================================================================ visits
def visit_plans_for_actor(actor: User) -> QuerySet:
    from kehu.org.selectors import scope_q
    from kehu.service.models import VisitPlan

    return VisitPlan.objects.filter(scope_q(actor, owner_field="owner", unit_field="owner__unit"))


def visit_plan_detail(*, actor: User, owner_id: int, year: int) -> dict | None:
    """A plan broken into months: rows per customer, 12 cells each (planned / done / overdue)."""
    plan = visit_plans_for_actor(actor).filter(owner_id=owner_id, year=year).select_related("owner").first()
    if plan is None:
        return None
    today = timezone.localtime(timezone.now(), SHANGHAI).date()
    items = list(plan.items.select_related("customer", "report").order_by("customer__name", "month"))
    rows: dict[int, dict] = {}
    month_totals = [{"planned": 0, "done": 0} for _ in range(12)]
    for item in items:
        row = rows.setdefault(item.customer_id, {"customer": item.customer, "grade": item.grade,
                                                 "basis": item.basis, "cells": [[] for _ in range(12)]})
        overdue = item.report_id is None and _month_passed(plan.year, item.month, today)
        row["cells"][item.month - 1].append({"item": item, "done": item.report_id is not None, "overdue": overdue})
        month_totals[item.month - 1]["planned"] += 1
        month_totals[item.month - 1]["done"] += item.report_id is not None
    done = sum(1 for i in items if i.report_id)
    overdue = sum(1 for r in rows.values() for c in r["cells"] for x in c if x["overdue"])
    return {"plan": plan, "rows": list(rows.values()), "month_totals": month_totals, "total": len(items),
            "done": done, "overdue": overdue}


def _month_passed(year: int, month: int, today: date) -> bool:
    return (year, month) < (today.year, today.month)


def visit_overdue_items(*, actor: User, today: date | None = None) -> list:
    """Plan items whose month has passed without a visit, for the actor's plans (and those in scope)."""
    from kehu.service.models import VisitPlanItem

    today = today or timezone.localtime(timezone.now(), SHANGHAI).date()
    plans = visit_plans_for_actor(actor).values("pk")
    return list(VisitPlanItem.objects.filter(plan_id__in=plans, report__isnull=True)
                .filter(Q(plan__year__lt=today.year) | Q(plan__year=today.year, month__lt=today.month))
                .select_related("customer", "plan", "plan__owner").order_by("plan__year", "month")[:500])


def visit_reports(*, actor: User, customer_id: int | None = None) -> QuerySet:
    from kehu.service.models import VisitReport

    qs = VisitReport.objects.filter(customer_id__in=visible_customers(actor).values("pk"))
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs.select_related("customer", "visitor")


# ============================================================================================ surveys
def survey_report(*, round_id: int) -> dict:
    """Per-question breakdown: scale distribution and mean, choice counts, text answers (a fixed number of
    queries whatever the number of answers)."""
    from django.db.models import Avg

    from kehu.service.models import Answer, QuestionKind, SurveyRound

    rnd = SurveyRound.objects.select_related("questionnaire").get(pk=round_id)
    questions = list(rnd.questionnaire.questions.all())
    answers = Answer.objects.filter(response__round=rnd)
    scale_counts = {(r["question_id"], r["scale_value"]): r["n"] for r in
                    answers.filter(scale_value__isnull=False).values("question_id", "scale_value")
                    .annotate(n=Count("pk"))}
    means = {r["question_id"]: r["m"] for r in answers.filter(scale_value__isnull=False).values("question_id")
             .annotate(m=Avg("scale_value"))}
    choice_counts = {(r["question_id"], r["choice"]): r["n"] for r in
                     answers.exclude(choice="").values("question_id", "choice").annotate(n=Count("pk"))}
    texts: dict[int, list[str]] = {}
    for qid, text, customer in answers.exclude(text="").values_list("question_id", "text", "response__customer__name"):
        texts.setdefault(qid, []).append(f"{customer}：{text}")
    rows = []
    for q in questions:
        if q.kind == QuestionKind.SCALE:
            labels = [str(v) for v in range(q.scale_min, q.scale_max + 1)]
            counts = [scale_counts.get((q.pk, v), 0) for v in range(q.scale_min, q.scale_max + 1)]
            mean = means.get(q.pk)
            rows.append({"q": q, "labels": labels, "counts": counts, "total": sum(counts),
                         "mean": round(mean, 2) if mean is not None else None})
        elif q.kind == QuestionKind.CHOICE:
            counts = [choice_counts.get((q.pk, c), 0) for c in q.choices]
            rows.append({"q": q, "labels": list(q.choices), "counts": counts, "total": sum(counts)})
        else:
            rows.append({"q": q, "texts": texts.get(q.pk, []), "total": len(texts.get(q.pk, []))})
    invited = rnd.invitations.count()
    responded = rnd.responses.count()
    return {"round": rnd, "rows": rows, "invited": invited, "responded": responded,
            "rate": round(100 * responded / invited, 1) if invited else None}


def users_in_scope_q(actor: User) -> Q:
    """Users whose plans the actor may manage: himself, and those his data scope covers."""
    from kehu.org.models import DataScope
    from kehu.org.selectors import user_scope

    scope = user_scope(actor)
    q = Q(pk=actor.pk)
    if scope.kind == DataScope.ALL:
        return Q()
    if scope.kind == DataScope.SUBTREE and scope.unit_path:
        q |= Q(unit__path__startswith=scope.unit_path)
    elif scope.kind == DataScope.UNIT and scope.unit_id:
        q |= Q(unit_id=scope.unit_id)
    elif scope.kind == DataScope.OWN_AND_SUBORDINATES:
        q |= Q(pk__in=list(scope.subordinate_ids))
    return q
