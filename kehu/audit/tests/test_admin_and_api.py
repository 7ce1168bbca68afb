"""No UI or API edits or deletes an audit record: the Django admin is read-only for every audit model (no change,
no delete, no bulk delete), customers and users — whose deletion would erase or anonymise audit rows — cannot be
deleted there, and the API's history and read-log endpoints are read-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from kehu.audit.retention import audit_models, audit_parents
from kehu.customers.models import Customer, CustomerRead
from kehu.customers.services import customer_read_record, customer_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(am_user, customer_factory):
    customer = customer_factory(owner=am_user)
    customer_update(actor=am_user, customer=customer, expected_version=1, address="济南", reason="地址")
    customer_read_record(customer=customer, actor=am_user, channel="page")
    return customer


@pytest.fixture
def superuser_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_every_audit_model_in_the_admin_is_read_only(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    registered = [m for m in audit_models() if m in admin.site._registry]
    assert CustomerRead in registered
    for model in registered:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        assert not model_admin.has_add_permission(request), model
        assert "delete_selected" not in model_admin.get_actions(request), model


def test_the_read_log_cannot_be_deleted_or_changed_in_the_admin(superuser_client, archive):
    read = CustomerRead.objects.get(customer=archive)
    listing = superuser_client.get(reverse("admin:customers_customerread_changelist"))
    assert listing.status_code == 200 and b"delete_selected" not in listing.content
    assert superuser_client.post(reverse("admin:customers_customerread_delete", args=[read.pk]),
                                 {"post": "yes"}).status_code == 403
    bulk = superuser_client.post(reverse("admin:customers_customerread_changelist"),
                                 {"action": "delete_selected", "_selected_action": [read.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)
    assert superuser_client.post(reverse("admin:customers_customerread_change", args=[read.pk]),
                                 {"channel": "api"}).status_code == 403
    assert CustomerRead.objects.filter(pk=read.pk, channel="page").exists()


def test_a_customer_and_a_user_cannot_be_deleted_in_the_admin(superuser_client, archive, am_user):
    assert {Customer, type(am_user)} <= audit_parents()
    assert superuser_client.post(reverse("admin:customers_customer_delete", args=[archive.pk]),
                                 {"post": "yes"}).status_code == 403
    assert superuser_client.post(reverse("admin:org_user_delete", args=[am_user.pk]),
                                 {"post": "yes"}).status_code == 403
    assert Customer.objects.filter(pk=archive.pk).exists()


def test_history_cannot_be_reverted_through_the_admin(superuser_client, archive):
    row = Customer.history.filter(id=archive.pk).earliest("history_date")
    url = reverse("admin:customers_customer_simple_history", args=[archive.pk, row.history_id])
    assert superuser_client.get(url).status_code == 200  # reading an old version is fine
    assert superuser_client.post(url, {"name": "改回旧名"}).status_code == 403
    assert Customer.history.filter(id=archive.pk).count() == 2
    assert Customer.objects.get(pk=archive.pk).name == archive.name


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("endpoint", ["api-customer-history", "api-customer-reads"])
def test_the_api_history_and_read_log_are_read_only(superuser_client, archive, method, endpoint):
    url = reverse(endpoint, args=[archive.pk])
    assert superuser_client.get(url).status_code == 200
    response = getattr(superuser_client, method)(url, {}, content_type="application/json")
    assert response.status_code == 405
    assert CustomerRead.objects.filter(customer=archive, channel="page").count() == 1
    assert Customer.history.filter(id=archive.pk).count() == 2
