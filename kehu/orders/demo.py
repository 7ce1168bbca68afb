"""Demo data of the orders app, through its services: the packs that govern orders switched on, a year's A/B/C/D
classes (scores entered, then the regrade), an internal price list, credit limits approved by the credit committee,
orders for an A-class and a D-class customer (one over the limit, waiting in 部长's inbox), inquiries (one overdue)
and the allocation of last month's other chemicals. Deterministic; a second run adds nothing."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

DEMO_PRICE_LIST = "演示内控价格表"
PRICES = {"PE-LLDP": "8000.00", "PE-HD": "8600.00", "PP-T30S": "7800.00", "CH-BZ": "6500.00", "CH-SM": "7200.00"}
WEIGHTS = {"sales_scale": 20, "payment_credit": 20, "profit_margin": 15, "order_volume": 15, "sales_model": 10,
           "brand_share": 10, "history": 5, "reputation": 5}
FACTORS = ("f_sales_scale", "f_payment_credit", "f_profit_margin", "f_order_volume", "f_sales_model", "f_brand_share",
           "f_history", "f_reputation")


def _users():
    from kehu.core.demo import demo_org_load

    return demo_org_load().users


def _approve_all(user, subject_id: int, kind: str) -> None:
    from kehu.workflow.models import ApprovalStep, StepStatus
    from kehu.workflow.services import approval_step_decide

    for step in ApprovalStep.objects.filter(approval__object_id=subject_id, approval__kind=kind,
                                            status=StepStatus.PENDING):
        approval_step_decide(actor=user, step=step, decision="approve", comment="演示：同意")


def _grade_abcd(admin, today: date) -> str:
    """The year's scores for every graded customer (seeded), the weights, then the regrade of last year."""
    from kehu.customers.models import Customer
    from kehu.policy.fetch import GRADED_STATUSES
    from kehu.policy.models import RegradeRun
    from kehu.policy.services import admin_value_set, manual_metric_set, regrade

    period = str(today.year - 1)
    if RegradeRun.objects.filter(pack_name="abcd-scoring", period=period, status="succeeded").exists():
        return period
    for key, weight in WEIGHTS.items():
        admin_value_set(actor=admin, pack_name="abcd-scoring", key=f"abcd.weight.{key}", value=weight,
                        note="演示权重")
    for customer in Customer.objects.filter(status__in=GRADED_STATUSES).order_by("pk"):
        rng = random.Random(f"abcd-{customer.code}")  # noqa: S311 - demo data
        base = rng.randint(35, 95)
        for metric in FACTORS:
            value = max(0, min(100, base + rng.randint(-8, 8)))
            manual_metric_set(actor=admin, customer=customer, pack_name="abcd-scoring", metric=metric, value=value)
    regrade(pack_name="abcd-scoring", period=period, actor=admin, trigger="demo")
    return period


def _allocation(users, today: date) -> str:
    """Demand plans of the customers who bought other chemicals, a production plan short of demand, the run."""
    from kehu.customers.models import Customer, CustomerStatus
    from kehu.orders.services.allocation import allocation_run, production_plan_set
    from kehu.sales.models import DemandPlan, DemandPlanLine, Pickup, Product, ProductGroup

    group = ProductGroup.objects.filter(code="chemical-other").first()
    if group is None:
        return ""
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    months = [month]
    for _ in range(3):
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    products = list(Product.objects.filter(group=group).order_by("code"))
    buyers = defaultdict(Decimal)
    for cid, qty in (Pickup.objects.filter(product_group=group, picked_on__gte=months[0], picked_on__lt=today)
                     .values_list("customer_id").annotate(q=Sum("base_quantity")).values_list("customer_id", "q")
                     .order_by()):
        buyers[cid] += Decimal(str(qty))
    active = set(Customer.objects.filter(pk__in=buyers, status=CustomerStatus.ACTIVE).values_list("pk", flat=True))
    # Plans of months already past keep the submission time they had (the sales service stamps "now", which
    # would mark every past plan late); this month's demand uses the same shape.
    plans, lines = [], []
    for cid in sorted(active):
        rng = random.Random(f"plan-{cid}")  # noqa: S311 - demo data
        monthly = max(Decimal("20"), (buyers[cid] / 3).quantize(Decimal("1")))
        for m in months:
            late = rng.random() < 0.25  # 000 第十条: due before the month; a quarter of them come in late
            day = m + timedelta(days=rng.randint(0, 5)) if late else m - timedelta(days=rng.randint(3, 10))
            submitted = timezone.make_aware(datetime.combine(day, datetime.min.time()))
            plan = DemandPlan(customer_id=cid, month=m, submitted_at=submitted, is_late=late, note="演示需求计划")
            plans.append(plan)
            qty = (monthly * Decimal(rng.uniform(0.8, 1.3))).quantize(Decimal("1"))
            lines.append((plan, rng.choice(products), qty, m + timedelta(days=rng.randint(0, 20))))
    existing = set(DemandPlan.objects.filter(month__in=months, customer_id__in=active)
                   .values_list("customer_id", "month"))
    plans = [p for p in plans if (p.customer_id, p.month) not in existing]
    DemandPlan.objects.bulk_create(plans, batch_size=1000)
    saved = {(p.customer_id, p.month): p for p in plans}
    DemandPlanLine.objects.bulk_create([
        DemandPlanLine(plan=saved[(p.customer_id, p.month)], product=product, quantity=qty, unit="t",
                       pickup_on=day) for p, product, qty, day in lines if (p.customer_id, p.month) in saved
    ], batch_size=2000)
    demand = sum((qty for p, _, qty, _ in lines if p.month == month), Decimal("0"))
    if not demand:
        return ""
    production_plan_set(actor=users["jihua"], month=month, product_group=group,
                        quantity=(demand * Decimal("0.85")).quantize(Decimal("1")), note="演示：可供量约为需求的85%")
    allocation_run(actor=users["jihua"], month=month, product_group=group, replace=True)
    return f"{month:%Y-%m}"


def orders_demo_load(*, today: date) -> str:
    from kehu.customers.models import Customer
    from kehu.orders.models import PriceList
    from kehu.orders.services.credit import credit_change_request
    from kehu.orders.services.inquiries import inquiry_answer, inquiry_register
    from kehu.orders.services.orders import OrderLineInput, order_create, order_submit
    from kehu.orders.services.prices import price_list_create
    from kehu.policy.models import CurrentGrade
    from kehu.policy.services import admin_value_set, pack_activation_set
    from kehu.sales.models import Product
    from kehu.sales.selectors import outstanding_balances

    if PriceList.objects.filter(name=DEMO_PRICE_LIST).exists():
        return ""
    users = _users()
    admin, am, finance, gm = users["admin"], users["jingli1"], users["caiwu"], users["zongjingli"]
    for name in ("hb-chemicals", "abcd-scoring", "credit-abcd"):
        pack_activation_set(actor=admin, pack_name=name, active=True)
    admin_value_set(actor=admin, pack_name="abcd-scoring", key="orders.review_skip_below_yuan", value="500000",
                    note="演示：合同额50万元以下免技术评审")
    admin_value_set(actor=admin, pack_name="credit-abcd", key="credit.over_limit_gm_percent", value="20",
                    note="演示：超出授信额度20%以上报总经理")
    period = _grade_abcd(admin, today)
    price_list_create(actor=finance, name=DEMO_PRICE_LIST, valid_from=date(today.year, 1, 1), valid_to=None,
                      items=[(code, Decimal(p)) for code, p in PRICES.items() if Product.objects.filter(code=code)
                             .exists()])
    mine = Customer.objects.filter(owner=am, status="active")
    graded = dict(CurrentGrade.objects.filter(pack_name="abcd-scoring", scheme_code="abcd", customer__in=mine)
                  .values_list("customer_id", "grade"))
    a_id = min((cid for cid, g in graded.items() if g == "A"), default=None)
    d_id = min((cid for cid, g in graded.items() if g == "D"), default=None)
    if a_id is None or d_id is None:
        return ""
    pe = Product.objects.get(code="PE-LLDP")
    # A: a limit 800,000 above what it owes, approved by the credit committee (第6条, 第8条).
    owed = outstanding_balances(customer_ids=[a_id]).get(a_id, Decimal("0"))
    request = credit_change_request(actor=finance, customer_id=a_id, kind="limit",
                                    new_limit=(owed + Decimal("800000")).quantize(Decimal("1")),
                                    reason="演示：A类客户回款良好，按合同账期内销售额核定")
    _approve_all(gm, request.pk, "credit_limit")
    # D: rated D by finance and the committee — no credit at all (第6条 4.).
    request = credit_change_request(actor=finance, customer_id=d_id, kind="rating", new_rating="D",
                                    reason="演示：多次逾期，信用等级核定为D级")
    _approve_all(gm, request.pk, "credit_rating_change")
    day = today

    def order(customer_id, qty, price=None, **kw):
        o = order_create(actor=am, customer_id=customer_id, order_date=day,
                         lines=[OrderLineInput(product=pe, quantity=Decimal(qty), unit_price=price)], **kw)
        return order_submit(actor=am, order_id=o.pk)

    order(a_id, "20")  # within the limit and the cap: confirmed at once
    order(a_id, "15", Decimal("7680.00"))  # 4 % off: within A's 5 %
    over = order(a_id, "120")  # 960,000 > the limit's room: waits for 部长 (and 总经理 above 20 %), and review
    order(d_id, "10")  # D: +5 %, prepayment, strict review by the planner and 营销部
    now = timezone.now()
    inquiry_register(actor=am, customer_id=d_id, subject="聚乙烯下月报价及供货", content="请报 PE-LLDP 价格",
                               received_at=now - timedelta(hours=30))
    answered = inquiry_register(actor=am, customer_id=a_id, subject="发票邮寄地址变更函",
                                received_at=now - timedelta(hours=5))
    inquiry_answer(actor=am, inquiry_id=answered.pk, answer="已按新地址登记。")
    month = _allocation(users, today)
    a, d = Customer.objects.get(pk=a_id), Customer.objects.get(pk=d_id)
    return (f"已添加订单与信用演示：{period}年A/B/C/D分类，A类 {a.name}、D类 {d.name} 的订单，"
            f"超授信订单 {over.number} 待审批"
            f"{f'，{month} 资源分配' if month else ''} / added demo orders, credit and "
            f"{'allocation ' + month if month else 'no allocation'}")
