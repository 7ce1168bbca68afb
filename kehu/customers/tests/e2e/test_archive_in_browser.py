import os
import re
import tempfile

import pytest
from playwright.sync_api import expect

from kehu.customers.tests.factories import ContactFactory, CustomerFactory

SCREENSHOT_DIR = os.environ.get("KEHU_E2E_SCREENSHOTS", tempfile.gettempdir())


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_account_manager_finds_by_initials_edits_a_contact_and_sees_it_in_history(live_server, page, am_user):
    customer = CustomerFactory(name="中国石化销售股份有限公司山东单县加油站", short_name="单县站", owner=am_user)
    CustomerFactory(name="青岛恒通塑料有限公司", short_name="恒通塑料", owner=am_user)
    ContactFactory(customer=customer, name="张伟", title="采购经理", mobile="13912345678")

    # Log in as a 客户经理
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "am1")
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()

    # Find the customer by pinyin initials in the one search box
    page.get_by_role("link", name="客户档案").click()
    page.wait_for_load_state("load")  # htmx is ready: the box searches as the user types
    page.fill("#id_q", "zgsh")
    results = page.locator("#results")
    expect(results.get_by_role("link", name=customer.name)).to_be_visible()
    expect(results.get_by_text("青岛恒通塑料有限公司")).to_have_count(0)
    page.screenshot(path=f"{SCREENSHOT_DIR}/kehu-e2e-list.png", full_page=True)
    results.get_by_role("link", name=customer.name).click()

    # Edit the contact
    page.get_by_role("tab", name=re.compile("联系人")).click()
    page.locator("#contacts-table tr", has_text="张伟").get_by_role("link", name="编辑").click()
    page.fill("#id_title", "总经理")
    page.fill("#id_reason", "客户内部升职")
    page.click("#save")
    expect(page.locator("#contacts-table")).to_contain_text("总经理")

    # See the change in the history tab: who, what, old → new, why
    page.get_by_role("tab", name="变更记录").click()
    expect(page.locator("#tab-history")).to_have_class(re.compile(r"\bshow\b"))
    first = page.locator("#timeline li").first
    expect(first).to_contain_text("联系人 张伟")
    expect(first).to_contain_text("采购经理")
    expect(first).to_contain_text("总经理")
    expect(first).to_contain_text("客户内部升职")
    expect(first).to_contain_text(str(am_user))
    page.wait_for_timeout(400)  # let the tab's fade-in finish before the screenshot (not an assertion)
    page.screenshot(path=f"{SCREENSHOT_DIR}/kehu-e2e-history.png", full_page=True)
