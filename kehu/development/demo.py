"""Demo data for customer development, through the services: 济南's retail network follows shandong-retail; its
stations record prospects in the survey table, one is converted and admitted (销售部 → 财务部 → 总经理), the city's
plan for this month is sent to and approved by 加管处, 销售部 hands down 000's quarterly plan to its 客户经理, and
two station customers wait in the shared pool. Deterministic; a second run adds nothing."""

from __future__ import annotations

import logging
import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from kehu.core.errors import ServiceError

log = logging.getLogger(__name__)

POOL_FIGURES = {"sd.pool_days_without_follow_up": 30, "sd.pool_reminder_days_before": 7, "sd.pool_claim_cap": 5,
                "sd.pool_reclaim_wait_days": 30}

PROSPECTS = (
    # station user, name, category, kind, area, gasoline t, diesel t, current supplier
    ("zhanzhang1", "济南市历下区交通运输局", "government", "institutional", "解放路街道", "3.5", "22",
     "中石化解放路加油站"),
    ("zhanzhang1", "济南恒远物流有限公司", "enterprise", "institutional", "姚家街道", "1.2", "48",
     "民营加油站（月结）"),
    ("zhanzhang1", "历下区燕山小区私家车主", "individual", "individual", "燕山街道", "0.2", None, "中石化燕山加油站"),
    ("zhanzhang2", "山东鲁能置业有限公司", "enterprise", "institutional", "龙洞街道", "2.4", "6", "中石化龙洞加油站"),
    ("zhanzhang2", "历下区环卫中心", "government", "institutional", "千佛山街道", "0.8", "30", "壳牌千佛山加油站"),
)


def _users():
    from kehu.org.models import User

    names = ("admin", "jiaguan", "lingshou", "zhanzhang1", "zhanzhang2", "xiaoshou", "caiwu", "zongjingli",
             "jingli1", "jingli2", "jingli3")
    return {u.username: u for u in User.objects.filter(username__in=names)}


@transaction.atomic
def development_demo_load(*, today: date) -> str:
    from kehu.core.demo import make_mobile, make_uscc
    from kehu.development import services
    from kehu.development.models import DevelopmentPlan, Prospect
    from kehu.development.services.regulation import unit_regulation_set
    from kehu.org.models import OrgUnit
    from kehu.policy.services import admin_value_set

    if Prospect.objects.filter(pack_name="shandong-retail").exists():
        return ""
    users = _users()
    if len(users) < 11:
        return ""
    rng = random.Random(12)  # noqa: S311 - demo data
    admin = users["admin"]
    province = OrgUnit.objects.get(code="SD")
    city = OrgUnit.objects.get(code="SD-01")
    unit_regulation_set(actor=admin, unit=province, pack_name="shandong-retail")
    for key, value in POOL_FIGURES.items():
        admin_value_set(actor=admin, pack_name="shandong-retail", key=key, value=value, note="演示值")

    prospects = []
    for username, name, category, kind, area, gasoline, diesel, supplier in PROSPECTS:
        prospects.append(services.prospect_create(
            actor=users[username], name=name, category=category, kind=kind, area=f"历下区{area}",
            address=f"济南市历下区{area}{rng.randrange(1, 300)}号", uscc=make_uscc(rng) if kind != "individual" else "",
            contact_name=rng.choice("王李张刘陈") + rng.choice(["科长", "经理", "主任", "先生"]),
            contact_phone=make_mobile(rng), decision_maker="", fuel_type="both" if diesel else "gasoline",
            gasoline_month_t=Decimal(gasoline), diesel_month_t=Decimal(diesel) if diesel else None,
            current_supplier=supplier, retention_means=rng.choice(["月结", "积分返利", "就近便利"]),
            potential="high" if category == "government" else "medium"))

    # The 交通运输局 becomes a customer: archive, materials, admission through 销售部 → 财务部 → 总经理.
    added = _admit(prospects[0], users, today)

    # 济南's plan for this month (6.5.3 minimums, two stations in 历下区 asked for more), approved by 加管处.
    lines = services.plan_regulation_lines(unit=city)
    lines = [services.LineInput(category=ln.category, target=ln.target + (2 if ln.unit.code.startswith("SD-01-01-")
                                                                          and ln.category == "card" else 0),
                                unit=ln.unit) for ln in lines]
    start = today.replace(day=1)
    if not DevelopmentPlan.objects.filter(unit=city, period_start=start).exists():
        plan = services.development_plan_save(actor=users["lingshou"], unit=city, period_start=start, lines=lines,
                                              note="按 6.5.3 最低目标编制，历下区两站适当提高")
        plan = services.development_plan_submit(actor=users["lingshou"], plan=plan)
        _approve(plan.approval, [users["jiaguan"]])

    # 000 第六条: 销售部's quarterly plan per 客户经理 with deadline and budget, handed down.
    from kehu.development.rules import period_bounds

    sales = OrgUnit.objects.get(code="HB-SALES")
    q_start, q_end = period_bounds("quarter", today)
    if not DevelopmentPlan.objects.filter(unit=sales, period_start=q_start).exists():
        plan = services.development_plan_save(actor=users["xiaoshou"], unit=sales, period_start=q_start, lines=[
            services.LineInput(category="any", target=target, assignee=users[name], deadline=q_end,
                               budget=Decimal(budget))
            for name, target, budget in (("jingli1", 3, "12000"), ("jingli2", 2, "8000"), ("jingli3", 2, "8000"))],
            note="筛选重点开发客户，分解至客户经理（000 第六条(二)）")
        services.development_plan_submit(actor=users["xiaoshou"], plan=plan)
        services.progress_report_submit(actor=users["jingli1"], kind="weekly_summary", period_start=today,
                                        progress="走访两家潜在客户，一家已提交开户资料", problems="对方要求账期",
                                        support_needed="请财务部确认结算方式")

    # Two station customers wait in 历下区第一加油站's pool (the 零售管理部门 may claim them).
    released = _pool(users, today)
    return (f"已添加演示客户开发数据：潜在客户 {len(prospects)} 个、开户 {added} 个、开发计划 2 份、"
            f"公海客户 {released} 个 / "
            f"added demo development data: {len(prospects)} prospects, {added} admitted, 2 plans, "
            f"{released} customers in the shared pool")


def _approve(approval, deciders) -> None:
    from kehu.workflow.models import StepStatus
    from kehu.workflow.services import approval_step_decide

    for user in deciders:
        step = approval.steps.filter(status=StepStatus.PENDING).first()
        if step is None:
            return
        approval_step_decide(actor=user, step=step, decision="approve", comment="同意")


def _admit(prospect, users, today: date) -> int:
    from kehu.customers.models import LicenceType
    from kehu.customers.services import invoicing_save, qualification_save
    from kehu.development import services
    from kehu.workflow.services.admission import admission_submit

    station = users["zhanzhang1"]
    application = services.prospect_convert(actor=station, prospect=prospect, customer_type="direct",
                                            business_scope="机关公务用车、执法车辆用油")
    customer = application.customer
    try:
        qualification_save(actor=station, customer=customer, licence_type=LicenceType.BUSINESS_LICENCE,
                           number=customer.uscc, issued_on=today - timedelta(days=900),
                           expires_on=today + timedelta(days=1500), verified=True)
        invoicing_save(actor=station, customer=customer, bank_name="中国工商银行济南历下支行",
                       bank_account="1602020309200654321", address=customer.address, phone="0531-86001234",
                       tax_number=customer.uscc)
        application.conditions = {"production_enterprise": True, "sound_credit": True}
        application.save(update_fields=["conditions"])
        admission_submit(actor=station, application=application)
        application.refresh_from_db()
        _approve(application.approval, [users["xiaoshou"], users["caiwu"], users["zongjingli"]])
    except (ValidationError, ServiceError) as exc:  # the demo's calendar or chain may refuse; the prospect stays
        log.info("demo admission of %s not completed: %s", prospect, exc)
        return 0
    application.approval.refresh_from_db()
    return 1 if application.approval.status == "approved" else 0


def _pool(users, today: date) -> int:
    from kehu.customers.models import CustomerKind, CustomerStatus
    from kehu.customers.services import customer_create
    from kehu.development import services

    station = users["zhanzhang1"]
    released = 0
    for name, reason in (("济南润泽商贸有限公司", "客户经营地迁至章丘区，本站无法服务"),
                         ("历下区个体运输户王师傅", "客户改在其他站加油，交由零售管理部门重新分配")):
        kind = CustomerKind.INDIVIDUAL if "个体" in name else CustomerKind.ENTERPRISE
        customer = customer_create(actor=station, name=name, kind=kind, status=CustomerStatus.ACTIVE,
                                   address="济南市历下区", reason="演示数据")
        services.pool_release(actor=station, customer_id=customer.pk, reason=reason)
        released += 1
    return released
