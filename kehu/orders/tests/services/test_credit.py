"""Credit (003 客户信用管理制度 第6–8条) and the late-payment step-down (客户分级管理制度 一、4)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kehu.orders.models import CreditEvent, CreditProfile
from kehu.orders.selectors import terms_for_customer
from kehu.orders.services.credit import credit_change_request, credit_terms_check
from kehu.orders.services.orders import order_quote
from kehu.orders.tests.conftest import give_limit, line, set_grade
from kehu.sales.models import Receivable
from kehu.workflow.models import Approval, ApprovalStatus, Notification

D = Decimal
pytestmark = pytest.mark.django_db


def invoice(customer, no, due, settled=None, amount="1000.00"):
    return Receivable.objects.create(customer=customer, invoice_no=no, amount=D(amount), invoiced_on=date(2026, 9, 1),
                                     due_on=due, settled_on=settled, paid_amount=D(amount) if settled else D("0"))


def test_finance_sets_a_limit_that_applies_after_the_credit_committee_approves(graded, users):
    request = give_limit(graded["A"], "100000", users)
    profile = CreditProfile.objects.get(customer=graded["A"])
    assert profile.credit_limit == D("100000.00")
    approval = Approval.objects.get(kind="credit_limit", object_id=request.pk)
    assert approval.status == ApprovalStatus.APPROVED
    assert [s.role_code for s in approval.steps.all()] == ["general_manager"]  # 财务部提出 = the submission
    event = CreditEvent.objects.get(profile=profile, kind="limit")
    assert event.article == "credit-abcd 第6条" and event.new_value == "100,000.00"


def test_only_finance_proposes_credit_changes(graded, users):
    from kehu.core.errors import ForbiddenError

    with pytest.raises(ForbiddenError):
        credit_change_request(actor=users["am"], customer_id=graded["A"].pk, kind="limit", new_limit="1", reason="x")


def test_a_d_rated_customer_gets_no_credit_limit(graded, users):
    set_grade(graded["B"], "D", pack="credit-abcd", scheme="credit_rating")
    with pytest.raises(ValidationError) as exc:
        credit_change_request(actor=users["finance"], customer_id=graded["B"].pk, kind="limit", new_limit="5000",
                              reason="申请少量额度")
    assert "不给予任何信用交易" in str(exc.value) and "第6条" in str(exc.value)
    terms = terms_for_customer(customer=graded["B"])
    assert terms.no_credit and terms.payment_term.prepayment  # D 信用: 先款后货 whatever the class's terms
    assert terms.clause("no_credit").article == "credit-abcd 第6条"


def test_a_c_customer_has_credit_only_when_finance_set_a_small_limit(graded, users, catalogue):
    def over(customer):
        q = order_quote(actor=users["am"], customer_id=customer.pk, lines=[line(catalogue["pe"], "1")])
        return "credit_over_limit" in {n.kind for n in q.needs}

    assert over(graded["C"])  # 现款现货: without a limit even cash-on-delivery is over the (zero) limit
    give_limit(graded["C"], "10000", users)
    assert not over(graded["C"])


def test_exactly_the_credit_limit_needs_no_approval_one_cent_more_does(graded, users, catalogue):
    give_limit(graded["A"], "80000", users)
    at_limit = order_quote(actor=users["am"], customer_id=graded["A"].pk, lines=[line(catalogue["pe"], "10")])
    assert at_limit.total == D("80000.00")
    assert "credit_over_limit" not in {n.kind for n in at_limit.needs}
    invoice(graded["A"], "INV-1", date(2027, 1, 31), amount="0.01")
    over = order_quote(actor=users["am"], customer_id=graded["A"].pk, lines=[line(catalogue["pe"], "10")])
    need = next(n for n in over.needs if n.kind == "credit_over_limit")
    assert need.article == "credit-abcd 第7条"
    assert "80,000.01" in need.reason


def test_two_late_payments_in_one_quarter_lower_the_terms_one_step_with_history_and_notice(graded, users):
    a = graded["A"]
    invoice(a, "L1", date(2026, 10, 10), settled=date(2026, 10, 20))  # paid late
    assert credit_terms_check(as_of=date(2026, 12, 6)) == 0  # one late payment: nothing
    invoice(a, "L2", date(2026, 11, 5))  # unpaid past due: late too
    assert credit_terms_check(as_of=date(2026, 12, 6)) == 1
    assert credit_terms_check(as_of=date(2026, 12, 6)) == 0  # the same quarter lowers once
    terms = terms_for_customer(customer=a, as_of=date(2026, 12, 6))
    assert terms.base_term.name == "交货日3个月内付款"
    assert terms.payment_term.name == "货到付款或远期30日内付款"  # one step down: B's terms
    assert terms.clause("terms_down").article == "abcd-scoring 一、4"
    event = CreditEvent.objects.get(profile__customer=a, kind="terms_down")
    assert event.quarter == "2026Q4" and event.article == "abcd-scoring 一、4" and "2 次" in event.reason
    assert Notification.objects.filter(user=users["am"], kind="credit_terms_down").exists()
    assert CreditProfile.history.filter(customer_id=a.pk, terms_steps_down=1).exists()


def test_late_payments_in_different_quarters_do_not_add_up(graded):
    a = graded["A"]
    invoice(a, "Q3", date(2026, 9, 20), settled=date(2026, 10, 2))
    invoice(a, "Q4", date(2026, 10, 5), settled=date(2026, 10, 9))
    assert credit_terms_check(as_of=date(2026, 12, 6)) == 0


def test_recording_a_late_payment_lowers_the_terms_at_once(graded, users, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Permission

    from kehu.sales.services import payment_record

    a = graded["A"]
    invoice(a, "P1", date(2026, 10, 10), settled=date(2026, 10, 30))
    inv = invoice(a, "P2", date(2026, 11, 10))
    users["finance"].user_permissions.add(Permission.objects.get(codename="add_payment"))
    with django_capture_on_commit_callbacks(execute=True):
        payment_record(actor=users["finance"], customer=a, amount="1000.00", paid_on=date(2026, 12, 1),
                       reference="BANK-1", receivable=inv)
    assert CreditProfile.objects.get(customer=a).terms_steps_down == 1
