"""Visit plans and visit reports (000 第十一条; 001 第十七、十八条; 003 A 类客户每季度走访)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kehu.core.errors import ScopeError, ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import Customer, CustomerStatus
from kehu.customers.selectors import customer_get_for_actor
from kehu.org.models import User
from kehu.org.selectors import scope_q
from kehu.service.grades import customer_grades
from kehu.service.models import VisitKind, VisitPlan, VisitPlanItem, VisitReport
from kehu.service.pack import service_rules, visits_per_year
from kehu.service.services.common import archive
from kehu.workdays.calendar import SHANGHAI


def _today() -> date:
    return timezone.localtime(timezone.now(), SHANGHAI).date()


def spread_months(n: int, index: int, start_month: int = 1) -> list[int]:
    """n visits spread evenly over the months start_month..12; `index` staggers customers so the work of one
    客户经理 is balanced across the months (A-class quarterly: e.g. 1/4/7/10, 2/5/8/11, 3/6/9/12)."""
    span = 13 - start_month
    n = max(1, min(n, span))
    step = span / n
    offset = index % max(1, span // n)
    return [start_month + min(span - 1, int(k * step) + offset) for k in range(n)]


def _plans_q(actor: User):
    return scope_q(actor, owner_field="owner", unit_field="owner__unit")


def _owner_in_scope(actor: User, owner: User) -> None:
    if owner.pk == actor.pk:
        return
    from kehu.service.selectors import users_in_scope_q

    if not User.objects.filter(pk=owner.pk).filter(users_in_scope_q(actor)).exists():
        raise ScopeError("该客户经理不在您的管理范围内。")


@transaction.atomic
def visit_plan_generate(*, actor: User, owner_id: int, year: int, pack: str | None = None) -> VisitPlan:
    """Create (or top up) a 客户经理's yearly plan: every active customer he owns gets the visits its grade
    earns, broken into months. Customers already in the plan keep their (possibly edited) months."""
    require_perm(actor, "service.add_visitplan", "您没有编制走访计划的权限。")
    owner = User.objects.filter(pk=owner_id, is_active=True).first()
    if owner is None:
        raise ValidationError({"owner": "请选择客户经理。"})
    _owner_in_scope(actor, owner)
    today = _today()
    if year < today.year:
        raise ValidationError({"year": "不能为已过去的年度编制走访计划。"})
    plan, _ = VisitPlan.objects.get_or_create(owner=owner, year=year)
    planned = set(plan.items.values_list("customer_id", flat=True))
    customers = list(Customer.objects.filter(owner=owner, status=CustomerStatus.ACTIVE)
                     .exclude(pk__in=planned).order_by("pk").values_list("pk", flat=True))
    grades = customer_grades(customers, year)
    rules = service_rules(pack)
    start_month = today.month if year == today.year else 1
    items = []
    for index, cid in enumerate(customers):
        customer_grade_list = grades.get(cid, [])
        grade = "、".join(customer_grade_list)
        n, article = visits_per_year(customer_grade_list, rules)
        for month in spread_months(n, index, start_month):
            items.append(VisitPlanItem(plan=plan, customer_id=cid, month=month, kind=VisitKind.ONSITE, grade=grade[:60],
                                       basis=f"{article}：每年 {n} 次" + (f"（{grade}）" if grade else "")))
    VisitPlanItem.objects.bulk_create(items, batch_size=2000)
    plan.save(update_fields=["updated_at"])
    return plan


def _item_for_actor(actor: User, item_id: int) -> VisitPlanItem:
    item = (VisitPlanItem.objects.filter(pk=item_id).filter(**{}).select_related("plan", "plan__owner").first())
    if item is None or not VisitPlan.objects.filter(_plans_q(actor), pk=item.plan_id).exists():
        raise ScopeError("计划明细不存在，或不在您的管理范围内。")
    return item


@transaction.atomic
def visit_plan_item_update(*, actor: User, item_id: int, month: int, kind: str = VisitKind.ONSITE) -> VisitPlanItem:
    require_perm(actor, "service.change_visitplan", "您没有修改走访计划的权限。")
    item = _item_for_actor(actor, item_id)
    if item.report_id:
        raise ServiceError("该次走访已完成，不能再调整。", code="state")
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise ValidationError({"month": "月份应为 1–12。"})
    if kind not in VisitKind.values:
        raise ValidationError({"kind": "请选择走访方式。"})
    item.month, item.kind = month, kind
    item.save(update_fields=["month", "kind"])
    return item


@transaction.atomic
def visit_plan_item_add(*, actor: User, plan_id: int, customer_id: int, month: int,
                        kind: str = VisitKind.ONSITE) -> VisitPlanItem:
    require_perm(actor, "service.change_visitplan", "您没有修改走访计划的权限。")
    plan = VisitPlan.objects.filter(_plans_q(actor), pk=plan_id).first()
    if plan is None:
        raise ScopeError("走访计划不存在，或不在您的管理范围内。")
    customer = customer_get_for_actor(actor=actor, pk=customer_id)
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise ValidationError({"month": "月份应为 1–12。"})
    return VisitPlanItem.objects.create(plan=plan, customer=customer, month=month, kind=kind, basis="手工添加")


@transaction.atomic
def visit_plan_item_delete(*, actor: User, item_id: int) -> None:
    require_perm(actor, "service.change_visitplan", "您没有修改走访计划的权限。")
    item = _item_for_actor(actor, item_id)
    if item.report_id:
        raise ServiceError("该次走访已完成，不能删除。", code="state")
    item.delete()


REPORT_FIELDS = ("product_info", "market_info", "service_quality", "needs", "follow_up_actions")


@transaction.atomic
def visit_report_create(
    *, actor: User, customer_id: int | None, visited_on: date | None, kind: str = VisitKind.ONSITE,
    contact_name: str = "", product_info: str = "", market_info: str = "", service_quality: str = "",
    needs: str = "", follow_up_actions: str = "", plan_item_id: int | None = None,
) -> VisitReport:
    """Record a done visit (《客户走访报告单》) or phone follow-up; it ticks off the matching plan item."""
    require_perm(actor, "service.add_visitreport", "您没有登记走访的权限。")
    errors: dict[str, list[str]] = {}
    if not customer_id:
        errors["customer"] = ["请选择走访的客户。"]
    if visited_on is None:
        errors["visited_on"] = ["请填写走访日期。"]
    elif visited_on > _today():
        errors["visited_on"] = ["走访日期在未来，不能登记为已完成的走访；请在计划中安排该月份。"]
    if kind not in VisitKind.values:
        errors["kind"] = ["请选择走访方式。"]
    texts = {f: (v or "").strip() for f, v in zip(REPORT_FIELDS, (product_info, market_info, service_quality,
                                                                    needs, follow_up_actions), strict=True)}
    if not any(texts.values()):
        errors["needs"] = ["请至少填写一项走访内容（产品、市场、服务质量、客户需求和期望或后续措施）。"]
    if errors:
        raise ValidationError(errors)
    customer = customer_get_for_actor(actor=actor, pk=customer_id)
    report = VisitReport.objects.create(customer=customer, visitor=actor, kind=kind, visited_on=visited_on,
                                        contact_name=(contact_name or "").strip(), **texts)
    item = None
    if plan_item_id:
        item = _item_for_actor(actor, plan_item_id)
        if item.customer_id != customer.pk or item.report_id:
            raise ValidationError({"plan_item": "计划明细与客户不符，或已完成。"})
    else:
        # The earliest open plan item for this customer this year (any 客户经理's plan in scope).
        item = (VisitPlanItem.objects.filter(customer=customer, plan__year=visited_on.year, report__isnull=True,
                                             kind=kind)
                .order_by("month").first())
    if item is not None:
        item.report = report
        item.save(update_fields=["report"])
    label = "电话回访" if kind == VisitKind.PHONE else "走访"
    archive(customer, actor, f"visit.{kind}", f"{label}（{visited_on:%Y-%m-%d}）",
            texts["needs"] or texts["follow_up_actions"] or texts["product_info"], visit_report_id=report.pk)
    return report
