"""/api/org-units/ and /api/users/me/."""

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def client_for():
    def _make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return _make


def test_me_tells_the_user_their_unit_roles_scope_and_permissions(client_for, am_user):
    body = client_for(am_user).get("/api/users/me/").json()
    assert body["username"] == "am1" and body["name"] == "吴经理"
    assert body["unit"]["name"] == "销售一组"
    assert [r["name"] for r in body["roles"]] == ["客户经理"]
    assert body["data_scope"] == "own"
    assert "customers.change_customer" in body["permissions"]
    assert body["can_view_personal_data"] is True


def test_me_for_a_manager_reports_the_subtree_scope(client_for, manager_user):
    assert client_for(manager_user).get("/api/users/me/").json()["data_scope"] == "subtree"


def test_me_needs_a_login():
    assert APIClient().get("/api/users/me/").status_code in (401, 403)


def test_org_units_are_listed_in_tree_order(client_for, am_user, org):
    rows = client_for(am_user).get("/api/org-units/").json()["results"]
    assert [r["name"] for r in rows] == ["测试公司", "销售部", "销售一组", "销售二组", "财务部", "市场营销部"]
    assert rows[1]["kind_display"] == "部门" and rows[1]["parent"] == org["company"].pk


def test_org_units_under_a_unit_include_its_whole_subtree(client_for, am_user, org):
    rows = client_for(am_user).get("/api/org-units/", {"under": org["sales"].pk}).json()["results"]
    assert [r["name"] for r in rows] == ["销售部", "销售一组", "销售二组"]


def test_org_units_filter_by_parent_and_name(client_for, am_user, org):
    client = client_for(am_user)
    children = client.get("/api/org-units/", {"parent": org["company"].pk}).json()["results"]
    assert [r["name"] for r in children] == ["销售部", "财务部", "市场营销部"]
    assert [r["name"] for r in client.get("/api/org-units/", {"q": "财务"}).json()["results"]] == ["财务部"]


def test_unknown_org_unit_kind_is_a_400(client_for, am_user, org):
    resp = client_for(am_user).get("/api/org-units/", {"kind": "galaxy"})
    assert resp.status_code == 400 and "kind" in resp.json()


def test_org_unit_detail_and_missing_unit(client_for, am_user, org):
    client = client_for(am_user)
    assert client.get(f"/api/org-units/{org['finance'].pk}/").json()["code"] == "C-F"
    assert client.get("/api/org-units/999999/").status_code == 404


def test_user_directory_finds_account_managers_of_a_unit(client_for, manager_user, am_user, am_user2, org):
    client = client_for(manager_user)
    rows = client.get("/api/users/", {"role": "account_manager", "unit": org["sales"].pk}).json()["results"]
    assert [r["username"] for r in rows] == ["am1", "am2"]
    assert rows[0]["unit"]["name"] == "销售一组" and rows[0]["name"] == "吴经理"
    assert [r["username"] for r in client.get("/api/users/", {"q": "郑"}).json()["results"]] == ["am2"]


def test_user_directory_leaves_out_departed_users(client_for, manager_user, am_user, am_user2):
    am_user2.is_active = False
    am_user2.save(update_fields=["is_active"])
    names = [r["username"] for r in client_for(manager_user).get("/api/users/").json()["results"]]
    assert "am2" not in names and "am1" in names
