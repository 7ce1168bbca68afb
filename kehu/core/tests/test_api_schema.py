"""The OpenAPI schema at /api/schema/ generates cleanly and documents the archive API."""

import pytest
from django.core.management import call_command
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

ARCHIVE_PATHS = (
    "/api/auth/token/",
    "/api/users/",
    "/api/users/me/",
    "/api/org-units/",
    "/api/org-units/{id}/",
    "/api/customers/",
    "/api/customers/{id}/",
    "/api/customers/{customer_pk}/contacts/",
    "/api/customers/{customer_pk}/contacts/{id}/",
    "/api/customers/{customer_pk}/qualifications/",
    "/api/customers/{customer_pk}/qualifications/{id}/",
    "/api/customers/{customer_pk}/qualifications/{id}/file/",
    "/api/customers/{customer_pk}/invoicing/",
    "/api/customers/{customer_pk}/attachments/",
    "/api/customers/{customer_pk}/attachments/{id}/",
    "/api/customers/{customer_pk}/attachments/{id}/download/",
    "/api/customers/{customer_pk}/history/",
    "/api/customers/{customer_pk}/reads/",
    "/api/handovers/",
)


@pytest.mark.django_db
def test_schema_documents_every_archive_endpoint():
    resp = APIClient().get("/api/schema/", {"format": "json"})
    assert resp.status_code == 200
    schema = resp.json()
    missing = [p for p in ARCHIVE_PATHS if p not in schema["paths"]]
    assert missing == []
    customers = schema["paths"]["/api/customers/"]
    assert {p["name"] for p in customers["get"]["parameters"]} >= {"q", "status", "owner", "unit", "classification"}
    assert "409" in schema["paths"]["/api/customers/{id}/"]["patch"]["responses"]
    upload = schema["paths"]["/api/customers/{customer_pk}/attachments/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload


def test_archive_and_org_endpoints_generate_without_warnings_or_errors():
    """Only this API's own routes, so a colleague's unfinished endpoint cannot hide a regression here."""
    patterns = [path("api/", include([
        path("", include("kehu.core.api_urls")),
        path("", include("kehu.org.api_urls")),
        path("", include("kehu.customers.api_urls")),
    ]))]
    GENERATOR_STATS.reset()
    try:
        schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
        problems = dict(GENERATOR_STATS._warn_cache) | dict(GENERATOR_STATS._error_cache)
    finally:
        GENERATOR_STATS.reset()
    assert problems == {}
    validate_schema(schema)
    assert set(ARCHIVE_PATHS) <= set(schema["paths"])


@pytest.mark.django_db
def test_whole_project_schema_passes_spectacular_validate_fail_on_warn(tmp_path):
    """`manage.py spectacular --validate --fail-on-warn` over every app's endpoints."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.stat().st_size > 0
