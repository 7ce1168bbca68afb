"""GET /api/calendar/deadline/: inputs found by fuzzing (schemathesis) that answered off-schema stay fixed."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient


@pytest.fixture
def client(admin_user):
    c = APIClient()
    c.force_login(admin_user)
    return c


def test_a_start_before_1901_is_refused_instead_of_answering_a_local_mean_time_offset(client):
    # Year 827 in Asia/Shanghai is +08:05:43 local mean time: the answer "0827-05-19T02:53:04+08:05:43"
    # was not an RFC 3339 date-time.
    resp = client.get("/api/calendar/deadline/", {"start": "0827-05-18T18:47:21Z", "amount": 0})
    assert resp.status_code == 400
    assert "start" in resp.json()


def test_a_start_after_2100_is_refused(client):
    resp = client.get("/api/calendar/deadline/", {"start": "9999-12-31T00:00:00+08:00", "amount": 365})
    assert resp.status_code == 400


def test_a_known_year_still_gives_the_deadline(client):
    resp = client.get("/api/calendar/deadline/", {"start": "2026-09-30T10:00:00+08:00", "amount": 1})
    assert resp.status_code == 200
    assert resp.json()["deadline"] == "2026-10-08T10:00:00+08:00"  # after the 国庆 holiday


@pytest.mark.django_db
def test_the_schema_documents_400_and_409_with_the_missing_year():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    responses = schema["paths"]["/api/calendar/deadline/"]["get"]["responses"]
    assert {"200", "400", "403", "409"} <= set(responses)
    missing = schema["components"]["schemas"]["CalendarYearMissing"]
    assert set(missing["properties"]) == {"detail", "code", "year"}
