from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from kehu.policy.services import regrade

MAY = date(2024, 5, 10)


@pytest.fixture
def api():
    return APIClient()


def test_api_explains_a_customers_grade(api, am_user, make_customers, pickup, seed_grade):
    (c,) = make_customers(1, owner=am_user)
    seed_grade(c, "二星")
    pickup(c, "2150", MAY)
    regrade(pack_name="hb-chemicals", period="2024-05")
    api.force_authenticate(am_user)
    (body,) = api.get(f"/api/policy/customers/{c.pk}/grades/").json()
    assert body["grade"] == "二星" and body["article"] == "第九条"
    assert "850 吨" in body["to_next"]


def test_api_regrade_answers_201_with_counts(api, admin_user, make_customers, pickup, seed_grade):
    (c,) = make_customers(1)
    seed_grade(c, "一星")
    pickup(c, "1500", MAY)
    api.force_authenticate(admin_user)
    response = api.post("/api/policy/regrade/", {"pack": "hb-chemicals", "period": "2024-05"}, format="json")
    assert response.status_code == 201
    assert response.json()["evaluated"] == 1


def test_api_regrade_of_a_future_period_is_400(api, admin_user):
    api.force_authenticate(admin_user)
    response = api.post("/api/policy/regrade/", {"pack": "hb-chemicals", "period": "2999-01"}, format="json")
    assert response.status_code == 400 and "period" in response.json()


def test_api_regrade_of_an_unknown_pack_is_a_field_error(api, admin_user):
    api.force_authenticate(admin_user)
    response = api.post("/api/policy/regrade/", {"pack": "nope", "period": "2024-05"}, format="json")
    assert response.status_code == 400
    assert "政策包“nope”不存在" in response.json()["pack"][0]


def test_api_override_of_a_customer_out_of_scope_is_a_field_error(api, am_user2, am_user, make_customers):
    (c,) = make_customers(1, owner=am_user)
    api.force_authenticate(am_user2)
    response = api.post("/api/policy/overrides/", {
        "customer": c.pk, "pack": "hb-chemicals", "scheme": "polyolefin_star", "grade": "三星", "reason": "战略客户",
        "approver": am_user.pk}, format="json")
    assert response.status_code == 400
    assert "不在您的管理范围内" in response.json()["customer"][0]


def test_api_movers_are_paged(api, admin_user):
    api.force_authenticate(admin_user)
    body = api.get("/api/policy/movers/", {"pack": "hb-chemicals"}).json()
    assert set(body) >= {"count", "results"}


def test_api_benefits(api, am_user, make_customers):
    (c,) = make_customers(1, owner=am_user)
    api.force_authenticate(am_user)
    body = api.get(f"/api/policy/customers/{c.pk}/benefits/", {"pack": "hb-chemicals"}).json()
    assert body["pack"] == "hb-chemicals" and body["grades"] == {}


def test_api_grades_out_of_scope_is_404(api, am_user2, make_customers):
    (c,) = make_customers(1)
    api.force_authenticate(am_user2)
    assert api.get(f"/api/policy/customers/{c.pk}/grades/").status_code == 404


def test_api_movers_with_a_huge_limit_is_capped_not_a_server_error(api, am_user):
    api.force_authenticate(am_user)
    resp = api.get("/api/policy/movers/?pack=hb-chemicals&limit=15655255555897248710656000")
    assert resp.status_code == 200
