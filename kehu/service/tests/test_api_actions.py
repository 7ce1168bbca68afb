"""Complaint API actions mirroring the complaint page (same services): pause/resume, assign, escalate, investigate,
extension request and decision — 4xx answers with field-level messages, documented in the OpenAPI schema."""

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from kehu.service.tests.conftest import sh

BASE = "/api/service/complaints/"


@pytest.fixture
def api(am_user):
    c = APIClient()
    c.force_authenticate(am_user)
    return c


@pytest.fixture
def complaint(api, customer):
    r = api.post(BASE, {"customer": customer.pk, "complaint_type": "quality", "description": "色差明显",
                        "severity": "major", "received_at": sh(2025, 9, 29, 10, 0).isoformat()}, format="json")
    assert r.status_code == 201
    return r.json()


def post(api, complaint, action, data=None):
    return api.post(f"{BASE}{complaint['id']}/{action}/", data or {}, format="json")


def test_pause_without_a_reason_answers_400_on_reason(api, complaint):
    r = post(api, complaint, "pause")
    assert r.status_code == 400 and "等待客户" in r.json()["reason"][0]


def test_pause_then_resume_stops_and_restarts_the_clock(api, complaint):
    r = post(api, complaint, "pause", {"reason": "等待客户寄送留样"})
    assert r.status_code == 200 and r.json()["status"] == "waiting" and r.json()["paused_since"]
    r = post(api, complaint, "resume")
    assert r.status_code == 200 and r.json()["status"] == "investigating" and r.json()["paused_since"] is None


def test_resume_when_not_paused_answers_400_with_the_reason(api, complaint):
    r = post(api, complaint, "resume")
    assert r.status_code == 400 and r.json()["code"] == "state" and "暂停" in r.json()["detail"]


def test_assign_without_department_or_person_answers_400_on_department(api, complaint):
    r = post(api, complaint, "assign", {"note": "x"})
    assert r.status_code == 400 and "department" in r.json()


def test_assign_to_an_unknown_person_answers_400_on_assignee(api, complaint):
    r = post(api, complaint, "assign", {"assignee": 999999})
    assert r.status_code == 400 and "assignee" in r.json()


def test_assign_to_qc_moves_the_complaint_into_investigation(api, complaint, qc_user, org):
    r = post(api, complaint, "assign", {"department": org["company"].pk, "assignee": qc_user.pk, "note": "请复检"})
    body = r.json()
    assert r.status_code == 200 and body["assignee"] == qc_user.pk and body["status"] == "investigating"


def test_escalate_without_a_reason_answers_400_on_reason(api, complaint):
    r = post(api, complaint, "escalate", {"reason": ""})
    assert r.status_code == 400 and "reason" in r.json()


def test_escalate_twice_answers_400(api, complaint):
    assert post(api, complaint, "escalate", {"reason": "涉及多批次"}).json()["escalated"] is True
    r = post(api, complaint, "escalate", {"reason": "再次上报"})
    assert r.status_code == 400 and "已上报" in r.json()["detail"]


def test_investigate_with_an_unknown_responsibility_answers_400(api, complaint):
    r = post(api, complaint, "investigate", {"onsite_check": "抽检 20 袋", "responsibility": "maybe"})
    assert r.status_code == 400 and "responsibility" in r.json()


def test_extension_through_the_api_waits_for_and_gets_the_supervisors_approval(api, complaint, manager_user):
    r = post(api, complaint, "extension", {"days": 7, "reason": "需第三方检测"})
    assert r.status_code == 200 and r.json()["extension_status"] == "pending"
    boss = APIClient()
    boss.force_authenticate(manager_user)
    r = boss.post(f"{BASE}{complaint['id']}/extension/decision/", {"approve": True, "comment": "同意"},
                  format="json")
    assert r.status_code == 200 and r.json()["extension_status"] == "approved" and r.json()["deadline_days"] == 7


def test_extension_beyond_the_limit_answers_400_on_days(api, complaint):
    r = post(api, complaint, "extension", {"days": 8, "reason": "x"})
    assert r.status_code == 400 and "7" in r.json()["days"][0]


def test_the_requester_deciding_his_own_extension_answers_403(api, complaint):
    post(api, complaint, "extension", {"days": 7, "reason": "需第三方检测"})
    r = api.post(f"{BASE}{complaint['id']}/extension/decision/", {"approve": True}, format="json")
    assert r.status_code == 403


def test_actions_on_a_complaint_outside_scope_answer_404(complaint, am_user2):
    other = APIClient()
    other.force_authenticate(am_user2)
    for action, data in (("pause", {"reason": "x"}), ("resume", {}), ("assign", {"assignee": am_user2.pk}),
                         ("escalate", {"reason": "x"})):
        assert other.post(f"{BASE}{complaint['id']}/{action}/", data, format="json").status_code == 404


def test_the_service_endpoints_generate_a_schema_without_warnings(db):
    GENERATOR_STATS.reset()
    try:
        schema = SchemaGenerator(patterns=[path("api/", include("kehu.service.api_urls"))]).get_schema(
            request=None, public=True)
        problems = dict(GENERATOR_STATS._warn_cache) | dict(GENERATOR_STATS._error_cache)
    finally:
        GENERATOR_STATS.reset()
    assert problems == {}
    validate_schema(schema)
    for action in ("pause", "resume", "assign", "escalate", "investigate", "extension", "extension/decision"):
        assert f"/api/service/complaints/{{id}}/{action}/" in schema["paths"]
