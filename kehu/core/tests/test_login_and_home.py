from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kehu.customers.tests.factories import QualificationFactory


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_login_page_is_in_chinese(client):
    body = client.get(reverse("login")).content.decode()
    assert "用户名" in body and "密码" in body


def test_wrong_password_is_refused_with_a_chinese_message(client, am_user):
    body = client.post(reverse("login"), {"username": "am1", "password": "wrong"}).content.decode()
    assert "用户名或密码不正确" in body


def test_account_manager_logs_in_and_sees_the_customer_menu(client, am_user):
    response = client.post(reverse("login"), {"username": "am1", "password": "pw-12345678"}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200 and "工作台" in body
    assert f'href="{reverse("customers:list")}"' in body and "客户档案" in body


def test_home_shows_my_customers_by_status(client, am_user, customer_factory):
    customer_factory(owner=am_user, status="active")
    customer_factory(owner=am_user, status="active")
    customer_factory(owner=am_user, status="prospect")
    client.force_login(am_user)
    body = client.get(reverse("home")).content.decode()
    assert "我的客户" in body and "查看全部 3 个客户" in body


def test_home_warns_of_qualifications_expiring_within_30_days(client, am_user, customer_factory):
    soon = customer_factory(name="快到期公司", owner=am_user)
    later = customer_factory(name="远期公司", owner=am_user)
    QualificationFactory(customer=soon, expires_on=timezone.localdate() + timedelta(days=10))
    QualificationFactory(customer=later, expires_on=timezone.localdate() + timedelta(days=90))
    client.force_login(am_user)
    body = client.get(reverse("home")).content.decode()
    assert "快到期公司" in body and "10 天后到期" in body and "远期公司" not in body


def test_expiry_panel_obeys_scope(client, am_user, am_user2, customer_factory):
    theirs = customer_factory(name="别人的客户", owner=am_user2)
    QualificationFactory(customer=theirs, expires_on=timezone.localdate() + timedelta(days=5))
    client.force_login(am_user)
    assert "别人的客户" not in client.get(reverse("home")).content.decode()
