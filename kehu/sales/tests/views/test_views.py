from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kehu.sales.models import ImportJob, ImportStatus, Pickup
from kehu.sales.tests.conftest import HEADER


def _pickup(customer, product, ref, qty="10", day=None, amount="1000"):
    return Pickup.objects.create(customer=customer, product=product, product_group_id=product.group_id,
                                 quantity=Decimal(qty), unit="t", base_quantity=Decimal(qty), amount=Decimal(amount),
                                 picked_on=day or timezone.localdate(), source="t", source_ref=ref)


@pytest.fixture
def two_pickups(catalogue, customers):
    _pickup(customers["a"], catalogue["pe"], "MINE")
    _pickup(customers["b"], catalogue["pe"], "THEIRS")


def test_the_pickup_list_shows_only_the_users_customers(client, am_user, two_pickups):
    client.force_login(am_user)
    html = client.get(reverse("sales:pickup_list")).content.decode()
    assert "MINE" in html and "THEIRS" not in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_obeys_the_data_scope(client, am_user, two_pickups, fmt):
    client.force_login(am_user)
    resp = client.get(reverse("sales:pickup_export", args=[fmt]))
    assert resp.status_code == 200
    body = b"".join(resp.streaming_content) if resp.streaming else resp.content
    if fmt == "xlsx":
        import io

        from openpyxl import load_workbook

        ws = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
        refs = [r[11] for r in ws.iter_rows(min_row=2, values_only=True)]
    else:
        refs = [line.split(",")[11] for line in body.decode("utf-8-sig").splitlines()[1:]]
    assert refs == ["MINE"]


def test_a_manager_sees_and_exports_the_whole_department(client, manager_user, two_pickups):
    client.force_login(manager_user)
    resp = client.get(reverse("sales:pickup_export", args=["csv"]))
    text = b"".join(resp.streaming_content).decode("utf-8-sig")
    assert "MINE" in text and "THEIRS" in text


def test_upload_runs_the_import_and_shows_the_result_with_an_error_report(client, make_user, catalogue, customers,
                                                                          django_capture_on_commit_callbacks):
    clerk = make_user("sales_reviewer", "sales", username="clerk")
    client.force_login(clerk)
    content = ("\ufeff" + ",".join(HEADER) + "\r\n" + "C001,客户,PE-LLDP,-1,吨,10,2024-03-01,JN-01,R1\r\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("sales:import"), {"file": SimpleUploadedFile("p.csv", content), "source": "erp"})
    job = ImportJob.objects.get()
    assert resp.status_code == 302 and resp.url == reverse("sales:import_job", args=[job.pk])
    assert job.status == ImportStatus.REJECTED and job.error_count == 1
    page = client.get(resp.url).content.decode()
    assert "数量不能为负数" in page and "hx-trigger" not in page
    report = client.get(reverse("sales:import_errors", args=[job.pk, "csv"]))
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert "2,数量,-1,数量不能为负数" in text
    xlsx = client.get(reverse("sales:import_errors", args=[job.pk, "xlsx"]))
    assert xlsx.status_code == 200


def test_a_running_import_page_polls_for_progress(client, make_user, catalogue):
    clerk = make_user("sales_reviewer", "sales", username="clerk")
    job = ImportJob.objects.create(original_name="x.csv", created_by=clerk, status=ImportStatus.RUNNING)
    client.force_login(clerk)
    html = client.get(reverse("sales:import_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html


def test_someone_elses_import_job_is_not_found(client, make_user, catalogue):
    owner = make_user("sales_reviewer", "sales", username="clerk")
    other = make_user("sales_reviewer", "sales", username="clerk2")
    job = ImportJob.objects.create(original_name="x.csv", created_by=owner)
    client.force_login(other)
    assert client.get(reverse("sales:import_job", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_downloads(client, am_user, fmt):
    client.force_login(am_user)
    resp = client.get(reverse("sales:import_template", args=[fmt]))
    body = b"".join(resp.streaming_content) if resp.streaming else resp.content
    assert resp.status_code == 200 and len(body) > 100


def test_monthly_fragment_and_json_for_a_visible_customer(client, am_user, catalogue, customers):
    _pickup(customers["a"], catalogue["pe"], "R1", qty="12.5", amount="999.5")
    client.force_login(am_user)
    html = client.get(reverse("sales:customer_monthly", args=[customers["a"].pk])).content.decode()
    assert "data-sales-chart" in html and "12.500" in html and "sales/monthly_chart.js" in html
    data = client.get(reverse("sales:customer_monthly_json", args=[customers["a"].pk])).json()
    assert data["series"][0]["name"] == "聚烯烃" and data["series"][0]["data"][-1] == "12.500"
    assert data["amount"][-1] == "999.50" and len(data["months"]) == 12


def test_monthly_of_a_customer_outside_scope_is_404(client, am_user, catalogue, customers):
    client.force_login(am_user)
    assert client.get(reverse("sales:customer_monthly", args=[customers["b"].pk])).status_code == 404
    assert client.get(reverse("sales:customer_monthly_json", args=[customers["b"].pk])).status_code == 404


def test_payments_and_plans_pages_render(client, manager_user, catalogue):
    client.force_login(manager_user)
    assert client.get(reverse("sales:payment_list")).status_code == 200
    assert client.get(reverse("sales:plan_list")).status_code == 200


def test_pickup_list_filters_by_date(client, am_user, catalogue, customers):
    _pickup(customers["a"], catalogue["pe"], "OLD", day=date(2024, 1, 1))
    _pickup(customers["a"], catalogue["pe"], "NEW", day=date(2024, 6, 1))
    client.force_login(am_user)
    html = client.get(reverse("sales:pickup_list"), {"date_from": "2024-05-01"}).content.decode()
    assert "NEW" in html and "OLD" not in html
