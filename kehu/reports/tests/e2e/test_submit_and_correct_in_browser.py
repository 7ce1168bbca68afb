"""A city's department head finds last month's 附录5 due on the dashboard, downloads it, submits it (frozen), and
later corrects it with a reason: version 1 stays, marked as corrected."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kehu.reports.models import ReportSubmission


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_due_form_is_downloaded_submitted_and_corrected(live_server, page, sd, institution, pickup, regrade_sd,
                                                        superuser):
    from kehu.policy.services import pack_activation_set

    pack_activation_set(actor=superuser, pack_name="shandong-retail", active=True)
    last_month_end = timezone.localdate().replace(day=1) - timedelta(days=1)
    customer = institution("浏览器测试机构客户")
    pickup(customer, "3", last_month_end - timedelta(days=3))
    regrade_sd(f"{last_month_end:%Y-%m}")

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "jn_head")
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")

    due = page.locator("#reports-due")
    expect(due).to_contain_text("机构客户月度等级管理表")
    due.get_by_text("机构客户月度等级管理表").click()
    expect(page.locator("#table-detail")).to_contain_text("浏览器测试机构客户")
    expect(page.locator("#report-status")).to_contain_text("未提交")

    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.locator("#report-submit button").click()
    expect(page.locator("#submission-status")).to_contain_text("现行版本（已冻结）")
    first = ReportSubmission.objects.get()

    page.fill("#id_reason", "补录月末提货单")
    page.locator("#correct-form button").click()
    expect(page.locator("#submission-status")).to_contain_text("现行版本（已冻结）")
    expect(page.locator("#versions")).to_contain_text("已被更正")
    assert ReportSubmission.objects.get(is_current=True).version == 2
    first.refresh_from_db()
    assert first.is_current is False

    page.goto(live_server.url + "/")
    expect(page.locator("#reports-due")).not_to_contain_text("机构客户月度等级管理表")
