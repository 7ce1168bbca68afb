"""API for disqualification requests, agency licences and level transfers: the same services, the same scope,
4xx answers with field messages; the schema documents them without warnings."""

from __future__ import annotations

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from kehu.workflow.models import StepStatus

LICENCE = {"sole_products": True, "sound_business": True, "monthly_plans": True}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def agent(customer_factory, am_user):
    return customer_factory(owner=am_user, name="潍坊独家代理有限公司",
                            classifications={"other_products_channel": "独家代理商"})


def test_disqualification_is_requested_listed_and_shown_with_its_chain(api, am_user, active_customer, sales_reviewer):
    api.force_authenticate(am_user)
    resp = api.post("/api/disqualifications/", {"customer": active_customer.pk, "ground": "fraud",
                                                "facts": "提供伪造的营业执照复印件，经工商核实不符。"}, format="json")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["approval"]["article"].endswith("第十七条")
    assert [s["role_code"] for s in body["approval"]["steps"]] == ["sales_reviewer", "general_manager"]
    assert api.get("/api/disqualifications/").json()["count"] == 1
    detail = api.get(f"/api/disqualifications/{body['id']}/").json()
    assert detail["ground_label"].startswith("提供虚假信息")


def test_disqualification_without_facts_answers_400_on_the_field(api, am_user, active_customer):
    api.force_authenticate(am_user)
    resp = api.post("/api/disqualifications/", {"customer": active_customer.pk, "ground": "loss", "facts": "短"},
                    format="json")
    assert resp.status_code == 400 and "facts" in resp.json()


def test_disqualification_of_a_customer_outside_the_scope_is_404(api, am_user2, active_customer):
    api.force_authenticate(am_user2)
    resp = api.post("/api/disqualifications/", {"customer": active_customer.pk, "ground": "loss",
                                                "facts": "拖欠货款造成经济损失五十万元。"}, format="json")
    assert resp.status_code == 404


def test_another_managers_disqualification_is_not_visible(api, am_user, am_user2, active_customer):
    api.force_authenticate(am_user)
    pk = api.post("/api/disqualifications/", {"customer": active_customer.pk, "ground": "violation",
                                              "facts": "因违法经营被市场监管局立案查处。"}, format="json").json()["id"]
    api.force_authenticate(am_user2)
    assert api.get("/api/disqualifications/").json()["count"] == 0
    assert api.get(f"/api/disqualifications/{pk}/").status_code == 404


def test_a_licence_is_issued_listed_and_revoked(api, sales_reviewer, agent):
    api.force_authenticate(sales_reviewer)
    resp = api.post("/api/agency-licences/", {"customer": agent.pk, "year": 2025, "region": "潍坊市",
                                              "conditions": LICENCE, "issued_on": "2025-01-10"}, format="json")
    assert resp.status_code == 201, resp.json()
    lic = resp.json()
    assert (lic["expires_on"], lic["number"]) == ("2025-12-31", f"DJDL-2025-{agent.code}")
    assert api.get("/api/agency-licences/").json()["count"] == 1
    revoked = api.post(f"/api/agency-licences/{lic['id']}/revoke/", {"reason": "违规销售其他品牌产品"},
                       format="json")
    assert revoked.status_code == 200 and revoked.json()["is_valid"] is False


def test_a_licence_with_an_unmet_condition_answers_400_naming_it(api, sales_reviewer, agent):
    api.force_authenticate(sales_reviewer)
    resp = api.post("/api/agency-licences/", {"customer": agent.pk, "year": 2025, "region": "潍坊市",
                                              "conditions": {**LICENCE, "monthly_plans": False},
                                              "issued_on": "2025-01-10"}, format="json")
    assert resp.status_code == 400
    assert "下月销售计划" in resp.json()["conditions"][0]


def test_a_second_licence_for_the_same_year_answers_400_on_year(api, sales_reviewer, agent):
    api.force_authenticate(sales_reviewer)
    data = {"customer": agent.pk, "year": 2025, "region": "潍坊市", "conditions": LICENCE, "issued_on": "2025-01-10"}
    api.post("/api/agency-licences/", data, format="json")
    resp = api.post("/api/agency-licences/", data, format="json")
    assert resp.status_code == 400 and "year" in resp.json()


def test_an_account_manager_may_not_issue_licences(api, am_user, agent):
    api.force_authenticate(am_user)
    resp = api.post("/api/agency-licences/", {"customer": agent.pk, "year": 2025, "region": "潍坊市",
                                              "conditions": LICENCE}, format="json")
    assert resp.status_code == 403


def test_a_level_transfer_over_the_api(api, sales_reviewer, manager_user, make_user, customer_factory, am_user, org):
    head = make_user("dept_manager", "team1", username="zz1", display_name="冯组长")
    org["team1"].head = head
    org["team1"].save(update_fields=["head"])
    customer = customer_factory(owner=am_user, name="青岛港务局")
    api.force_authenticate(sales_reviewer)
    resp = api.post("/api/level-transfers/", {"customer": customer.pk, "to_unit": org["sales"].pk,
                                              "reason": "一组客户过剩"}, format="json")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert (body["from_unit_name"], body["to_unit_name"]) == ("销售一组", "销售部")
    api.force_authenticate(head)
    step = body["approval"]["steps"][0]
    assert step["status"] == StepStatus.PENDING
    assert api.post(f"/api/approvals/steps/{step['id']}/decide/", {"decision": "approve"},
                    format="json").status_code == 200
    assert api.get("/api/level-transfers/").json()["count"] == 1


def test_a_level_transfer_to_a_sibling_answers_400_on_to_unit(api, sales_reviewer, customer_factory, am_user, org):
    customer = customer_factory(owner=am_user)
    api.force_authenticate(sales_reviewer)
    resp = api.post("/api/level-transfers/", {"customer": customer.pk, "to_unit": org["team2"].pk,
                                              "reason": "一组客户过剩"}, format="json")
    assert resp.status_code == 400 and "上、下级" in resp.json()["to_unit"][0]


def test_the_workflow_endpoints_generate_a_schema_without_warnings(db):
    GENERATOR_STATS.reset()
    try:
        schema = SchemaGenerator(patterns=[path("api/", include("kehu.workflow.api_urls"))]).get_schema(
            request=None, public=True)
        problems = dict(GENERATOR_STATS._warn_cache) | dict(GENERATOR_STATS._error_cache)
    finally:
        GENERATOR_STATS.reset()
    assert problems == {}
    validate_schema(schema)
    assert {"/api/disqualifications/", "/api/disqualifications/{id}/", "/api/agency-licences/",
            "/api/agency-licences/{id}/", "/api/agency-licences/{id}/revoke/", "/api/level-transfers/",
            "/api/level-transfers/{id}/"} <= set(schema["paths"])
    listed = schema["paths"]["/api/agency-licences/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listed["schema"]["$ref"].endswith("PaginatedLicenceOutputList")


def test_the_project_schema_page_lists_the_new_endpoints(client, admin_user):
    client.force_login(admin_user)
    resp = client.get("/api/schema/")
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "/api/disqualifications/" in text and "/api/level-transfers/" in text
