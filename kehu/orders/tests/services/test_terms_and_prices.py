"""Prices, terms and dates follow the customer's class, each from the pack with its article (003 一、3/4/5)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kehu.core.errors import ServiceError
from kehu.customers.models import CustomerStatus
from kehu.orders.models import Order
from kehu.orders.services.orders import order_create, order_quote
from kehu.orders.tests.conftest import PRICE, line

D = Decimal
pytestmark = pytest.mark.django_db


def quote(users, customer, catalogue, **kw):
    lines = kw.pop("lines", None) or [line(catalogue["pe"], "10", kw.pop("price", None))]
    return order_quote(actor=users["am"], customer_id=customer.pk, lines=lines, order_date=date(2026, 12, 6), **kw)


def test_a_and_d_customers_get_different_prices_terms_and_dates_with_their_articles(graded, users, catalogue):
    a, d = quote(users, graded["A"], catalogue), quote(users, graded["D"], catalogue)

    assert a.lines[0].unit_price == PRICE and d.lines[0].unit_price == D("8400.00")  # D: 内控价格基础上提价5%
    assert a.terms.payment_term.name == "交货日3个月内付款" and d.terms.payment_term.name == "款到发货"
    assert a.promised_on == date(2026, 12, 26) and d.promised_on is None  # A 20 天；D 严格审单、无交期保证
    assert a.terms.clause("price").article == "abcd-scoring 一、3"
    assert a.terms.clause("terms_grade").article == "abcd-scoring 一、4"
    assert a.terms.clause("lead_time").article == "abcd-scoring 一、5"
    assert d.terms.clause("strict_review").article == "abcd-scoring 一、5"
    assert d.terms.prepayment_required and not a.terms.prepayment_required


def test_lead_times_of_b_and_c_are_30_and_40_days(graded, users, catalogue):
    assert quote(users, graded["B"], catalogue).promised_on == date(2026, 12, 6) + timedelta(days=30)
    assert quote(users, graded["C"], catalogue).promised_on == date(2026, 12, 6) + timedelta(days=40)


def test_exactly_5_percent_off_for_an_a_customer_needs_no_approval(graded, users, catalogue):
    q = quote(users, graded["A"], catalogue, price="7600.00")  # 8000 × 0.95
    assert q.lines[0].discount_percent == D("5.0000")
    assert not q.lines[0].beyond_cap
    assert "order_discount" not in [n.kind for n in q.needs]


def test_one_cent_below_5_percent_needs_the_discount_approval(graded, users, catalogue):
    q = quote(users, graded["A"], catalogue, price="7599.99")
    assert q.lines[0].beyond_cap
    discount = [n for n in q.needs if n.kind == "order_discount"]
    assert discount and discount[0].article == "abcd-scoring 一、3"


def test_b_may_have_3_percent_and_c_not_below_the_internal_price(graded, users, catalogue):
    assert not quote(users, graded["B"], catalogue, price="7760.00").lines[0].beyond_cap
    assert quote(users, graded["B"], catalogue, price="7759.99").lines[0].beyond_cap
    assert not quote(users, graded["C"], catalogue, price="8000.00").lines[0].beyond_cap
    assert quote(users, graded["C"], catalogue, price="7999.99").lines[0].beyond_cap


def test_d_below_the_5_percent_surcharge_needs_approval(graded, users, catalogue):
    assert quote(users, graded["D"], catalogue, price="8399.99").lines[0].beyond_cap
    assert not quote(users, graded["D"], catalogue, price="8400.00").lines[0].beyond_cap


def test_zero_or_negative_quantity_is_refused_and_nothing_saved(graded, users, catalogue):
    for bad in ("0", "-3"):
        with pytest.raises(ValidationError) as exc:
            order_create(actor=users["am"], customer_id=graded["A"].pk, lines=[line(catalogue["pe"], bad)])
        assert "数量必须大于 0" in str(exc.value)
    assert Order.objects.count() == 0


def test_an_order_for_a_suspended_or_disqualified_customer_is_refused(graded, users, catalogue, customer_factory):
    for status in (CustomerStatus.SUSPENDED, CustomerStatus.DISQUALIFIED):
        c = customer_factory(owner=users["am"], status=status)
        with pytest.raises(ValidationError) as exc:
            order_create(actor=users["am"], customer_id=c.pk, lines=[line(catalogue["pe"])])
        assert "不得下单" in str(exc.value)
    assert Order.objects.count() == 0


def test_a_product_without_an_internal_price_is_refused(graded, users, catalogue):
    from kehu.sales.models import Product

    with pytest.raises(ValidationError) as exc:
        quote(users, graded["A"], catalogue, lines=[line(Product.objects.get(code="CH-BZ"))])
    assert "没有内控价格" in str(exc.value)


def test_an_ungraded_customer_cannot_order_by_grade_terms(order_packs_on, users, catalogue, customer_factory):
    c = customer_factory(owner=users["am"])
    with pytest.raises(ServiceError) as exc:
        quote(users, c, catalogue)
    assert exc.value.code == "no_grade"


def test_another_managers_customer_is_out_of_scope(graded, users, catalogue, am_user2):
    from kehu.core.errors import ScopeError

    with pytest.raises(ScopeError):
        order_quote(actor=am_user2, customer_id=graded["A"].pk, lines=[line(catalogue["pe"])])


def kinds(q) -> set[str]:
    return {n.kind for n in q.needs}


def test_rush_orders_a_free_b_needs_the_planner_c_refused(graded, users, catalogue):
    assert "rush_order" not in kinds(quote(users, graded["A"], catalogue, is_rush=True))
    assert "rush_order" in kinds(quote(users, graded["B"], catalogue, is_rush=True))
    with pytest.raises(ValidationError) as exc:
        quote(users, graded["C"], catalogue, is_rush=True)
    assert "不能插单" in str(exc.value)


def test_order_review_below_the_administrators_amount_is_skipped(graded, users, catalogue, admin_user):
    """客户订单流程管理制度 3.1.4: 合同额小于***万元且无特殊技术要求或库存直接提货的，不再进行技术评审."""
    from kehu.policy.services import admin_value_set

    assert "order_review" in kinds(quote(users, graded["C"], catalogue))  # not set yet: every order is reviewed
    admin_value_set(actor=admin_user, pack_name="abcd-scoring", key="orders.review_skip_below_yuan", value="500000")
    assert "order_review" not in kinds(quote(users, graded["C"], catalogue, lines=[line(catalogue["pe"], "62.499")]))
    assert "order_review" in kinds(quote(users, graded["C"], catalogue, lines=[line(catalogue["pe"], "62.5")]))
    assert "order_review" in kinds(quote(users, graded["C"], catalogue, special_requirements="熔指 2.0±0.1"))
    assert "order_review" not in kinds(quote(users, graded["C"], catalogue, from_stock=True))
