"""A complaint from intake to closure in a real browser."""

import pytest

from kehu.service.models import Complaint, ComplaintStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_complaint_intake_to_closure(browser, live_server, am_user, customer_factory):
    customer = customer_factory(owner=am_user, name="咸阳渭河商混站")
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "am1")
    page.fill("input[name=password]", "pw-12345678")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/service/complaints/new/")
    # Submitting without a customer shows a field error and saves nothing.
    page.select_option("select[name=complaint_type]", "quality")
    page.fill("textarea[name=description]", "到货颗粒有黑点，要求退换")
    page.click("#submit-complaint")
    assert page.locator("text=请选择投诉的客户").count() == 1
    page.fill("input[name=customer]", customer.code)
    page.select_option("select[name=complaint_type]", "quality")
    page.click("#submit-complaint")
    page.wait_for_selector("#complaint-status")
    complaint = Complaint.objects.get()
    assert complaint.code in page.content()
    page.select_option("select[name=resolve-responsibility]", "ours")
    page.fill("textarea[name=resolve-solution]", "退换同批次产品并承担运费")
    page.click("#form-resolve button")
    page.wait_for_selector("#form-follow_up")
    page.select_option("select[name=follow_up-satisfaction]", "satisfied")
    page.fill("input[name=follow_up-contact_name]", "王站长")
    page.click("#form-follow_up button")
    page.wait_for_selector("text=投诉关闭")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert "已关闭" in page.locator("#complaint-status").inner_text()
