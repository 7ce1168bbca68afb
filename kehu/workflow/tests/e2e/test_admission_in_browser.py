"""The full admission path in real Chromium: a 客户经理 submits the 开户审批表, 销售部, 财务部 and 总经理 approve one
after another, and the prospect becomes an active customer (000 第七条)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kehu.customers.models import CustomerStatus
from kehu.workflow.models import AdmissionApplication

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _approve_in_inbox(page, base_url: str, comment: str) -> None:
    page.goto(f"{base_url}/approvals/")
    expect(page.get_by_test_id("count-waiting")).to_have_text("1")
    page.get_by_role("link", name="办理").first.click()
    form = page.get_by_test_id("decide-form")
    form.get_by_label("同意").check()
    form.get_by_placeholder(re.compile("批注")).fill(comment)
    form.get_by_role("button", name="提交审批意见").click()
    expect(page.locator(".alert-success")).to_contain_text("审批意见已提交")


def test_submit_then_three_approvals_by_three_people_make_an_active_customer(
    live_server, login, am_user, prospect, sales_reviewer, finance_reviewer, general_manager
):
    base = live_server.url
    page = login("am1")
    page.goto(f"{base}/approvals/admission/new/")
    page.select_option("#id_customer", str(prospect.pk))
    page.select_option("#id_customer_type", "direct")
    page.fill("#id_expected_products", "聚丙烯 T30S")
    page.fill("#id_expected_monthly_quantity", "800")
    page.get_by_label("直接使用公司产品的生产型企业，具有一定生产规模").check()
    page.get_by_label("资金诚信良好").check()
    page.get_by_role("button", name="提交审批").click()
    expect(page.get_by_test_id("admission-status")).to_have_text("审批中")
    expect(page.get_by_test_id("customer-status")).to_contain_text("审批中")
    app_url = page.url

    _approve_in_inbox(login("xiaoshou"), base, "资质材料齐全")
    _approve_in_inbox(login("caiwu"), base, "税务登记与开票资料无误")
    _approve_in_inbox(login("zongjingli"), base, "同意开户")

    page.goto(app_url)
    expect(page.get_by_test_id("admission-status")).to_have_text("已批准")
    expect(page.get_by_test_id("customer-status")).to_contain_text("正式客户")
    for name in ("钱审核", "孙会计", "赵总"):
        expect(page.locator(".kehu-approval-panel")).to_contain_text(name)
    prospect.refresh_from_db()
    assert prospect.status == CustomerStatus.ACTIVE
    steps = AdmissionApplication.objects.get(customer=prospect).approval.steps.order_by("order")
    assert [s.decided_by.username for s in steps] == ["xiaoshou", "caiwu", "zongjingli"]
