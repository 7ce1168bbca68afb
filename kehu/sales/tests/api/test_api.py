

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from kehu.sales.models import Pickup
from kehu.sales.tests.conftest import HEADER


@pytest.fixture
def api():
    return APIClient()


def test_products_are_listed(api, am_user, catalogue):
    api.force_authenticate(am_user)
    codes = [p["code"] for p in api.get("/api/sales/products/").json()["results"]]
    assert "PE-LLDP" in codes and "GAS-92" in codes


def test_an_api_pickup_for_a_suspended_customer_is_a_400_with_the_field(api, manager_user, catalogue, customers):
    api.force_authenticate(manager_user)
    resp = api.post("/api/sales/pickups/", {
        "customer": customers["suspended"].pk, "product": "PE-LLDP", "quantity": "1", "unit": "t", "amount": "1",
        "picked_on": "2024-03-01", "source_ref": "A1"}, format="json")
    assert resp.status_code == 400 and "customer" in resp.json()


def test_an_api_pickup_is_created_and_listed(api, manager_user, catalogue, customers):
    api.force_authenticate(manager_user)
    resp = api.post("/api/sales/pickups/", {
        "customer": customers["a"].pk, "product": "GAS-92", "quantity": "2000", "unit": "L", "amount": "15900",
        "picked_on": "2024-03-01", "source_ref": "A1", "warehouse": "JN-01"}, format="json")
    assert resp.status_code == 201, resp.json()
    assert resp.json()["base_quantity"] == "1.450"
    assert api.get("/api/sales/pickups/").json()["count"] == 1


def test_a_payment_against_an_unknown_invoice_is_a_field_error(api, make_user, customers):
    from kehu.sales.models import Payment, Receivable

    finance = make_user("finance_reviewer", "finance", username="kuaiji")
    Receivable.objects.create(customer=customers["b"], invoice_no="INV-B1", amount="100.00", invoiced_on="2024-03-01",
                              due_on="2024-04-01")
    api.force_authenticate(finance)
    for invoice in ("NOPE", "INV-B1"):  # unknown, and another customer's: the same answer
        resp = api.post("/api/sales/payments/", {"customer": customers["a"].pk, "amount": "10", "paid_on": "2024-03-02",
                                                 "reference": f"BANK-{invoice}", "invoice_no": invoice}, format="json")
        assert resp.status_code == 400 and resp.json()["invoice_no"] == ["发票号不存在，或不属于此客户。"]
    assert not Payment.objects.exists()


def test_an_account_manager_cannot_create_pickups(api, am_user, catalogue, customers):
    api.force_authenticate(am_user)
    resp = api.post("/api/sales/pickups/", {
        "customer": customers["a"].pk, "product": "PE-LLDP", "quantity": "1", "unit": "t", "amount": "1",
        "picked_on": "2024-03-01", "source_ref": "A1"}, format="json")
    assert resp.status_code == 403 and Pickup.objects.count() == 0


def test_a_plan_is_submitted_through_the_api(api, am_user, catalogue, customers):
    api.force_authenticate(am_user)
    resp = api.post("/api/sales/plans/", {
        "customer": customers["a"].pk, "month": "2030-05-01", "note": "",
        "lines": [{"product": "PE-LLDP", "quantity": "300", "unit": "t", "pickup_on": "2030-05-10"}]}, format="json")
    assert resp.status_code == 201, resp.json()
    assert resp.json()["is_late"] is False


def test_import_upload_and_status(api, make_user, catalogue, customers, django_capture_on_commit_callbacks):
    clerk = make_user("sales_reviewer", "sales", username="clerk")
    api.force_authenticate(clerk)
    content = (",".join(HEADER) + "\n" + "C001,客户,PE-LLDP,1,吨,10,2024-03-01,JN-01,R1\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post("/api/sales/imports/", {"file": SimpleUploadedFile("p.csv", content)}, format="multipart")
    assert resp.status_code == 202, resp.json()
    job_id = resp.json()["id"]
    status = api.get(f"/api/sales/imports/{job_id}/").json()
    assert status["status"] == "succeeded" and status["inserted_rows"] == 1 and status["percent"] == 100




def test_payments_are_imported_through_the_api_by_finance(api, make_user, customers,
                                                          django_capture_on_commit_callbacks):
    finance = make_user("finance_reviewer", "finance")
    api.force_authenticate(finance)
    content = "银行流水号,客户编码,金额,付款日期\nYH1,C001,100.00,2024-03-01\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post("/api/sales/imports/", {"file": SimpleUploadedFile("p.csv", content), "kind": "payments"},
                        format="multipart")
    assert resp.status_code == 202, resp.json()
    status = api.get(f"/api/sales/imports/{resp.json()['id']}/").json()
    assert status["kind"] == "payments" and status["status"] == "succeeded" and status["inserted_rows"] == 1


def test_a_sales_clerk_may_not_import_payments(api, make_user, customers):
    api.force_authenticate(make_user("sales_reviewer", "sales"))
    resp = api.post("/api/sales/imports/", {"file": SimpleUploadedFile("p.csv", b"x"), "kind": "payments"},
                    format="multipart")
    assert resp.status_code == 403
