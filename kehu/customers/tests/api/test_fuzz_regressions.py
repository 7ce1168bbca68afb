"""Inputs found by fuzzing the archive API (schemathesis) that answered 500 or off-schema: each stays fixed."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from kehu.customers.tests.factories import ContactFactory

HUGE = "15655255555897248710656000"  # beyond a 64-bit SQL LIMIT


@pytest.fixture
def schema(db):
    return SchemaGenerator().get_schema(request=None, public=True)


def test_a_huge_page_limit_is_capped_instead_of_overflowing_the_sql_limit(api, am_user, customer):
    resp = api(am_user).get(f"/api/customers/?limit={HUGE}")
    assert resp.status_code == 200
    assert [r["id"] for r in resp.json()["results"]] == [customer.pk]


def test_a_page_limit_above_the_maximum_gives_at_most_1000_rows(api, am_user, customer):
    body = api(am_user).get("/api/customers/?limit=5000").json()
    assert body["next"] is None and body["count"] == 1


def test_a_contact_without_email_answers_an_empty_string_the_schema_allows(api, am_user, customer, schema):
    contact = ContactFactory(customer=customer, name="李娜", email="")
    body = api(am_user).get(f"/api/customers/{customer.pk}/contacts/{contact.pk}/").json()
    assert body["email"] == ""
    assert "format" not in schema["components"]["schemas"]["ContactOutput"]["properties"]["email"]


def test_file_downloads_are_documented_with_their_own_content_type(schema):
    for path in ("/api/customers/{customer_pk}/attachments/{id}/download/",
                 "/api/customers/{customer_pk}/qualifications/{id}/file/"):
        assert "*/*" in schema["paths"][path]["get"]["responses"]["200"]["content"]


@pytest.mark.parametrize(("path", "method", "codes"), [
    ("/api/customers/", "get", {"200", "400", "403"}),
    ("/api/customers/", "post", {"201", "400", "403", "415"}),
    ("/api/customers/{id}/", "get", {"200", "403", "404"}),
    ("/api/customers/{id}/", "patch", {"200", "400", "403", "404", "409", "415"}),
    ("/api/customers/{customer_pk}/contacts/{id}/", "delete", {"204", "400", "403", "404"}),
    ("/api/customers/{customer_pk}/invoicing/", "put", {"200", "400", "403", "404", "415"}),
    ("/api/customers/{customer_pk}/reads/", "get", {"200", "403", "404"}),
    ("/api/handovers/", "post", {"200", "400", "403", "415"}),
])
def test_the_schema_documents_the_error_answers_the_archive_api_gives(schema, path, method, codes):
    responses = schema["paths"][path][method]["responses"]
    assert set(responses) == codes
    for code in codes - {"200", "201", "204", "409", "415"}:
        assert "application/json" in responses[code]["content"]


def test_an_unknown_customer_answers_the_documented_404_body(api, am_user, schema):
    resp = api(am_user).get("/api/customers/999999/")
    assert resp.status_code == 404
    assert schema["components"]["schemas"]["ErrorResponse"]["required"] == ["detail"]
    assert isinstance(resp.json()["detail"], str)


@pytest.mark.parametrize("kind", ["attachments/{pk}/download", "qualifications/{pk}/file"])
def test_a_missing_file_asked_for_as_binary_answers_a_json_404(api, am_user, customer, kind):
    url = f"/api/customers/{customer.pk}/{kind.format(pk=900)}/?format=bin"
    resp = api(am_user).get(url)
    assert resp.status_code == 404
    assert resp["Content-Type"] == "application/json"
    assert resp.json()["detail"]


def test_options_on_the_invoicing_endpoint_describes_it_instead_of_failing(api, am_user, customer):
    resp = api(am_user).options(f"/api/customers/{customer.pk}/invoicing/")
    assert resp.status_code == 200
    assert resp.json()["name"]


def test_options_on_invoicing_of_a_customer_out_of_scope_still_answers(api, am_user, other_customer):
    assert api(am_user).options(f"/api/customers/{other_customer.pk}/invoicing/").status_code == 200


@pytest.mark.parametrize("param", ["owner", "unit"])
def test_an_id_filter_beyond_64_bits_is_a_400_not_an_overflow(api, am_user, customer, param):
    resp = api(am_user).get(f"/api/customers/?{param}=7195685493807277964001280")
    assert resp.status_code == 400
    assert param in resp.json()


def test_a_handover_of_a_customer_id_beyond_64_bits_is_a_400(api, admin_user, am_user, am_user2, customer):
    resp = api(admin_user).post("/api/handovers/", {
        "from_user": am_user.pk, "to_user": am_user2.pk, "reason": "调岗",
        "customer_ids": [7195685493807277964001280],
    }, format="json")
    assert resp.status_code == 400
    assert "customer_ids" in resp.json()
