from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kehu.workflow.models import StepStatus
from kehu.workflow.tests.conftest import DIRECT_CONDITIONS


@pytest.fixture
def api():
    return APIClient()


def test_submit_and_decide_over_the_api(api, am_user, prospect, reviewers, sales_reviewer):
    api.force_authenticate(am_user)
    resp = api.post("/api/admissions/", {"customer": prospect.pk, "customer_type": "direct",
                                         "conditions": DIRECT_CONDITIONS}, format="json")
    assert resp.status_code == 201, resp.json()
    approval_id = resp.json()["id"]
    api.force_authenticate(sales_reviewer)
    waiting = api.get("/api/approvals/waiting/").json()
    assert waiting["count"] == 1
    step_id = waiting["results"][0]["id"]
    resp = api.post(f"/api/approvals/steps/{step_id}/decide/", {"decision": "approve", "comment": "齐全"},
                    format="json")
    assert resp.status_code == 200
    assert [s["status"] for s in resp.json()["steps"]] == [StepStatus.DONE, StepStatus.PENDING, StepStatus.WAITING]
    again = api.post(f"/api/approvals/steps/{step_id}/decide/", {"decision": "approve"}, format="json")
    assert again.status_code == 409 and "不能重复审批" in again.json()["detail"]
    assert api.get(f"/api/approvals/{approval_id}/").status_code == 200


def test_missing_materials_come_back_as_field_errors(api, am_user, customer_factory, reviewers):
    c = customer_factory(owner=am_user, status="prospect")
    api.force_authenticate(am_user)
    resp = api.post("/api/admissions/", {"customer": c.pk, "customer_type": "direct"}, format="json")
    assert resp.status_code == 400 and {"materials", "conditions"} <= set(resp.json())


def test_deciding_someone_elses_step_is_403(api, am_user, prospect, reviewers, finance_reviewer):
    api.force_authenticate(am_user)
    api.post("/api/admissions/", {"customer": prospect.pk, "customer_type": "direct",
                                  "conditions": DIRECT_CONDITIONS}, format="json")
    step_id = api.get("/api/approvals/submitted/").json()["results"][0]["steps"][0]["id"]
    api.force_authenticate(finance_reviewer)
    assert api.post(f"/api/approvals/steps/{step_id}/decide/", {"decision": "approve"},
                    format="json").status_code == 403
