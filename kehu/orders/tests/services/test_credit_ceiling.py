"""003 客户信用管理制度 第6条 1.: 对A级信用较好的客户 … 授信额度不超过合同所订立账期内的销售额. Checked when finance
proposes a limit and again when the credit committee decides; B/C/D keep 第6条 2.–4."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.orders.models import CreditChangeRequest, CreditProfile
from kehu.orders.services.credit import credit_change_request
from kehu.orders.tests.conftest import give_limit, set_grade
from kehu.policy.engine import load_pack
from kehu.policy.tests.engine.support import POLICIES
from kehu.sales.models import Pickup
from kehu.workflow.models import Approval, ApprovalStatus, ApprovalStep, StepStatus
from kehu.workflow.services import approval_step_decide

D = Decimal
pytestmark = pytest.mark.django_db


def window_start():
    """The first pickup day still within A's three months today (the engine's window, tested on fixed dates)."""
    rule = load_pack(POLICIES / "credit-abcd.yaml").orders.credit_ceiling
    term = load_pack(POLICIES / "abcd-scoring.yaml").orders.term_for_grade("A")
    return rule.window(term, timezone.localdate())[0]


def pickup(customer, product, day, amount, ref):
    Pickup.objects.create(customer=customer, product=product, product_group_id=product.group_id, quantity=D("1"),
                          unit="t", base_quantity=D("1"), amount=D(amount), picked_on=day, source="test",
                          source_ref=ref)


def rate(customer, rating):
    set_grade(customer, rating, pack="credit-abcd", scheme="credit_rating")


@pytest.fixture
def a_rated(graded, catalogue):
    """Class A (交货日3个月内付款), credit rating A, 83,456.78 元 taken within the three months."""
    a = graded["A"]
    rate(a, "A")
    start = window_start()
    pickup(a, catalogue["pe"], start - timedelta(days=1), "99999.00", "OLD")  # already due today: not counted
    pickup(a, catalogue["pe"], start, "60000.00", "FIRST")  # due today: still within its term
    pickup(a, catalogue["pe"], timezone.localdate(), "23456.78", "TODAY")
    return a


def test_an_a_rated_limit_exactly_equal_to_the_sales_within_the_term_is_granted(a_rated, users):
    give_limit(a_rated, "83456.78", users)
    assert CreditProfile.objects.get(customer=a_rated).credit_limit == D("83456.78")


def test_one_cent_above_the_sales_within_the_term_is_refused_and_nothing_is_saved(a_rated, users):
    with pytest.raises(ValidationError) as exc:
        credit_change_request(actor=users["finance"], customer_id=a_rated.pk, kind="limit", new_limit="83456.79",
                              reason="回款良好")
    message = exc.value.message_dict["new_limit"][0]
    assert message.startswith("授信额度 83,456.79 元超过上限 83,456.78 元")
    assert "账期“交货日3个月内付款”" in message and f"{window_start():%Y-%m-%d} 至" in message
    assert "credit-abcd 第6条 1." in message
    assert not CreditChangeRequest.objects.exists() and not Approval.objects.filter(kind="credit_limit").exists()


def test_the_api_refuses_a_limit_above_the_ceiling_on_the_field(a_rated, users):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(users["finance"])
    response = client.post(f"/api/credit/{a_rated.pk}/requests/",
                           {"kind": "limit", "new_limit": "83456.79", "reason": "回款良好"}, format="json")
    assert response.status_code == 400
    assert "第6条 1." in response.json()["new_limit"][0]
    assert not CreditChangeRequest.objects.exists()


def test_the_committee_cannot_approve_a_limit_above_the_ceiling_when_the_customer_became_a_rated(graded, users,
                                                                                                  catalogue):
    b = graded["A"]
    rate(b, "B")  # 第6条 2.: B gets a limit finance sets, no ceiling
    pickup(b, catalogue["pe"], timezone.localdate(), "10000.00", "P1")
    request = credit_change_request(actor=users["finance"], customer_id=b.pk, kind="limit", new_limit="50000",
                                    reason="先设定一个额度")
    rate(b, "A")  # the committee decides after the rating became A: 10,000 within the term
    step = ApprovalStep.objects.get(approval__object_id=request.pk, approval__kind="credit_limit",
                                    status=StepStatus.PENDING)
    with pytest.raises(ValidationError) as exc:
        approval_step_decide(actor=users["gm"], step=step, decision="approve")
    message = exc.value.message_dict["decision"][0]
    assert "超过上限 10,000.00 元" in message and "credit-abcd 第6条 1." in message
    step.refresh_from_db()
    assert step.status == StepStatus.PENDING and step.approval.status == ApprovalStatus.PENDING
    assert not CreditProfile.objects.filter(customer=b, credit_limit__gt=0).exists()


def test_b_and_c_rated_customers_get_the_limit_finance_sets_whatever_their_sales(graded, users):
    rate(graded["A"], "B")  # 第6条 2.
    rate(graded["C"], "C")  # 第6条 3.: 少量信用额度 when finance sets one
    give_limit(graded["A"], "500000", users)
    give_limit(graded["C"], "5000", users)
    assert CreditProfile.objects.get(customer=graded["A"]).credit_limit == D("500000.00")
    assert CreditProfile.objects.get(customer=graded["C"]).credit_limit == D("5000.00")


def test_an_a_rated_customer_with_prepayment_terms_has_no_term_and_a_zero_ceiling(graded, users, catalogue):
    d = graded["D"]  # class D: 款到发货
    rate(d, "A")
    pickup(d, catalogue["pe"], timezone.localdate(), "10000.00", "P1")
    with pytest.raises(ValidationError) as exc:
        credit_change_request(actor=users["finance"], customer_id=d.pk, kind="limit", new_limit="0.01", reason="x")
    assert "没有账期" in exc.value.message_dict["new_limit"][0]
    give_limit(d, "0", users)  # a zero limit is always allowed


def test_an_a_rated_customer_without_a_class_cannot_get_a_limit_until_graded(order_packs_on, customer_factory, users,
                                                                             catalogue):
    c = customer_factory(code="NOGRADE", owner=users["am"])
    rate(c, "A")
    with pytest.raises(ValidationError) as exc:
        credit_change_request(actor=users["finance"], customer_id=c.pk, kind="limit", new_limit="100", reason="x")
    message = exc.value.message_dict["new_limit"][0]
    assert "无法确定该客户的账期" in message and "第6条 1." in message


def test_the_credit_page_shows_the_ceiling_and_how_it_was_computed(client, a_rated, users):
    give_limit(a_rated, "80000", users)
    client.force_login(users["finance"])
    page = client.get(f"/orders/credit/{a_rated.pk}/").content.decode()
    assert 'id="credit-ceiling"' in page
    assert "83,456.78" in page and "交货日3个月内付款" in page and "credit-abcd 第6条 1." in page
    assert f"{window_start():%Y-%m-%d} 至 {timezone.localdate():%Y-%m-%d}" in page
