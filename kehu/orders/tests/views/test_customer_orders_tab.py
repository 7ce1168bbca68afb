"""The archive's 订单与信用 tab: credit profile, open orders, the last orders; scope, read log, query count."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings

from kehu.customers.models import CustomerRead
from kehu.orders.models import Order, OrderStatus
from kehu.orders.selectors import ARCHIVE_TAB_RECENT_ORDERS
from kehu.orders.tests.conftest import give_limit, set_grade
from kehu.sales.models import Receivable

D = Decimal
pytestmark = pytest.mark.django_db


def order(customer, user, number, status, promised=None, amount="1000.00", day=date(2026, 11, 2)):
    return Order.objects.create(number=number, customer=customer, status=status, order_date=day, promised_on=promised,
                                total_amount=D(amount), payment_terms_name="交货日3个月内付款", created_by=user)


def tab_url(customer):
    return f"/orders/customers/{customer.pk}/"


@pytest.fixture
def a_with_orders(graded, users):
    a = graded["A"]
    give_limit(a, "50000", users)  # set while unrated; rated A afterwards (the tab shows what is stored)
    set_grade(a, "A", pack="credit-abcd", scheme="credit_rating")
    Receivable.objects.create(customer=a, invoice_no="INV-9", amount=D("1234.50"), invoiced_on=date(2026, 9, 1),
                              due_on=date(2099, 1, 1))
    order(a, users["am"], "SO-CONF", OrderStatus.CONFIRMED, promised=date(2026, 12, 20))
    order(a, users["am"], "SO-REL", OrderStatus.RELEASED, promised=date(2026, 12, 10))
    order(a, users["am"], "SO-CLOSED", OrderStatus.CLOSED, promised=date(2026, 11, 22))
    return a


def test_the_archive_page_offers_the_orders_and_credit_tab(client, a_with_orders, users):
    client.force_login(users["am"])
    page = client.get(f"/customers/{a_with_orders.pk}/").content.decode()
    assert "订单与信用" in page and f'hx-get="{tab_url(a_with_orders)}"' in page


def test_the_tab_shows_the_credit_profile_open_orders_and_the_last_orders(client, a_with_orders, users):
    client.force_login(users["am"])
    page = client.get(tab_url(a_with_orders), HTTP_HX_REQUEST="true").content.decode()
    credit = page.split('id="customer-credit"')[1].split("</dl>")[0]
    assert "50000.00" in credit and "1234.50" in credit and "交货日3个月内付款" in credit
    assert "abcd-scoring 一、4" in credit and ">A<" in credit
    open_part = page.split('id="customer-open-orders"')[1].split("</table>")[0]
    assert open_part.index("SO-REL") < open_part.index("SO-CONF")  # the earliest promised date first
    assert "2026-12-10" in open_part and "已放行" in open_part and "SO-CLOSED" not in open_part
    recent = page.split('id="customer-recent-orders"')[1]
    closed = Order.objects.get(number="SO-CLOSED")
    assert f'href="/orders/{closed.pk}/"' in recent and "已关闭" in recent


def test_opening_the_tab_is_logged_like_an_archive_read(client, a_with_orders, users):
    client.force_login(users["am"])
    client.get(tab_url(a_with_orders))
    read = CustomerRead.objects.get(customer=a_with_orders)
    assert read.user == users["am"] and read.channel == "page"


def test_a_manager_who_cannot_see_the_customer_gets_nothing_and_no_read_is_logged(client, a_with_orders, am_user2):
    client.force_login(am_user2)
    response = client.get(tab_url(a_with_orders))
    assert response.status_code == 404 and "SO-CONF" not in response.content.decode()
    assert not CustomerRead.objects.exists()


def test_a_user_who_sees_the_customer_but_not_orders_is_refused(client, a_with_orders, make_user):
    from kehu.customers.models import Customer

    staff = make_user("staff", "team1", username="staff1")  # 业务人员: reads own archives, no orders permission
    Customer.objects.filter(pk=a_with_orders.pk).update(owner=staff)
    client.force_login(staff)
    assert client.get(tab_url(a_with_orders)).status_code == 403
    assert not CustomerRead.objects.exists()
    assert "订单与信用" not in client.get(f"/customers/{a_with_orders.pk}/").content.decode()


def test_the_tab_lists_the_last_n_orders_in_a_fixed_number_of_queries(client, a_with_orders, users,
                                                                       django_assert_num_queries):
    client.force_login(users["am"])
    client.get(tab_url(a_with_orders))  # warm the packs' cache and the session
    with django_assert_num_queries(QUERIES):
        client.get(tab_url(a_with_orders))
    Order.objects.bulk_create([
        Order(number=f"SO-{n:03}", customer=a_with_orders, status=OrderStatus.CONFIRMED, order_date=date(2026, 10, 1),
              promised_on=date(2026, 12, 1), total_amount=D("10"), created_by=users["am"]) for n in range(40)])
    with django_assert_num_queries(QUERIES):
        page = client.get(tab_url(a_with_orders)).content.decode()
    recent = page.split('id="customer-recent-orders"')[1]
    assert recent.count('href="/orders/') == ARCHIVE_TAB_RECENT_ORDERS


QUERIES = 25  # session, user, customer, permissions, packs, credit facts, two order lists, read log


def test_the_tab_speaks_english_when_asked(client, a_with_orders, users):
    client.force_login(users["am"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(tab_url(a_with_orders)).content.decode()
    assert "Open orders" in page and "Promised delivery" in page and "Last 3 orders" in page
