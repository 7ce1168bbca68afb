from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.core.errors import ForbiddenError, ScopeError, ServiceError
from kehu.customers.models import CustomerStatus
from kehu.sales.models import DemandPlan, Pickup
from kehu.sales.selectors import pickup_release_check, prepaid_balance
from kehu.sales.services import (
    PlanLineInput,
    demand_plan_submit,
    payment_record,
    pickup_record,
    receivable_create,
)

D = Decimal


@pytest.fixture
def finance(make_user):
    """A sales-department clerk with the finance permissions (department subtree scope)."""
    from django.contrib.auth.models import Permission

    user = make_user("dept_manager", "sales", username="fin")
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="sales", codename__in=["add_payment", "add_receivable", "add_pickup"]))
    return type(user).objects.get(pk=user.pk)


def test_a_finance_reviewer_with_company_wide_scope_records_a_payment(make_user, customers):
    fin = make_user("finance_reviewer", "finance", username="fin-all")
    payment_record(actor=fin, customer=customers["a"], amount="1", paid_on=date(2024, 1, 1), reference="ALL1")


def _record(actor, customer, product, amount="1000", enforce=True, ref="R1", **kw):
    return pickup_record(actor=actor, customer=customer, product=product, quantity=kw.pop("quantity", "1"),
                         unit=kw.pop("unit", "t"), amount=amount, picked_on=date(2024, 3, 1), source_ref=ref,
                         enforce_prepayment=enforce, **kw)


def test_release_is_refused_before_payment_and_allowed_once_paid_in_full(finance, catalogue, customers):
    """款到发货 (000 第二条)."""
    a = customers["a"]
    with pytest.raises(ServiceError) as exc:
        _record(finance, a, catalogue["pe"], amount="1000")
    assert "款到方可发货" in exc.value.message
    payment_record(actor=finance, customer=a, amount="999.99", paid_on=date(2024, 2, 1), reference="B1")
    assert not pickup_release_check(customer=a, amount=D("1000")).allowed
    payment_record(actor=finance, customer=a, amount="0.01", paid_on=date(2024, 2, 1), reference="B2")
    assert pickup_release_check(customer=a, amount=D("1000")).allowed
    _record(finance, a, catalogue["pe"], amount="1000")
    assert prepaid_balance(a.pk) == D("0")
    with pytest.raises(ServiceError):
        _record(finance, a, catalogue["pe"], amount="0.01", ref="R2")


def test_a_suspended_customer_may_not_pick_up(finance, catalogue, customers):
    with pytest.raises(ValidationError) as exc:
        _record(finance, customers["suspended"], catalogue["pe"], enforce=False)
    assert "customer" in exc.value.message_dict
    assert not pickup_release_check(customer=customers["suspended"], amount=D("0")).allowed
    assert Pickup.objects.count() == 0


def test_a_pickup_converts_litres_to_tons_by_density(finance, catalogue, customers):
    p = _record(finance, customers["a"], catalogue["gas92"], enforce=False, quantity="1000", unit="L")
    assert p.base_quantity == D("0.725") and p.product_group.code == "gasoline"


def test_a_unit_the_product_cannot_convert_is_refused(finance, catalogue, customers):
    with pytest.raises(ValidationError) as exc:
        _record(finance, customers["a"], catalogue["pe"], enforce=False, unit="袋")
    assert "unit" in exc.value.message_dict


def test_the_same_reference_twice_is_refused(finance, catalogue, customers):
    _record(finance, customers["a"], catalogue["pe"], enforce=False)
    with pytest.raises(ValidationError) as exc:
        _record(finance, customers["a"], catalogue["pe"], enforce=False)
    assert "source_ref" in exc.value.message_dict


def test_an_account_manager_cannot_record_pickups(am_user, catalogue, customers):
    with pytest.raises(ForbiddenError):
        _record(am_user, customers["a"], catalogue["pe"], enforce=False)


def test_payments_outside_scope_are_refused(make_user, catalogue, customers):
    clerk = make_user("dept_manager", "team2")
    clerk.user_permissions.add(*__import__("django.contrib.auth.models", fromlist=["Permission"]).Permission.objects
                               .filter(codename="add_payment"))
    clerk = type(clerk).objects.get(pk=clerk.pk)
    with pytest.raises(ScopeError):
        payment_record(actor=clerk, customer=customers["a"], amount="1", paid_on=date(2024, 1, 1), reference="X")


def test_payment_beyond_the_invoice_is_refused(finance, customers):
    inv = receivable_create(actor=finance, customer=customers["a"], invoice_no="F1", amount="100",
                            invoiced_on=date(2024, 1, 1), due_on=date(2024, 2, 1))
    with pytest.raises(ValidationError) as exc:
        payment_record(actor=finance, customer=customers["a"], amount="100.01", paid_on=date(2024, 1, 5),
                       reference="B1", receivable=inv)
    assert "amount" in exc.value.message_dict


def test_due_date_before_invoice_date_is_refused(finance, customers):
    with pytest.raises(ValidationError):
        receivable_create(actor=finance, customer=customers["a"], invoice_no="F1", amount="100",
                          invoiced_on=date(2024, 2, 2), due_on=date(2024, 2, 1))


def _plan(actor, customer, product, month, day=5):
    return demand_plan_submit(actor=actor, customer=customer, month=month, lines=[
        PlanLineInput(product=product, quantity=D("500"), unit="t", pickup_on=month.replace(day=day))])


def test_a_plan_submitted_before_the_month_is_on_time_and_on_the_first_day_is_late(am_user, catalogue, customers):
    """000 第十条: next month's plan is due before the month starts."""
    today = timezone.localdate()
    next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    plan = _plan(am_user, customers["a"], catalogue["pe"], next_month)
    assert not plan.is_late
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + (next_month - today)):
        late = _plan(am_user, customers["a"], catalogue["pe"], next_month)
    assert late.is_late and DemandPlan.objects.count() == 1 and late.lines.count() == 1


def test_a_plan_line_outside_the_month_is_refused(am_user, catalogue, customers):
    month = date(2030, 5, 1)
    with pytest.raises(ValidationError) as exc:
        demand_plan_submit(actor=am_user, customer=customers["a"], month=month, lines=[
            PlanLineInput(product=catalogue["pe"], quantity=D("1"), unit="t", pickup_on=date(2030, 6, 1))])
    assert "lines" in exc.value.message_dict


def test_a_plan_for_a_suspended_customer_is_refused(am_user, catalogue, customers):
    customers["a"].status = CustomerStatus.SUSPENDED
    customers["a"].save()
    with pytest.raises(ValidationError):
        _plan(am_user, customers["a"], catalogue["pe"], date(2030, 5, 1))
