"""An administrator exports the audit trail (CSV/XLSX) by date range, customer and user; the export is recorded."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from kehu.audit.models import AuditExport
from kehu.audit.selectors import AuditFilter, audit_trail
from kehu.core.errors import ForbiddenError
from kehu.customers.models import CustomerRead
from kehu.customers.services import contact_save, customer_read_record, customer_update

pytestmark = pytest.mark.django_db
URL = "/audit/"


@pytest.fixture
def trail(am_user, am_user2, customer_factory):
    mine = customer_factory(owner=am_user, name="济南鲁兴塑料制品有限公司")
    other = customer_factory(owner=am_user2, name="青岛海化贸易有限公司")
    customer_update(actor=am_user, customer=mine, expected_version=1, address="济南市历下区", reason="地址变更")
    contact_save(actor=am_user, customer=mine, name="张伟", mobile="13912345678", reason="新增联系人")
    customer_read_record(customer=mine, actor=am_user, channel="page")
    customer_read_record(customer=other, actor=am_user2, channel="api")
    return mine, other


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _post(client, **data):
    today = timezone.localdate()
    form = {"date_from": (today - timedelta(days=1)).isoformat(), "date_to": today.isoformat(),
            "kinds": ["history", "read", "event", "export"], "file_format": "csv", **data}
    return client.post(URL, form)


def test_the_export_of_one_customer_holds_its_changes_and_reads_with_personal_data_masked(client, admin_user,
                                                                                           trail, am_user):
    mine, _other = trail
    client.force_login(admin_user)
    rows = _csv(_post(client, customer_code=mine.code))
    assert {r["客户编码"] for r in rows} == {mine.code}
    edit = next(r for r in rows if r["操作"] == "修改" and r["记录"].startswith("客户"))
    assert "地址: （空） → 济南市历下区" in edit["变更内容"] and edit["原因/说明"] == "地址变更"
    assert (edit["操作人ID"], edit["操作人账号"]) == (str(am_user.pk), am_user.username)
    contact = next(r for r in rows if r["记录"].startswith("联系人"))
    assert "139****5678" in contact["变更内容"] and "13912345678" not in contact["变更内容"]
    read = next(r for r in rows if r["类别"] == "查阅记录")
    assert read["操作"] == "查阅（页面）"
    times = [r["时间"] for r in rows]
    assert times == sorted(times)


def test_the_export_is_itself_recorded_and_counts_as_a_read_of_the_archive(client, admin_user, trail):
    mine, _ = trail
    client.force_login(admin_user)
    rows = _csv(_post(client, customer_code=mine.code, kinds=["history", "read"]))
    export = AuditExport.objects.get()
    assert (export.actor, export.customer, export.row_count, export.file_format) == (admin_user, mine, len(rows),
                                                                                     "csv")
    assert export.request_id
    assert CustomerRead.objects.filter(customer=mine, user=admin_user, channel="export").exists()
    # the next export shows the first one
    later = _csv(_post(client, kinds=["export"]))
    assert [r["操作"] for r in later] == ["导出审计记录"]
    assert mine.code in later[0]["客户编码"] and "修改记录、查阅记录" in later[0]["变更内容"]


def test_filtering_by_user_and_by_date(client, admin_user, trail, am_user2):
    client.force_login(admin_user)
    rows = _csv(_post(client, username=am_user2.username, kinds=["read"]))
    assert [(r["操作人账号"], r["操作"]) for r in rows] == [(am_user2.username, "查阅（接口）")]
    yesterday = timezone.localdate() - timedelta(days=1)
    assert _csv(_post(client, date_from=yesterday.isoformat(), date_to=yesterday.isoformat())) == []


def test_xlsx_export_opens_with_the_header_and_rows(client, admin_user, trail):
    mine, _ = trail
    client.force_login(admin_user)
    response = _post(client, customer_code=mine.code, file_format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "类别", "记录", "操作")
    assert len(rows) - 1 == AuditExport.objects.get().row_count


def test_bad_filters_show_what_is_wrong_and_record_nothing(client, admin_user, trail):
    client.force_login(admin_user)
    today = timezone.localdate()
    response = _post(client, customer_code="NOPE", username="nobody", date_from=today.isoformat(),
                     date_to=(today - timedelta(days=3)).isoformat())
    body = response.content.decode()
    assert response.status_code == 400
    assert "没有编码为 NOPE 的客户" in body and "没有账号为 nobody 的用户" in body
    assert "截止日期不能早于起始日期" in body
    assert not AuditExport.objects.exists()


def test_an_account_manager_may_not_export_the_trail(client, am_user, trail):
    client.force_login(am_user)
    assert client.get(URL).status_code == 403
    assert _post(client).status_code == 403
    flt = AuditFilter(date_from=timezone.localdate(), date_to=timezone.localdate())
    with pytest.raises(ForbiddenError):
        list(audit_trail(actor=am_user, flt=flt))


def test_the_page_shows_the_retention_period(client, admin_user):
    client.force_login(admin_user)
    body = client.get(URL).content.decode()
    assert "保存 12 个月（不少于六个月）" in body and "审计记录导出" in body


def test_queries_do_not_grow_with_the_number_of_changes(admin_user, am_user, customer_factory,
                                                        django_assert_max_num_queries):
    customer = customer_factory(owner=am_user)
    for i in range(30):
        customer_update(actor=am_user, customer=customer, expected_version=i + 1, address=f"地址{i}")
    flt = AuditFilter(date_from=timezone.localdate(), date_to=timezone.localdate(), customer=customer)
    with django_assert_max_num_queries(30):  # per source: the rows and one chunk of previous versions
        rows = list(audit_trail(actor=admin_user, flt=flt))
    assert sum(1 for r in rows if r.action == "修改") == 30
