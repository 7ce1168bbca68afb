"""Inputs found by fuzzing the org API (schemathesis) that answered 500 or off-schema: each stays fixed."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

HUGE = "15655255555897248710656000"  # beyond a 64-bit SQL LIMIT


@pytest.fixture
def schema(db):
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def client(admin_user):
    c = APIClient()
    c.force_login(admin_user)
    return c


@pytest.mark.parametrize("path", ["/api/users/", "/api/org-units/"])
def test_a_huge_page_limit_is_capped_instead_of_overflowing_the_sql_limit(client, path):
    resp = client.get(f"{path}?limit={HUGE}")
    assert resp.status_code == 200
    assert len(resp.json()["results"]) >= 1


@pytest.mark.parametrize(("path", "component"), [("/api/users/", "UserOutput"),
                                                 ("/api/org-units/", "OrgUnitOutput")])
def test_list_endpoints_are_documented_as_pages_of_rows(schema, path, component):
    body = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert set(page["properties"]) >= {"count", "next", "previous", "results"}
    assert page["properties"]["results"]["items"]["$ref"].endswith(f"/{component}")


def test_an_empty_org_unit_page_matches_its_schema(client):
    body = client.get("/api/org-units/?active=true&kind=company&parent=999999&q=").json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_token_lock_out_answer_429_is_documented(schema):
    assert "429" in schema["paths"]["/api/auth/token/"]["post"]["responses"]


def test_an_unknown_org_unit_404_is_documented(client, schema):
    assert client.get("/api/org-units/999999/").status_code == 404
    assert "404" in schema["paths"]["/api/org-units/{id}/"]["get"]["responses"]


@pytest.mark.parametrize(("path", "param"), [("/api/org-units/", "parent"), ("/api/org-units/", "under"),
                                             ("/api/users/", "unit")])
def test_an_id_filter_beyond_64_bits_is_a_400_not_an_overflow(client, path, param):
    resp = client.get(f"{path}?{param}=7195685493807277964001280&offset=1829360")
    assert resp.status_code == 400
    assert param in resp.json()


def test_a_broken_multipart_token_request_answers_a_documented_status(schema):
    client = APIClient()
    boundary = "702868196bfaef32d96d8f1be0a066f3"
    body = f"--{boundary}\r\n\U000c68e0--{boundary}--\r\n".encode()
    resp = client.generic("POST", "/api/auth/token/", body,
                          content_type=f"multipart/form-data; boundary={boundary}")
    assert 400 <= resp.status_code < 500
    assert str(resp.status_code) in schema["paths"]["/api/auth/token/"]["post"]["responses"]
