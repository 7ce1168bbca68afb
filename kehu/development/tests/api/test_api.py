"""The development API: the same services as the pages, 4xx with the field for bad input."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from kehu.development.models import DevelopmentPlan, Prospect
from kehu.development.services import pool_sweep
from kehu.policy.models import AdminValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def _as(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _as


def _json(survey_fields):
    return {k: (str(v) if v is not None else None) for k, v in survey_fields.items()}


def test_a_prospect_without_the_surveys_required_fields_is_a_400_naming_them(api, station_manager):
    response = api(station_manager).post("/api/development/prospects/", {"name": "某公司"}, format="json")
    assert response.status_code == 400
    assert {"contact_name", "current_supplier", "fuel_type"} <= set(response.json())
    assert not Prospect.objects.exists()


def test_prospect_created_listed_and_converted(api, station_manager, survey_fields):
    client = api(station_manager)
    created = client.post("/api/development/prospects/", _json(survey_fields), format="json")
    assert created.status_code == 201 and created.json()["survey_label"]
    listed = client.get("/api/development/prospects/").json()
    assert listed["count"] == 1 and listed["results"][0]["code"] == "QK00000001"
    converted = client.post(f"/api/development/prospects/{created.json()['id']}/convert/",
                            {"customer_type": "direct"}, format="json")
    assert converted.status_code == 201 and converted.json()["customer_code"].startswith("KH")


def test_a_plan_for_a_unit_the_user_does_not_manage_is_a_400_on_unit(api, manager_user, sd):
    body = {"unit": sd["city"].pk, "period_start": "2027-01-01",
            "lines": [{"category": "institutional", "target": 1, "unit": sd["lixia"].pk}]}
    response = api(manager_user).post("/api/development/plans/", body, format="json")
    assert response.status_code == 400 and "您不管理" in response.json()["unit"][0]
    assert not DevelopmentPlan.objects.exists()


def test_a_plan_below_the_regulation_is_a_400_on_lines_and_a_good_one_reports_completion(api, retail_head, sd):
    client = api(retail_head)
    lines = [{"category": "institutional", "target": 1, "unit": sd["lixia"].pk},
             {"category": "institutional", "target": 1, "unit": sd["shizhong"].pk},
             *[{"category": "card", "target": 10, "unit": sd[s].pk} for s in ("s1", "s2", "s3")]]
    bad = client.post("/api/development/plans/", {"unit": sd["city"].pk, "period_start": "2027-01-01",
                                                  "lines": lines[:-1]}, format="json")
    assert bad.status_code == 400 and "合计至少30个" in " ".join(bad.json()["lines"])
    start = date.today().replace(day=1).isoformat()
    good = client.post("/api/development/plans/", {"unit": sd["city"].pk, "period_start": start, "lines": lines},
                       format="json")
    assert good.status_code == 201 and len(good.json()["lines"]) == 5
    submitted = client.post(f"/api/development/plans/{good.json()['id']}/submit/")
    assert submitted.json()["status"] == "submitted"
    rows = client.get("/api/development/completion/", {"month": start[:7]}).json()
    assert {(r["unit_name"], r["target"], r["admitted"]) for r in rows} >= {("历下区", 1, 0), ("历下第一加油站", 10, 0)}
    assert client.get("/api/development/completion/", {"month": "2026-13"}).status_code == 400


def test_pool_list_claim_and_a_claim_above_the_cap(api, customer_factory, station_manager, retail_head, sd):
    AdminValue.objects.create(pack_name="shandong-retail", key="sd.pool_claim_cap", value=1)
    a, b = customer_factory(owner=None, unit=sd["s1"]), customer_factory(owner=None, unit=sd["s1"])
    pool_sweep()
    client = api(station_manager)
    assert client.get("/api/development/pool/").json()["count"] == 2
    assert client.post(f"/api/development/pool/{a.pk}/claim/", {}, format="json").json()["owner"] == \
        station_manager.pk
    over = client.post(f"/api/development/pool/{b.pk}/claim/", {}, format="json")
    assert over.status_code == 400 and "已达每人上限 1 个" in over.json()["customer"][0]
    taken = api(retail_head).post(f"/api/development/pool/{a.pk}/claim/", {}, format="json")
    assert taken.status_code == 409 and "历下一站经理" in taken.json()["detail"]
    released = client.post(f"/api/development/pool/{a.pk}/release/", {"reason": "客户迁走"}, format="json")
    assert released.status_code == 200 and released.json()["owner"] is None
