"""Fixtures: the packs that govern orders switched on, a catalogue with an internal price list, graded customers,
and a user for each role the orders regulations name."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

D = Decimal
PRICE = D("8000.00")


@pytest.fixture
def order_packs_on(db):
    """abcd-scoring (grades' terms) and credit-abcd (credit rules) applied; hb-chemicals (款到发货) not."""
    from kehu.policy.models import PackActivation

    for name in ("abcd-scoring", "credit-abcd"):
        PackActivation.objects.update_or_create(pack_name=name, defaults={"is_active": True})
    PackActivation.objects.update_or_create(pack_name="hb-chemicals", defaults={"is_active": False})


@pytest.fixture
def hb_on(order_packs_on):
    from kehu.policy.models import PackActivation

    PackActivation.objects.update_or_create(pack_name="hb-chemicals", defaults={"is_active": True})


@pytest.fixture
def users(make_user, manager_user, am_user):
    return {
        "am": am_user,
        "manager": manager_user,
        "gm": make_user("general_manager", "company", username="gm", display_name="赵总"),
        "finance": make_user("finance_reviewer", "finance", username="fin", display_name="孙会计"),
        "marketing": make_user("marketing_head", "marketing", username="mkt", display_name="李主任"),
        "planner": make_user("planner", "company", username="planner", display_name="计划员"),
        "warehouse": make_user("sales_reviewer", "sales", username="clerk", display_name="销售部"),
    }


@pytest.fixture
def catalogue(db, users):
    from kehu.orders.services.prices import price_list_create
    from kehu.sales.models import Product
    from kehu.sales.services import product_catalogue_bootstrap

    product_catalogue_bootstrap()
    price_list_create(actor=users["finance"], name="2026年内控价格", valid_from=date(2026, 1, 1),
                      valid_to=date(2027, 12, 31), items=[("PE-LLDP", PRICE), ("PE-HD", D("9000.00"))])
    return {"pe": Product.objects.get(code="PE-LLDP"), "hd": Product.objects.get(code="PE-HD")}


def set_grade(customer, grade: str, *, score: str | None = None, pack: str = "abcd-scoring", scheme: str = "abcd",
              period: str = "2025") -> None:
    """The grade a regrade would have stored (the regrade itself is tested in kehu/policy); the current grade is
    the policy app's view over this history."""
    from kehu.policy.models import GradeAssignment

    now = timezone.now()
    GradeAssignment.objects.update_or_create(
        customer=customer, pack_name=pack, scheme_code=scheme, period=period,
        defaults={"grade": grade, "metrics": {"score": score} if score else {}, "rule": "distribution",
                  "pack_version": "test", "computed_at": now})


@pytest.fixture
def graded(order_packs_on, customer_factory, users, catalogue):
    """One active customer per class A–D, all owned by the account manager."""
    out = {}
    for n, (grade, score) in enumerate((("A", "92"), ("B", "80"), ("C", "60"), ("D", "30")), start=1):
        c = customer_factory(code=f"G{grade}", name=f"{grade}类客户{n}有限公司", owner=users["am"])
        set_grade(c, grade, score=score)
        out[grade] = c
    return out


def line(product, quantity="10", unit_price=None):
    from kehu.orders.services.orders import OrderLineInput

    return OrderLineInput(product=product, quantity=quantity, unit_price=unit_price)


def give_limit(customer, amount, users):
    """A limit set through finance's request and the credit committee's approval (第6条, 第8条)."""
    from kehu.orders.services.credit import credit_change_request
    from kehu.workflow.models import ApprovalStep, StepStatus
    from kehu.workflow.services import approval_step_decide

    request = credit_change_request(actor=users["finance"], customer_id=customer.pk, kind="limit",
                                    new_limit=amount, reason="核查回款良好")
    for step in ApprovalStep.objects.filter(approval__object_id=request.pk, approval__kind="credit_limit",
                                            status=StepStatus.PENDING):
        approval_step_decide(actor=users["gm"], step=step, decision="approve")
    return request
