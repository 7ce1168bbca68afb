"""Issue 11's "Done when", in real Chromium: a 客户经理 enters orders for an A-class and a D-class customer and sees
different prices, terms and dates with the article behind each; a draft corrected above the credit limit waits in
部长's inbox; a planner runs the monthly allocation and prints it."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from kehu.orders.tests.conftest import give_limit
from kehu.orders.tests.services.test_allocation import MONTH, plan
from kehu.policy.models import AdminValue


def login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")


def quote(page, base, customer_code, product_id, quantity):
    page.goto(f"{base}/orders/new/")
    page.fill("#id_customer_code", customer_code)
    page.fill("#id_order_date", "2026-12-06")
    page.select_option("#id_product_1", str(product_id))
    page.fill("#id_quantity_1", quantity)
    page.click("#quote-button")
    card = page.locator("#quote-card")
    expect(card).to_be_visible()
    return card


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_orders_credit_and_allocation_in_the_browser(live_server, page, graded, users, catalogue, hb_on):
    from kehu.sales.models import ProductGroup

    base = live_server.url
    AdminValue.objects.create(pack_name="abcd-scoring", key="orders.review_skip_below_yuan", value=Decimal("1e7"))
    give_limit(graded["A"], "100000", users)
    pe = catalogue["pe"]

    # 1. The account manager: A and D get different prices, terms and dates, each with its article.
    login(page, base, users["am"].username)
    card = quote(page, base, graded["A"].code, pe.pk, "10")
    expect(card.locator("#quote-lines")).to_contain_text("8000.00")
    expect(card.locator("#quote-promised")).to_have_text("2026-12-26")
    clauses = card.locator("#quote-clauses")
    expect(clauses).to_contain_text("交货日3个月内付款")
    expect(clauses).to_contain_text("abcd-scoring 一、4")
    expect(clauses).to_contain_text("hb-chemicals 第二条")  # release only when fully paid, whatever the grade
    card = quote(page, base, graded["D"].code, pe.pk, "10")
    expect(card.locator("#quote-lines")).to_contain_text("8400.00")
    expect(card.locator("#quote-promised")).to_contain_text("无交期保证")
    expect(card.locator("#quote-clauses")).to_contain_text("款到发货")
    expect(card.locator("#quote-needs")).to_contain_text("abcd-scoring 一、5")

    # 2. A draft within the limit is saved, then corrected to 20 t (160,000 > 100,000): priced again, the
    #    correction needs the over-limit approval; submitted, it waits for it.
    quote(page, base, graded["A"].code, pe.pk, "10")
    page.click("#save-order")
    page.click("#edit-order")
    expect(page.locator("#id_quantity_1")).to_have_value("10.000")
    page.fill("#id_quantity_1", "20")
    page.click("#quote-button")
    expect(page.locator("#quote-needs")).to_contain_text("credit-abcd 第7条")
    page.fill("#id_reason", "客户追加 10 吨")
    page.click("#save-order")
    expect(page.locator(".alert-success")).to_contain_text("已修改")
    expect(page.locator("main")).to_contain_text("160,000.00")
    page.click("#submit-order")
    expect(page.locator("#order-status")).to_contain_text("审批中")
    number = page.locator("h1").inner_text().split()[1]

    # 3. 部长 finds it in the inbox.
    page.context.clear_cookies()
    login(page, base, users["manager"].username)
    page.goto(f"{base}/approvals/")
    expect(page.locator("main")).to_contain_text(number)

    # 4. The planner enters the production plan, allocates the month and prints it.
    group = ProductGroup.objects.get(code="polyolefin")
    for key, qty in (("A", "300"), ("B", "200")):
        graded[key].classifications = {"other_products_channel": "直销客户" if key == "A" else "经销商"}
        graded[key].save(update_fields=["classifications"])
        plan(graded[key], pe, MONTH, qty)
    page.context.clear_cookies()
    login(page, base, users["planner"].username)
    page.goto(f"{base}/orders/allocation/")
    page.fill("#id_plan-month", "2027-01")
    page.select_option("#id_plan-product_group", str(group.pk))
    page.fill("#id_plan-quantity", "400")
    page.click("#save-plan")
    expect(page.locator(".alert-success")).to_contain_text("生产计划已保存")
    page.fill("#id_run-month", "2027-01")
    page.click("#run-allocation")
    lines = page.locator("#allocation-lines")
    expect(lines).to_contain_text("确保直销量")
    expect(lines).to_contain_text("hb-chemicals 第十条（四）3")
    with page.expect_download() as download:
        page.click("#print-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as pdf:
        page.click("#print-pdf")
    assert pdf.value.suggested_filename.endswith(".pdf")
