import pytest
from django.urls import reverse

from kehu.service.models import Complaint


@pytest.fixture
def am_client(client, am_user):
    client.force_login(am_user)
    return client


def test_complaint_form_without_customer_or_type_shows_field_errors(am_client):
    response = am_client.post(reverse("service:complaint_create"), {
        "customer": "", "complaint_type": "", "severity": "general", "channel": "phone", "description": "漏包"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "请选择投诉的客户" in body and "请选择投诉类型" in body
    assert not Complaint.objects.exists()


def test_complaint_registered_from_the_form_opens_its_page(am_client, customer):
    response = am_client.post(reverse("service:complaint_create"), {
        "customer": customer.code, "complaint_type": "quality", "severity": "general", "channel": "phone",
        "description": "颗粒有黑点"}, follow=True)
    assert response.status_code == 200
    c = Complaint.objects.get()
    assert c.code in response.content.decode()


def test_resolve_without_solution_shows_the_field_error(am_client, am_user, customer):
    from kehu.service.services import complaint_register

    c = complaint_register(actor=am_user, customer_id=customer.pk, complaint_type="quality", description="x")
    response = am_client.post(reverse("service:complaint_action", args=[c.pk, "resolve"]),
                              {"resolve-responsibility": "ours", "resolve-solution": ""})
    assert response.status_code == 400
    assert "请填写处理意见或解决方案" in response.content.decode()


def test_complaint_list_and_dashboard_render(am_client, am_user, customer):
    from kehu.service.services import complaint_register

    complaint_register(actor=am_user, customer_id=customer.pk, complaint_type="quality", description="x")
    assert am_client.get(reverse("service:complaint_list") + "?view=open").status_code == 200
    home = am_client.get(reverse("home"))
    assert "客户投诉" in home.content.decode()


def test_other_account_manager_gets_404_for_a_complaint_outside_scope(client, am_user, am_user2, customer):
    from kehu.service.services import complaint_register

    c = complaint_register(actor=am_user, customer_id=customer.pk, complaint_type="quality", description="x")
    client.force_login(am_user2)
    assert client.get(reverse("service:complaint_detail", args=[c.pk])).status_code == 404
