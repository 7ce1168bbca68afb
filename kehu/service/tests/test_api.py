import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api(am_user):
    c = APIClient()
    c.force_authenticate(am_user)
    return c


def test_api_refuses_a_complaint_without_customer_or_type_with_field_errors(api):
    r = api.post("/api/service/complaints/", {"description": "x"}, format="json")
    assert r.status_code == 400
    assert {"customer", "complaint_type"} <= set(r.json())


def test_api_complaint_through_to_reopen(api, customer):
    r = api.post("/api/service/complaints/", {"customer": customer.pk, "complaint_type": "quality",
                                              "description": "色差"}, format="json")
    assert r.status_code == 201
    pk = r.json()["id"]
    r = api.post(f"/api/service/complaints/{pk}/resolve/", {"responsibility": "not_ours",
                                                             "solution": "解释原因并指导使用"}, format="json")
    assert r.status_code == 200
    r = api.post(f"/api/service/complaints/{pk}/follow-up/", {"satisfaction": "unsatisfied"}, format="json")
    assert r.json()["status"] == "investigating" and r.json()["reopen_count"] == 1


def test_api_other_scope_is_404(am_user2, customer, api):
    pk = api.post("/api/service/complaints/", {"customer": customer.pk, "complaint_type": "quality",
                                               "description": "x"}, format="json").json()["id"]
    other = APIClient()
    other.force_authenticate(am_user2)
    assert other.get(f"/api/service/complaints/{pk}/").status_code == 404
