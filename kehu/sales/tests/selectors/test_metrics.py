from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.sales.models import Payment, Pickup, Receivable
from kehu.sales.selectors import late_payment_counts, monthly_volume, outstanding_balances, pickup_totals
from kehu.sales.services import receivables_refresh

D = Decimal


def _pickup(customer, product, qty, day, ref, amount="100", unit=None):
    base = product.to_base(D(qty), unit or product.base_unit)
    return Pickup.objects.create(customer=customer, product=product, product_group_id=product.group_id,
                                 quantity=D(qty), unit=unit or product.base_unit, base_quantity=base,
                                 amount=D(amount), picked_on=day, source="t", source_ref=ref)


def test_pickup_totals_sums_tonnage_per_customer_within_the_period_inclusive(catalogue, customers,
                                                                             django_assert_num_queries):
    a, b = customers["a"], customers["b"]
    _pickup(a, catalogue["pe"], "600", date(2024, 3, 1), "1")
    _pickup(a, catalogue["pe"], "400", date(2024, 3, 31), "2")
    _pickup(a, catalogue["pe"], "999", date(2024, 4, 1), "3")
    _pickup(a, catalogue["pe"], "999", date(2024, 2, 29), "4")
    _pickup(b, catalogue["gas92"], "2000", date(2024, 3, 10), "5", unit="L")
    with django_assert_num_queries(1):
        totals = pickup_totals(date(2024, 3, 1), date(2024, 3, 31), catalogue["poly"])
    assert totals == {a.pk: D("1000.000")}
    assert pickup_totals(date(2024, 3, 1), date(2024, 3, 31), "gasoline") == {b.pk: D("1.450")}


def test_pickup_totals_in_yuan_sums_amounts_for_the_fuel_card(catalogue, customers):
    a = customers["a"]
    _pickup(a, catalogue["card_product"], "5000", date(2024, 5, 1), "1", amount="5000")
    _pickup(a, catalogue["pe"], "1", date(2024, 5, 1), "2", amount="8000")
    assert pickup_totals(date(2024, 1, 1), date(2024, 12, 31), "fuel-card", unit="元") == {a.pk: D("5000.00")}


def test_pickup_totals_without_a_group_only_adds_products_measured_in_that_unit(catalogue, customers):
    a = customers["a"]
    _pickup(a, catalogue["pe"], "3", date(2024, 5, 1), "1")
    _pickup(a, catalogue["card_product"], "5000", date(2024, 5, 1), "2", amount="5000")
    assert pickup_totals(date(2024, 5, 1), date(2024, 5, 31)) == {a.pk: D("3.000")}


def _invoice(customer, no, due, amount="1000"):
    return Receivable.objects.create(customer=customer, invoice_no=no, amount=D(amount), invoiced_on=date(2024, 1, 1),
                                     due_on=due)


def _pay(inv, day, amount, ref):
    Payment.objects.create(customer=inv.customer, receivable=inv, amount=D(amount), paid_on=day, reference=ref)
    receivables_refresh([inv.pk])


def test_late_payments_count_in_the_quarter_of_the_due_date(catalogue, customers, django_assert_num_queries):
    a = customers["a"]
    on_time = _invoice(a, "I1", date(2024, 3, 31))
    _pay(on_time, date(2024, 3, 31), "1000", "P1")  # paid on the due date: not late
    late_q1 = _invoice(a, "I2", date(2024, 3, 31))
    _pay(late_q1, date(2024, 4, 1), "1000", "P2")  # one day late, due in Q1: counts in Q1
    late_q2 = _invoice(a, "I3", date(2024, 4, 1))
    _pay(late_q2, date(2024, 4, 2), "1000", "P3")
    with django_assert_num_queries(1):
        q1 = late_payment_counts(date(2024, 1, 1), date(2024, 3, 31), as_of=date(2024, 12, 31))
    assert q1 == {a.pk: 1}
    assert late_payment_counts(date(2024, 4, 1), date(2024, 6, 30), as_of=date(2024, 12, 31)) == {a.pk: 1}


def test_a_partial_payment_is_late_until_the_rest_arrives(catalogue, customers):
    a = customers["a"]
    inv = _invoice(a, "I1", date(2024, 2, 10))
    _pay(inv, date(2024, 2, 1), "600", "P1")
    assert late_payment_counts(date(2024, 1, 1), date(2024, 3, 31), as_of=date(2024, 2, 10)) == {}
    assert late_payment_counts(date(2024, 1, 1), date(2024, 3, 31), as_of=date(2024, 2, 11)) == {a.pk: 1}
    _pay(inv, date(2024, 2, 15), "400", "P2")
    inv.refresh_from_db()
    assert inv.settled_on == date(2024, 2, 15) and inv.paid_amount == D("1000")
    assert late_payment_counts(date(2024, 1, 1), date(2024, 3, 31), as_of=date(2024, 12, 31)) == {a.pk: 1}


def test_two_late_invoices_in_a_quarter_are_counted_as_two(catalogue, customers):
    a = customers["a"]
    for i, day in enumerate((date(2024, 7, 1), date(2024, 9, 30)), start=1):
        inv = _invoice(a, f"I{i}", day)
        _pay(inv, date(2024, 10, 15), "1000", f"P{i}")
    assert late_payment_counts(date(2024, 7, 1), date(2024, 9, 30), as_of=date(2024, 12, 31)) == {a.pk: 2}


def test_outstanding_balance_is_the_unpaid_part_of_open_invoices(catalogue, customers):
    a = customers["a"]
    inv = _invoice(a, "I1", date(2024, 2, 10), amount="1000")
    _invoice(a, "I2", date(2024, 2, 10), amount="250.50")
    _pay(inv, date(2024, 2, 1), "600", "P1")
    assert outstanding_balances() == {a.pk: D("650.50")}


def test_monthly_volume_has_every_month_with_zeros(catalogue, customers, django_assert_num_queries):
    a = customers["a"]
    today = timezone.localdate()
    _pickup(a, catalogue["pe"], "12.5", today, "1", amount="1000")
    with django_assert_num_queries(1):
        mv = monthly_volume(a, months=6)
    assert len(mv.months) == 6
    assert mv.months[-1]["groups"] == {"聚烯烃": D("12.500")} and mv.months[-1]["amount"] == D("1000.00")
    assert mv.months[0]["groups"] == {"聚烯烃": D("0")}
    assert mv.groups == {"聚烯烃": "t"}


@pytest.mark.parametrize("n_customers", [3, 30])
def test_pickup_totals_is_one_query_whatever_the_number_of_customers(catalogue, customer_factory, am_user, n_customers,
                                                                    django_assert_num_queries):
    for i in range(n_customers):
        c = customer_factory(owner=am_user)
        _pickup(c, catalogue["pe"], "1", date(2024, 1, 5), f"R{i}")
    with django_assert_num_queries(1):
        assert len(pickup_totals(date(2024, 1, 1), date(2024, 1, 31), catalogue["poly"].pk)) == n_customers
