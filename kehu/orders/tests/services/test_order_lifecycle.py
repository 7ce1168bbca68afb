"""draft → confirmed → released → delivered → closed, approvals on the way, a release writing the pickup."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kehu.core.errors import ServiceError
from kehu.orders.models import Order, OrderStatus
from kehu.orders.services.orders import (
    order_cancel,
    order_close,
    order_create,
    order_deliver,
    order_release,
    order_submit,
)
from kehu.orders.tests.conftest import give_limit, line
from kehu.policy.models import AdminValue
from kehu.sales.models import Payment, Pickup, Receivable
from kehu.workflow.models import ApprovalStep, StepStatus
from kehu.workflow.selectors import steps_waiting_for
from kehu.workflow.services import approval_step_decide

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def no_review(db):
    AdminValue.objects.create(pack_name="abcd-scoring", key="orders.review_skip_below_yuan", value=D("1000000"))


def enter(users, customer, catalogue, qty="10", **kw):
    return order_create(actor=users["am"], customer_id=customer.pk, lines=[line(catalogue["pe"], qty, kw.pop("price",
                        None))], order_date=date(2026, 12, 6), **kw)


def decide_all(user, order, decision="approve"):
    for step in steps_waiting_for(user).filter(approval__object_id=order.pk):
        comment = "不同意" if decision != "approve" else ""
        approval_step_decide(actor=user, step=step, decision=decision, comment=comment)


def test_an_order_within_limit_and_cap_is_confirmed_at_once(graded, users, catalogue, no_review):
    give_limit(graded["A"], "500000", users)
    order = order_submit(actor=users["am"], order_id=enter(users, graded["A"], catalogue).pk)
    assert order.status == OrderStatus.CONFIRMED
    assert [t.to_status for t in order.transitions.all()] == ["draft", "confirmed"]
    assert order.history.count() >= 2


def test_an_over_limit_order_waits_in_the_department_heads_inbox_then_is_confirmed(graded, users, catalogue,
                                                                                    no_review):
    give_limit(graded["A"], "50000", users)
    AdminValue.objects.create(pack_name="credit-abcd", key="credit.over_limit_gm_percent", value=D("100"))
    order = order_submit(actor=users["am"], order_id=enter(users, graded["A"], catalogue).pk)  # 80,000 > 50,000
    assert order.status == OrderStatus.DRAFT and order.submitted_at
    waiting = list(steps_waiting_for(users["manager"]))
    assert [s.approval.kind for s in waiting] == ["credit_over_limit"]
    steps = ApprovalStep.objects.filter(approval=waiting[0].approval).order_by("order")
    assert [s.role_code for s in steps] == ["dept_manager"]  # 60 % over, within the 100 % margin: 部长 only
    decide_all(users["manager"], order)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CONFIRMED


def test_far_over_the_limit_also_goes_to_the_general_manager(graded, users, catalogue, no_review):
    give_limit(graded["A"], "50000", users)
    AdminValue.objects.create(pack_name="credit-abcd", key="credit.over_limit_gm_percent", value=D("20"))
    order = order_submit(actor=users["am"], order_id=enter(users, graded["A"], catalogue).pk)
    step = ApprovalStep.objects.filter(approval__object_id=order.pk, approval__kind="credit_over_limit")
    assert list(step.order_by("order").values_list("role_code", flat=True)) == ["dept_manager", "general_manager"]
    decide_all(users["manager"], order)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DRAFT
    decide_all(users["gm"], order)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CONFIRMED


def test_a_discount_beyond_the_cap_blocks_confirmation_until_approved_and_a_rejection_returns_it(
        graded, users, catalogue, no_review):
    give_limit(graded["A"], "500000", users)
    order = order_submit(actor=users["am"], order_id=enter(users, graded["A"], catalogue, price="7500.00").pk)
    assert order.status == OrderStatus.DRAFT
    decide_all(users["marketing"], order, "reject")
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT and order.submitted_at is None
    with pytest.raises(ServiceError):
        order_release(actor=users["warehouse"], order_id=order.pk)


def test_d_orders_go_through_strict_review(graded, users, catalogue, no_review):
    order = order_submit(actor=users["am"], order_id=enter(users, graded["D"], catalogue).pk)
    assert [n["kind"] for n in order.needs] == ["order_strict_review"]
    decide_all(users["planner"], order)
    decide_all(users["marketing"], order)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CONFIRMED


def test_release_writes_the_pickup_and_a_credit_receivable_due_three_months_after(graded, users, catalogue,
                                                                                   no_review):
    give_limit(graded["A"], "500000", users)
    order = order_submit(actor=users["am"], order_id=enter(users, graded["A"], catalogue).pk)
    order_release(actor=users["warehouse"], order_id=order.pk, picked_on=date(2026, 12, 6))
    pickup = Pickup.objects.get(source="order")
    assert (pickup.customer_id, pickup.base_quantity, pickup.amount) == (graded["A"].pk, D("10.000"), D("80000.00"))
    assert pickup.source_ref == f"{order.number}-1"
    receivable = Receivable.objects.get(invoice_no=order.number)
    assert receivable.due_on == date(2027, 3, 6)  # 交货日3个月内
    order_deliver(actor=users["warehouse"], order_id=order.pk, delivered_on=date(2026, 12, 6))
    order = order_close(actor=users["warehouse"], order_id=order.pk)
    assert [t.to_status for t in order.transitions.all()] == ["draft", "confirmed", "released", "delivered", "closed"]


def test_hb_chemicals_refuses_release_until_fully_paid_whatever_the_grade(hb_on, graded, users, catalogue,
                                                                          no_review):
    give_limit(graded["A"], "500000", users)
    order = order_submit(actor=users["am"], order_id=enter(users, graded["A"], catalogue).pk)
    assert order.prepayment_required
    Payment.objects.create(customer=graded["A"], amount=D("79999.99"), paid_on=date(2026, 12, 1), reference="PRE-1")
    with pytest.raises(ServiceError) as exc:
        order_release(actor=users["warehouse"], order_id=order.pk)
    assert exc.value.code == "prepayment_required" and "第二条" in exc.value.message
    assert not Pickup.objects.exists()
    Payment.objects.create(customer=graded["A"], amount=D("0.01"), paid_on=date(2026, 12, 2), reference="PRE-2")
    order_release(actor=users["warehouse"], order_id=order.pk)
    assert Pickup.objects.filter(source="order").count() == 1
    assert not Receivable.objects.filter(invoice_no=order.number).exists()  # paid before release: nothing owed


def test_only_a_releasing_role_may_release(graded, users, catalogue, no_review):
    from kehu.core.errors import ForbiddenError

    give_limit(graded["A"], "500000", users)
    order = order_submit(actor=users["am"], order_id=enter(users, graded["A"], catalogue).pk)
    with pytest.raises(ForbiddenError):
        order_release(actor=users["am"], order_id=order.pk)


def test_cancel_needs_a_reason_and_withdraws_open_approvals(graded, users, catalogue, no_review):
    order = enter(users, graded["A"], catalogue)
    order_submit(actor=users["am"], order_id=order.pk)  # over the zero limit: waits for approval
    with pytest.raises(ValidationError):
        order_cancel(actor=users["am"], order_id=order.pk, reason=" ")
    order_cancel(actor=users["am"], order_id=order.pk, reason="客户取消采购")
    assert not steps_waiting_for(users["manager"]).exists()
    assert ApprovalStep.objects.filter(approval__object_id=order.pk, status=StepStatus.PENDING).count() == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_entering_an_order_takes_the_same_queries_whatever_the_history(graded, users, catalogue, no_review,
                                                                       django_assert_num_queries):
    from kehu.policy.selectors import pack_get

    for name in ("abcd-scoring", "credit-abcd", "hb-chemicals"):
        pack_get(name)  # parsed once per file version, as in a running server
    enter(users, graded["B"], catalogue)

    def count(customer):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            order = enter(users, customer, catalogue)
            order_submit(actor=users["am"], order_id=order.pk)
        return len(ctx.captured_queries)

    fresh = count(graded["C"])
    for n in range(30):  # history: receivables, orders, grades
        Receivable.objects.create(customer=graded["B"], invoice_no=f"H{n}", amount=D("10"),
                                  invoiced_on=date(2026, 9, 1), due_on=date(2026, 11, 1),
                                  settled_on=date(2026, 10, 1), paid_amount=D("10"))
        enter(users, graded["B"], catalogue)
    assert count(graded["B"]) == fresh


def test_order_entry_query_count_is_pinned(graded, users, catalogue, no_review, django_assert_num_queries):
    from kehu.policy.selectors import pack_get

    for name in ("abcd-scoring", "credit-abcd", "hb-chemicals"):
        pack_get(name)
    give_limit(graded["A"], "500000", users)
    with django_assert_num_queries(23):
        order = enter(users, graded["A"], catalogue)
    with django_assert_num_queries(20):
        order_submit(actor=users["am"], order_id=order.pk)
