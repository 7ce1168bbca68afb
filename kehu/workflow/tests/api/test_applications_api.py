"""The applications API and pages: an ineligible railway application is a 400 naming `facts` with the article;
a bad field is a 400 on that field; milestones are done through the API by the role the pack names."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from kehu.workflow.models import Application
from kehu.workflow.tests.services.test_applications import POWER, RAILWAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def bureau(make_user):
    return make_user("railway_bureau", "company", username="bureau")


@pytest.fixture
def station(make_user):
    return make_user("power_station_clerk", "company", username="station")


@pytest.fixture
def shipper(customer_factory, am_user):
    return customer_factory(name="兖矿能源集团", owner=am_user)


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_ineligible_application_is_a_field_error(bureau, shipper):
    response = _api(bureau).post("/api/applications/", {
        "pack": "railway-big-client", "program": "railway_big_client", "customer": shipper.pk,
        "received_on": "2026-11-02", "facts": {**RAILWAY, "annual_tons": "999999"}}, format="json")
    assert response.status_code == 400
    assert response.json()["facts"] == ["不符合第五条3：同一发站或到站年运量100万吨以上或运输付费1亿元以上"]
    assert not Application.objects.exists()


def test_bad_field_and_unknown_program_are_field_errors(bureau, shipper):
    client = _api(bureau)
    bad = client.post("/api/applications/", {"pack": "railway-big-client", "program": "railway_big_client",
                                             "customer": shipper.pk, "received_on": "2026-11-02",
                                             "facts": {**RAILWAY, "annual_tons": "很多"}}, format="json")
    assert bad.status_code == 400 and "非负数字" in bad.json()["annual_tons"][0]
    unknown = client.post("/api/applications/", {"pack": "railway-big-client", "program": "nope",
                                                 "customer": shipper.pk, "received_on": "2026-11-02", "facts": {}},
                          format="json")
    assert unknown.status_code == 400 and "program" in unknown.json()


def test_power_application_through_the_api(station, shipper):
    client = _api(station)
    created = client.post("/api/applications/", {"pack": "power-big-client", "program": "power_expansion",
                                                 "customer": shipper.pk, "received_on": "2026-11-02",
                                                 "facts": POWER}, format="json")
    assert created.status_code == 201, created.json()
    milestones = {m["code"]: m for m in created.json()["milestones"]}
    assert milestones["handed_on"]["due_on"] == "2026-11-09"
    assert milestones["scheme_reply"]["due_on"] == "2026-11-30"  # 20 working days after 2026-11-02
    done = client.post(f"/api/applications/milestones/{milestones['handed_on']['id']}/complete/",
                       {"done_on": "2026-11-05"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    detail = client.get(f"/api/applications/{created.json()['id']}/").json()
    assert detail["status"] == "in_approval" and detail["approval"]


def test_pages_render_and_receive(station, shipper, client):
    client.force_login(station)
    assert client.get("/approvals/applications/").status_code == 200
    url = "/approvals/applications/new/power-big-client/power_expansion/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"customer": shipper.pk, "received_on": "2026-11-02", "request_kind": "new",
                                 "voltage": "high", "power_sources": "dual", "capacity_kva": "6300"})
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/approvals/applications/{app.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "供电方案答复" in page and "2026-12-14" in page  # 30 working days for dual sources
    assert date(2026, 12, 14) == app.milestones.get(code="scheme_reply").due_on
