import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.customers.models import CustomerRead


def test_search_by_pinyin_initials_finds_the_customer(am_client, customer, customer_factory, am_user):
    customer_factory(name="青岛恒通塑料有限公司", owner=am_user)
    response = am_client.get(reverse("customers:list"), {"q": "zgsh"})
    assert response.status_code == 200
    assert customer.name in response.content.decode()
    assert "青岛恒通塑料有限公司" not in response.content.decode()


def test_list_shows_only_customers_in_scope(am_client, customer, other_customer):
    body = am_client.get(reverse("customers:list")).content.decode()
    assert customer.name in body
    assert other_customer.name not in body


def test_manager_filters_by_owner(client, manager_user, customer, other_customer, am_user2):
    client.force_login(manager_user)
    body = client.get(reverse("customers:list"), {"owner": am_user2.pk}).content.decode()
    assert other_customer.name in body and customer.name not in body


def test_status_and_classification_filters(am_client, customer_factory, am_user):
    customer_factory(name="甲商混站", owner=am_user, status="suspended", classifications={"类别": "商混站"})
    customer_factory(name="乙中间商", owner=am_user, status="active", classifications={"类别": "中间商"})
    body = am_client.get(reverse("customers:list"), {"status": "suspended"}).content.decode()
    assert "甲商混站" in body and "乙中间商" not in body
    body = am_client.get(reverse("customers:list"), {"cls": "类别=中间商"}).content.decode()
    assert "乙中间商" in body and "甲商混站" not in body


def test_htmx_search_returns_only_the_results_fragment(am_client, customer):
    response = am_client.get(reverse("customers:list"), {"q": "单县"}, HTTP_HX_REQUEST="true",
                             HTTP_HX_TARGET="results")
    body = response.content.decode()
    assert customer.name in body and "<html" not in body


def test_list_page_query_count_does_not_grow_with_customers(
    client, manager_user, customer_factory, am_user, django_assert_num_queries
):
    client.force_login(manager_user)
    url = reverse("customers:list")
    for i in range(3):
        customer_factory(name=f"测试客户{i}", owner=am_user)
    client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(60):
        customer_factory(name=f"更多客户{i}", owner=am_user, classifications={"类别": "商混站"})
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url, {"page": 2})
    assert response.status_code == 200 and "更多客户" in response.content.decode()


def test_total_is_capped_instead_of_counting_everything(am_client, customer_factory, am_user, monkeypatch):
    from kehu.customers import views

    monkeypatch.setattr(views, "COUNT_LIMIT", 5)
    for i in range(7):
        customer_factory(name=f"测试客户{i}", owner=am_user)
    body = am_client.get(reverse("customers:list")).content.decode()
    assert "共 5+ 条" in body


def _csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_export_has_the_scoped_filtered_list_and_logs_each_read(am_client, am_user, customer, other_customer):
    response = am_client.get(reverse("customers:export_csv"))
    rows = _csv_rows(response)
    assert rows[0][:2] == ["客户编码", "客户全称"]
    assert [r[1] for r in rows[1:]] == [customer.name]
    reads = CustomerRead.objects.filter(user=am_user, channel="export")
    assert list(reads.values_list("customer_id", flat=True)) == [customer.pk]


def test_xlsx_export_opens_in_excel_with_chinese_headers(am_client, customer):
    response = am_client.get(reverse("customers:export_xlsx"), {"q": "单县"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A1"].value == "客户编码"
    assert sheet["B2"].value == customer.name


@pytest.mark.parametrize("name", ["customers:export_csv", "customers:export_xlsx"])
def test_export_needs_the_export_permission(client, staff_user, customer_factory, name):
    customer_factory(name="业务员的客户", owner=staff_user)
    client.force_login(staff_user)
    assert client.get(reverse(name)).status_code == 403
    assert not CustomerRead.objects.filter(channel="export").exists()


def test_export_buttons_hidden_without_permission(client, staff_user):
    client.force_login(staff_user)
    body = client.get(reverse("customers:list")).content.decode()
    assert "export-csv" not in body


def test_large_export_logs_reads_chunk_by_chunk(am_client, am_user, customer_factory, monkeypatch):
    from kehu.customers import views

    monkeypatch.setattr(views, "EXPORT_CHUNK", 2)
    made = {customer_factory(name=f"导出客户{i}", owner=am_user).pk for i in range(5)}
    rows = _csv_rows(am_client.get(reverse("customers:export_csv")))
    assert len(rows) == 6
    assert set(CustomerRead.objects.filter(channel="export").values_list("customer_id", flat=True)) == made
    assert CustomerRead.objects.filter(channel="export").count() == 5


def test_owner_outside_scope_in_the_url_does_not_widen_or_drop_the_search(am_client, customer, customer_factory,
                                                                          am_user, am_user2):
    customer_factory(name="青岛恒通塑料有限公司", owner=am_user)
    body = am_client.get(reverse("customers:list"), {"q": "zgsh", "owner": am_user2.pk}).content.decode()
    assert customer.name in body and "青岛恒通塑料有限公司" not in body
