"""The reports API: the same selectors and services as the web UI, 4xx with the field on bad input."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from kehu.reports.models import ReportSubmission


@pytest.fixture
def november(sd, institution, pickup, regrade_sd):
    customer = institution("接口客户")
    pickup(customer, "3", date(2026, 11, 3))
    regrade_sd("2026-11")
    return customer


@pytest.fixture
def api(sd):
    client = APIClient()
    client.force_authenticate(sd["head"])
    return client


def test_the_forms_are_listed_with_their_due_dates(api):
    body = api.get("/api/reports/").json()
    by_code = {d["code"]: d for d in body}
    assert {"sd_grade_table", "sd_tracking_detail", "sd_tracking_summary", "sd_churn_statistics",
            "sd_plan_completion"} <= set(by_code)
    assert by_code["sd_grade_table"]["form_ref"] == "002 附录5"


def test_a_form_is_computed_as_json(api, november):
    body = api.get("/api/reports/sd_grade_table/", {"period": "2026-11"}).json()
    assert body["frozen"] is False and body["submission"] is None
    assert body["due"][0]["day"] == "2026-12-05"
    detail = body["tables"][0]
    assert detail["rows"][0][2] == "接口客户"
    assert detail["rows"][0][5] == "3.000"


def test_a_future_period_is_a_400_on_the_field(api, november):
    response = api.get("/api/reports/sd_grade_table/", {"period": "2030-01"})
    assert response.status_code == 400
    assert "尚未开始" in response.json()["period"][0]


def test_a_malformed_period_is_a_400_on_the_field(api):
    response = api.post("/api/reports/sd_grade_table/submissions/", {"period": "2026-13"}, format="json")
    assert response.status_code == 400 and "period" in response.json()


def test_an_unknown_form_is_404(api):
    assert api.get("/api/reports/no_such_form/").status_code == 404


def test_a_unit_outside_the_scope_is_a_400_on_unit(api, sd):
    response = api.get("/api/reports/sd_grade_table/", {"period": "2026-11", "unit": sd["qingdao"].pk})
    assert response.status_code == 400 and "unit" in response.json()


def test_submit_twice_then_correct(api, november):
    first = api.post("/api/reports/sd_grade_table/submissions/", {"period": "2026-11"}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["report"]["frozen"] is True
    again = api.post("/api/reports/sd_grade_table/submissions/", {"period": "2026-11"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_submitted"
    pk = first.json()["id"]
    no_reason = api.post(f"/api/reports/submissions/{pk}/corrections/", {"reason": ""}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    corrected = api.post(f"/api/reports/submissions/{pk}/corrections/", {"reason": "补录"}, format="json")
    assert corrected.status_code == 201 and corrected.json()["version"] == 2
    listing = api.get("/api/reports/submissions/", {"report": "sd_grade_table"}).json()
    assert [(s["version"], s["is_current"]) for s in listing["results"]] == [(2, True), (1, False)]
    assert ReportSubmission.objects.count() == 2


def test_an_account_manager_may_read_but_not_submit(sd, november):
    client = APIClient()
    client.force_authenticate(sd["am"])
    assert client.get("/api/reports/sd_grade_table/", {"period": "2026-11"}).status_code == 200
    assert client.post("/api/reports/sd_grade_table/submissions/", {"period": "2026-11"},
                       format="json").status_code == 403


def test_without_the_permission_the_api_answers_403(make_user):
    client = APIClient()
    client.force_authenticate(make_user("qc"))
    assert client.get("/api/reports/").status_code == 403
