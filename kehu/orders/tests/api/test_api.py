"""The API answers what the web UI shows, through the same services: 4xx with the field for bad input."""

import pytest
from rest_framework.test import APIClient

from kehu.orders.models import Order
from kehu.orders.tests.conftest import give_limit

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(customer, qty="10", **kw):
    return {"customer": customer.pk, "order_date": "2026-12-06",
            "lines": [{"product": "PE-LLDP", "quantity": qty, **kw}]}


def test_quote_and_create_return_terms_with_articles(graded, users, catalogue):
    client = api(users["am"])
    quote = client.post("/api/orders/quote/", body(graded["D"]), format="json")
    assert quote.status_code == 200, quote.json()
    data = quote.json()
    assert data["lines"][0]["unit_price"] == "8400.00" and data["payment_terms"] == "款到发货"
    assert {"code": "price", "article": "abcd-scoring 一、3"}.items() <= data["clauses"][1].items()
    created = client.post("/api/orders/", body(graded["A"]), format="json")
    assert created.status_code == 201 and created.json()["promised_on"] == "2026-12-26"
    assert Order.objects.count() == 1


def test_bad_input_answers_400_on_the_field_and_saves_nothing(graded, users, catalogue, am_user2):
    client = api(users["am"])
    zero = client.post("/api/orders/", body(graded["A"], qty="0"), format="json")
    assert zero.status_code == 400 and "lines" in zero.json()
    other = api(am_user2).post("/api/orders/", body(graded["A"]), format="json")
    assert other.status_code == 400 and "customer" in other.json()
    assert Order.objects.count() == 0


def test_state_changes_through_the_api(graded, users, catalogue):
    from kehu.policy.models import AdminValue

    AdminValue.objects.create(pack_name="abcd-scoring", key="orders.review_skip_below_yuan", value=10**7)
    give_limit(graded["A"], "1000000", users)
    order = api(users["am"]).post("/api/orders/", body(graded["A"]), format="json").json()
    submitted = api(users["am"]).post(f"/api/orders/{order['id']}/submit/", {}, format="json")
    assert submitted.json()["status"] == "confirmed"
    again = api(users["am"]).post(f"/api/orders/{order['id']}/submit/", {}, format="json")
    assert again.status_code == 409
    assert api(users["am"]).post(f"/api/orders/{order['id']}/release/", {}, format="json").status_code == 403
    released = api(users["warehouse"]).post(f"/api/orders/{order['id']}/release/", {}, format="json")
    assert released.status_code == 200 and released.json()["status"] == "released"
    queue = api(users["planner"]).get("/api/orders/queue/")
    assert queue.status_code == 200


def test_credit_and_inquiries(graded, users):
    credit = api(users["am"]).get(f"/api/credit/{graded['A'].pk}/")
    assert credit.status_code == 200 and credit.json()["payment_terms"] == "交货日3个月内付款"
    refused = api(users["finance"]).post(f"/api/credit/{graded['D'].pk}/requests/",
                                         {"kind": "limit", "new_limit": "-1", "reason": "x"}, format="json")
    assert refused.status_code == 400 and "new_limit" in refused.json()
    made = api(users["am"]).post("/api/inquiries/", {"customer": graded["A"].pk, "subject": "报价"}, format="json")
    assert made.status_code == 201 and made.json()["deadline_article"] == "abcd-scoring 一、6"
    answered = api(users["am"]).post(f"/api/inquiries/{made.json()['id']}/answer/", {"answer": "8000 元/吨"},
                                     format="json")
    assert answered.status_code == 200 and answered.json()["answered_on_time"] is True
