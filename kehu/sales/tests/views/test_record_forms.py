"""Web forms for one pickup and one payment, through the services; field errors in Chinese."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.sales.models import Payment, Pickup, Receivable


@pytest.fixture
def finance(make_user):
    return make_user("finance_reviewer", "finance", username="fin")


def _pickup_data(catalogue, **kw):
    data = {"customer_code": "C001", "product": catalogue["pe"].pk, "quantity": "12.5", "unit": "t",
            "amount": "100000", "picked_on": timezone.localdate().isoformat(), "warehouse": "", "source_ref": "M-1"}
    data.update(kw)
    return data


def test_a_pickup_recorded_in_the_form_appears_in_the_list(client, finance, catalogue, customers):
    client.force_login(finance)
    resp = client.post(reverse("sales:pickup_create"), _pickup_data(catalogue), follow=True)
    assert Pickup.objects.get().base_quantity == Decimal("12.500")
    assert "M-1" in resp.content.decode() and "已录入提货记录" in resp.content.decode()


def test_a_suspended_customer_is_refused_beside_the_customer_field(client, finance, catalogue, customers):
    client.force_login(finance)
    html = client.post(reverse("sales:pickup_create"), _pickup_data(catalogue, customer_code="C003")).content.decode()
    assert "暂停或取消资格的客户不得交易" in html and "is-invalid" in html
    assert Pickup.objects.count() == 0


def test_an_unknown_customer_code_is_a_field_error(client, finance, catalogue, customers):
    client.force_login(finance)
    html = client.post(reverse("sales:pickup_create"), _pickup_data(catalogue, customer_code="NOPE")).content.decode()
    assert "客户编码不存在" in html


def test_a_unit_the_product_cannot_use_is_a_field_error(client, finance, catalogue, customers):
    client.force_login(finance)
    html = client.post(reverse("sales:pickup_create"), _pickup_data(catalogue, unit="L")).content.decode()
    assert "不能按“L”计量" in html


def test_an_account_manager_cannot_open_the_pickup_form(client, am_user):
    client.force_login(am_user)
    assert client.get(reverse("sales:pickup_create")).status_code == 403


def test_a_payment_against_an_invoice_settles_it(client, finance, customers):
    Receivable.objects.create(customer=customers["a"], invoice_no="FP1", amount=Decimal("100"),
                              invoiced_on="2024-03-01", due_on="2024-03-31")
    client.force_login(finance)
    resp = client.post(reverse("sales:payment_create"), {
        "customer_code": "C001", "amount": "100", "paid_on": "2024-03-20", "reference": "YH1", "invoice_no": "FP1",
        "method": "银行转账"})
    assert resp.status_code == 302
    assert Receivable.objects.get().settled_on.isoformat() == "2024-03-20"
    assert Payment.objects.get().reference == "YH1"


def test_an_overpayment_is_refused_beside_the_amount(client, finance, customers):
    Receivable.objects.create(customer=customers["a"], invoice_no="FP1", amount=Decimal("100"),
                              invoiced_on="2024-03-01", due_on="2024-03-31")
    client.force_login(finance)
    html = client.post(reverse("sales:payment_create"), {
        "customer_code": "C001", "amount": "150", "paid_on": "2024-03-20", "reference": "YH1",
        "invoice_no": "FP1"}).content.decode()
    assert "超过发票未收金额 100.00 元" in html and Payment.objects.count() == 0


def test_an_invoice_of_another_customer_is_a_field_error(client, finance, customers):
    Receivable.objects.create(customer=customers["b"], invoice_no="FP1", amount=Decimal("100"),
                              invoiced_on="2024-03-01", due_on="2024-03-31")
    client.force_login(finance)
    html = client.post(reverse("sales:payment_create"), {
        "customer_code": "C001", "amount": "10", "paid_on": "2024-03-20", "reference": "YH1",
        "invoice_no": "FP1"}).content.decode()
    assert "该客户名下没有这个发票号" in html
