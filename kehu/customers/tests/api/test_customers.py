"""/api/customers/: list, create, retrieve, update — scope, permission, masking, read log, conflicts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.customers.models import Customer, CustomerRead
from kehu.customers.services import customer_update
from kehu.customers.tests.factories import ContactFactory

VALID_USCC = "91350100M000100Y43"


# ------------------------------------------------------------------ list


def test_list_shows_only_customers_in_the_users_scope(api, am_user, customer, other_customer):
    rows = api(am_user).get("/api/customers/").json()["results"]
    assert [r["id"] for r in rows] == [customer.pk]


def test_manager_lists_customers_of_the_whole_department(api, manager_user, customer, other_customer):
    rows = api(manager_user).get("/api/customers/").json()["results"]
    assert {r["id"] for r in rows} == {customer.pk, other_customer.pk}


def test_list_finds_a_customer_by_pinyin_initials(api, manager_user, customer, other_customer):
    rows = api(manager_user).get("/api/customers/", {"q": "zgsh"}).json()["results"]
    assert [r["id"] for r in rows] == [customer.pk]


def test_list_filters_by_status_owner_unit_and_classification(
    api, manager_user, am_user2, org, customer, other_customer, customer_factory
):
    suspended = customer_factory(owner=am_user2, status="suspended", classifications={"规模": "大"})
    client = api(manager_user)

    def ids(**params):
        return {r["id"] for r in client.get("/api/customers/", params).json()["results"]}

    assert ids(status="suspended") == {suspended.pk}
    assert ids(owner=am_user2.pk) == {other_customer.pk, suspended.pk}
    assert ids(unit=org["team1"].pk) == {customer.pk}
    assert ids(unit=org["sales"].pk) == {customer.pk, other_customer.pk, suspended.pk}
    assert ids(classification="规模:大") == {suspended.pk}


def test_unknown_status_filter_is_a_400_naming_the_parameter(api, manager_user):
    resp = api(manager_user).get("/api/customers/", {"status": "gone"})
    assert resp.status_code == 400 and "status" in resp.json()


def test_list_does_not_log_a_read_per_row(api, manager_user, customer, other_customer):
    api(manager_user).get("/api/customers/")
    assert CustomerRead.objects.count() == 0


def test_list_hides_nothing_personal_and_is_paginated(api, am_user, customer):
    body = api(am_user).get("/api/customers/", {"limit": 1}).json()
    assert body["count"] == 1 and "contacts" not in body["results"][0]


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/customers/").status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_the_number_of_customers(api, manager_user, am_user, customer_factory):
    customer_factory(owner=am_user)
    client = api(manager_user)
    _list_queries(client)  # warm caches (content types, permissions) so both runs start equal
    few = _list_queries(client)
    for _ in range(25):
        customer_factory(owner=am_user, classifications={"规模": "中"})
    many = _list_queries(client)
    assert many == few
    assert few <= 9  # session, user, 3 permission sets, role scopes, unit path, count, page


def test_without_view_permission_the_list_is_forbidden(api, make_user, customer):
    nobody = make_user("staff", "team1")
    nobody.roles.clear()
    resp = api(nobody).get("/api/customers/")
    assert resp.status_code == 403
    assert resp.json()["detail"] == "您没有查看客户档案的权限。"


# ------------------------------------------------------------------ retrieve


def test_retrieve_logs_a_read_through_the_api_channel(api, manager_user, customer):
    resp = api(manager_user).get(f"/api/customers/{customer.pk}/")
    assert resp.status_code == 200
    read = CustomerRead.objects.get()
    assert (read.customer_id, read.user_id, read.channel) == (customer.pk, manager_user.pk, "api")


def test_retrieve_outside_scope_is_404_and_reveals_nothing(api, am_user2, customer):
    resp = api(am_user2).get(f"/api/customers/{customer.pk}/")
    assert resp.status_code == 404
    assert customer.name not in resp.content.decode()
    assert CustomerRead.objects.count() == 0


def test_a_user_whose_scope_is_all_reads_any_customer(api, finance_user, customer, other_customer):
    """Finance (scope: all) must keep seeing every archive whatever extra visibility other apps register."""
    client = api(finance_user)
    assert {r["id"] for r in client.get("/api/customers/").json()["results"]} == {customer.pk, other_customer.pk}
    assert client.get(f"/api/customers/{customer.pk}/").status_code == 200


def test_retrieve_of_a_missing_customer_is_404(api, am_user):
    assert api(am_user).get("/api/customers/999999/").status_code == 404


def test_retrieve_shows_contacts_in_full_to_a_user_allowed_personal_data(api, am_user, customer):
    contact = api(am_user).get(f"/api/customers/{customer.pk}/").json()["contacts"][0]
    assert contact["mobile"] == "13912345678"
    assert contact["id_number"] == "370102198001011234"


def test_retrieve_masks_phones_and_id_numbers_without_the_permission(api, viewer, customer):
    contact = api(viewer).get(f"/api/customers/{customer.pk}/").json()["contacts"][0]
    assert contact["mobile"] == "139****5678"
    assert "12345678" not in contact["id_number"] and contact["id_number"].endswith("1234")
    assert contact["name"] == "张伟"


def test_retrieve_query_count_does_not_grow_with_contacts(api, am_user, customer):
    client = api(am_user)
    client.get(f"/api/customers/{customer.pk}/")
    with CaptureQueriesContext(connection) as one:
        client.get(f"/api/customers/{customer.pk}/")
    for i in range(10):
        ContactFactory(customer=customer, name=f"联系人{i}")
    with CaptureQueriesContext(connection) as eleven:
        client.get(f"/api/customers/{customer.pk}/")
    assert len(eleven.captured_queries) == len(one.captured_queries)


# ------------------------------------------------------------------ create


def test_create_makes_an_archive_owned_by_the_caller(api, am_user):
    resp = api(am_user).post("/api/customers/", {
        "name": "中国石化销售股份有限公司山东单县加油站", "short_name": "单县站", "uscc": VALID_USCC,
        "classifications": {"规模": "中"},
    }, format="json")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["code"].startswith("KH") and body["owner"]["id"] == am_user.pk and body["version"] == 1
    assert Customer.objects.get(pk=body["id"]).history.first().history_user == am_user


def test_invalid_credit_code_is_refused_naming_the_field(api, am_user):
    resp = api(am_user).post("/api/customers/", {"name": "甲公司", "uscc": "91350100M000100Y44"}, format="json")
    assert resp.status_code == 400
    assert resp.json()["uscc"] == ["统一社会信用代码校验位不正确，请核对。"]
    assert not Customer.objects.filter(name="甲公司").exists()


def test_duplicate_credit_code_is_refused_naming_the_field(api, am_user, customer):
    resp = api(am_user).post("/api/customers/", {"name": "乙公司", "uscc": customer.uscc.lower()}, format="json")
    assert resp.status_code == 400
    assert "已被其他客户使用" in resp.json()["uscc"][0]
    assert not Customer.objects.filter(name="乙公司").exists()


def test_over_long_name_and_missing_name_are_field_errors(api, am_user):
    client = api(am_user)
    assert "name" in client.post("/api/customers/", {"name": "很" * 101}, format="json").json()
    missing = client.post("/api/customers/", {"short_name": "无名"}, format="json")
    assert missing.status_code == 400 and missing.json()["name"] == ["该字段是必填项。"]


def test_create_without_permission_is_forbidden(api, viewer):
    resp = api(viewer).post("/api/customers/", {"name": "甲公司"}, format="json")
    assert resp.status_code == 403
    assert resp.json()["detail"] == "您没有新建客户的权限。"
    assert not Customer.objects.exists()


# ------------------------------------------------------------------ update


def test_update_with_the_current_version_saves_and_bumps_it(api, am_user, customer):
    resp = api(am_user).patch(
        f"/api/customers/{customer.pk}/",
        {"version": customer.version, "address": "经十路1号", "reason": "客户搬迁"}, format="json",
    )
    assert resp.status_code == 200, resp.json()
    assert resp.json()["address"] == "经十路1号" and resp.json()["version"] == customer.version + 1
    assert Customer.objects.get(pk=customer.pk).history.first().history_change_reason == "客户搬迁"


def test_stale_version_is_a_409_with_the_current_values_and_nothing_overwritten(api, am_user, manager_user, customer):
    read_version = customer.version
    customer_update(actor=manager_user, customer=customer, expected_version=read_version, address="经十路1号")
    resp = api(am_user).patch(
        f"/api/customers/{customer.pk}/", {"version": read_version, "address": "经十路2号"}, format="json"
    )
    assert resp.status_code == 409
    body = resp.json()
    assert body["code"] == "conflict" and "已被他人修改" in body["detail"]
    assert body["current_version"] == read_version + 1
    assert body["current"]["address"] == "经十路1号"
    assert Customer.objects.get(pk=customer.pk).address == "经十路1号"


def test_update_without_version_is_refused(api, am_user, customer):
    resp = api(am_user).patch(f"/api/customers/{customer.pk}/", {"address": "经十路2号"}, format="json")
    assert resp.status_code == 400 and resp.json()["version"] == ["该字段是必填项。"]


def test_update_outside_scope_is_404(api, am_user2, customer):
    resp = api(am_user2).patch(f"/api/customers/{customer.pk}/", {"version": 1, "notes": "x"}, format="json")
    assert resp.status_code == 404


def test_update_without_permission_is_forbidden(api, viewer, customer):
    resp = api(viewer).patch(
        f"/api/customers/{customer.pk}/", {"version": customer.version, "notes": "x"}, format="json"
    )
    assert resp.status_code == 403


def test_changing_the_owner_by_update_is_refused_in_favour_of_handover(api, am_user, am_user2, customer):
    resp = api(am_user).patch(
        f"/api/customers/{customer.pk}/", {"version": customer.version, "owner": am_user2.pk}, format="json"
    )
    assert resp.status_code == 400 and "移交" in resp.json()["owner"][0]


def test_changing_the_credit_code_to_an_invalid_one_is_a_field_error(api, am_user, customer):
    resp = api(am_user).patch(
        f"/api/customers/{customer.pk}/", {"version": customer.version, "uscc": "123"}, format="json"
    )
    assert resp.status_code == 400 and "18位" in resp.json()["uscc"][0]


@pytest.mark.parametrize("language, expected", [("zh-hans", "该字段是必填项。"), ("en", "This field is required.")])
def test_field_messages_follow_the_requested_language(api, am_user, language, expected):
    resp = api(am_user).post("/api/customers/", {}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert resp.json()["name"] == [expected]
