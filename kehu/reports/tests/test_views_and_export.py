"""The forms on screen, downloaded in the regulation's layout, submitted and corrected from the web UI."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse

from kehu.reports.models import ReportSubmission


@pytest.fixture
def november(sd, institution, pickup, regrade_sd):
    customer = institution("屏幕客户")
    pickup(customer, "3", date(2026, 11, 3))
    regrade_sd("2026-11")
    return customer


@pytest.fixture
def head_client(client, sd):
    client.force_login(sd["head"])
    return client


def test_the_form_shows_on_screen_with_its_due_date(head_client, november):
    response = head_client.get(reverse("reports:report_detail", args=["sd_grade_table"]), {"period": "2026-11"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "机构客户月度等级管理表" in body and "屏幕客户" in body
    assert "2026-12-05" in body
    assert 'id="report-submit"' in body


def test_a_future_period_on_screen_is_a_clear_message(head_client, november):
    response = head_client.get(reverse("reports:report_detail", args=["sd_grade_table"]), {"period": "2027-02"})
    assert response.status_code == 400
    assert "尚未开始" in response.content.decode()


def test_xlsx_download_has_title_merged_header_and_signatures(head_client, november):
    import openpyxl

    response = head_client.get(reverse("reports:report_export", args=["sd_grade_table", "xlsx"]),
                               {"period": "2026-11"})
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    assert ws["A1"].value == "机构客户月度等级管理表"
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("填报单位：济南分公司" in t for t in texts)
    assert any("填表人" in t and "审核人" in t and "负责人" in t for t in texts)
    assert "屏幕客户" in texts
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert any(r.startswith("F") for r in merged)  # 本月需求量 spans three columns
    assert wb.sheetnames[1] == "等级汇总"


def test_pdf_download_is_a_pdf(head_client, november):
    response = head_client.get(reverse("reports:report_export", args=["sd_grade_table", "pdf"]),
                               {"period": "2026-11"})
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_submit_then_correct_from_the_web(head_client, november):
    response = head_client.post(reverse("reports:report_submit", args=["sd_grade_table"]),
                                {"period": "2026-11", "unit": ""})
    first = ReportSubmission.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:submission_detail", args=[first.pk])
    page = head_client.get(response.url).content.decode()
    assert "现行版本（已冻结）" in page
    response = head_client.post(reverse("reports:submission_correct", args=[first.pk]), {"reason": "补录提货"})
    second = ReportSubmission.objects.get(is_current=True)
    assert second.version == 2
    page = head_client.get(reverse("reports:submission_detail", args=[first.pk])).content.decode()
    assert "已被更正（保留备查）" in page


def test_a_correction_without_reason_shows_the_message_and_saves_nothing(head_client, november):
    head_client.post(reverse("reports:report_submit", args=["sd_grade_table"]), {"period": "2026-11"})
    first = ReportSubmission.objects.get()
    response = head_client.post(reverse("reports:submission_correct", args=[first.pk]), {"reason": ""}, follow=True)
    assert "请填写更正原因" in response.content.decode()
    assert ReportSubmission.objects.count() == 1


def test_frozen_download_is_the_submitted_version(head_client, november, pickup, regrade_sd):
    import openpyxl

    head_client.post(reverse("reports:report_submit", args=["sd_grade_table"]), {"period": "2026-11"})
    first = ReportSubmission.objects.get()
    pickup(november, "10", date(2026, 11, 25))
    regrade_sd("2026-11")
    response = head_client.get(reverse("reports:submission_export", args=[first.pk, "xlsx"]))
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert 3 in values and 13 not in values  # 3 t as submitted, not the 13 t of today
    assert any(isinstance(v, str) and "第1版" in v for v in values)


def test_another_unit_cannot_open_a_submission(client, head_client, november, sd):
    head_client.post(reverse("reports:report_submit", args=["sd_grade_table"]), {"period": "2026-11"})
    first = ReportSubmission.objects.get()
    client.force_login(sd["qd_head"])
    assert client.get(reverse("reports:submission_detail", args=[first.pk])).status_code == 404


def test_the_report_list_and_the_dashboard_show_the_form_until_submitted(head_client, november, settings):
    from kehu.org.models import User
    from kehu.policy.services import pack_activation_set

    admin = User.objects.create_superuser("padmin", password="pw-12345678")
    pack_activation_set(actor=admin, pack_name="shandong-retail", active=True)
    home = head_client.get(reverse("home")).content.decode()
    assert "待报送的定期报表" in home
    assert reverse("reports:report_detail", args=["sd_grade_table"]) + "?period=" in home
    listing = head_client.get(reverse("reports:report_list")).content.decode()
    assert "机构客户月度等级管理表" in listing
    head_client.post(reverse("reports:report_submit", args=["sd_grade_table"]), {"period": _last_month()})
    link = reverse("reports:report_detail", args=["sd_grade_table"]) + "?period="
    home = head_client.get(reverse("home")).content.decode()
    assert link not in home


def _last_month() -> str:
    from django.utils import timezone

    from kehu.reports.periods import latest_ended_period
    from kehu.reports.selectors import report_definition

    return latest_ended_period(report_definition("sd_grade_table"), timezone.localdate()).key
