"""In Chromium: 审计法务部 and 财务部 check a buyer on the list, the big-client clerk issues a selection ticket, finance
issues the receipts, the clerk issues the voucher once they equal the amount due, then reverses the ticket in red to
another unit; the control table shows the first unit back in the commissioning unit's stock and the new one taken."""

import pytest
from playwright.sync_api import expect

from kehu.housing import services as hs
from kehu.housing.models import FormKind, SelectionTicket, TicketStatus, UnitStatus
from kehu.housing.tests.conftest import id_no, unit


def _login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_list_check_ticket_receipt_voucher_and_red_reversal(live_server, page, world):
    base = live_server.url
    [buyer] = hs.buyers_add(actor=world.people["housing_clerk"], commissioning_unit=world.cu,
                            rows=[hs.BuyerInput("孙丽", id_no(40), 4)])
    cu_url = f"{base}/housing/commissioners/{world.cu.pk}/"

    # 1. The list check: 审计法务部, then 财务部.
    _login(page, base, "audit_legal")
    page.goto(cu_url)
    row = page.locator("#buyers tr[data-buyer='孙丽']")
    expect(row.locator("code")).to_have_text(buyer.id_number)  # the auditors see the full number
    row.locator("button.check-audit").click()
    expect(page.locator("#buyers tr[data-buyer='孙丽'] .buyer-status")).to_have_text("待审查")
    _login(page, base, "finance_reviewer")
    page.goto(cu_url)
    page.locator("#buyers tr[data-buyer='孙丽'] button.check-finance").click()
    expect(page.locator("#buyers tr[data-buyer='孙丽'] .buyer-status")).to_have_text("审查通过")

    # 2. The ticket: a wrong price first (refused beside the field, nothing saved), then the approved one.
    _login(page, base, "housing_clerk")
    page.goto(cu_url)
    page.click("#ticket-new")
    u101 = unit(world.project, "101")
    page.select_option("#id_unit", str(u101.pk))
    page.fill("#id_buyer_name", "孙丽")
    page.fill("#id_buyer_id_number", buyer.id_number)
    page.fill("#id_unit_price", "9500")
    page.fill("#id_area", str(u101.area))
    page.fill("#id_total_price", "1156800.00")
    page.fill("#id_payment_ratio_percent", "60")
    page.fill("#id_sealing_fee", "20000")
    page.check("#id_customer_signed")
    page.select_option("#id_reviewer", label="finance_reviewer")
    page.click("#form-submit")
    expect(page.locator(".field-error[data-field=unit_price]")).to_contain_text("审批单价为 9,600.00 元/㎡")
    assert not SelectionTicket.objects.exists()
    page.fill("#id_unit_price", "9600")
    page.check("#id_customer_signed")
    page.click("#form-submit")
    expect(page.locator("#ticket-number")).to_have_text("JN1-XP-000001")
    expect(page.locator("#amount-due")).to_have_text("694080.00")
    ticket_url = page.url

    # 3. Receipts by finance: the sealing fee, then the rest of the amount due.
    _login(page, base, "finance_reviewer")
    page.goto(ticket_url)
    for kind, amount in (("sealing_fee", "20000"), ("house_payment", "674080")):
        page.select_option("#receipt-form select[name=kind]", kind)
        page.fill("#receipt-form input[name=amount]", amount)
        page.locator("#receipt-form button").click()
    expect(page.locator("#receipts tbody tr")).to_have_count(2)
    expect(page.locator("#collected")).to_have_text("694080.00")

    # 4. The voucher, reviewed by finance.
    _login(page, base, "housing_clerk")
    page.goto(ticket_url)
    page.select_option("#voucher-form select[name=reviewer]", label="finance_reviewer")
    page.locator("#voucher-form button").click()
    expect(page.locator("#vouchers")).to_contain_text("JN1-PZ-000001")
    expect(page.locator("#ticket-status")).to_have_text("已收回（已开凭证）")

    # 5. Red reversal to 201 (same area and price: the money already collected covers it).
    u201 = unit(world.project, "201")
    form = page.locator("#reverse-form")
    form.locator("select[name=unit]").select_option(str(u201.pk))
    form.locator("input[name=unit_price]").fill("9600")
    form.locator("input[name=area]").fill(str(u201.area))
    form.locator("input[name=total_price]").fill("1156800.00")
    form.locator("input[name=customer_signed]").check()
    form.locator("select[name=reviewer]").select_option(label="finance_reviewer")
    form.locator("input[name=reason]").fill("客户调换至2层")
    form.locator("button").click()
    expect(page.locator("#ticket-number")).to_have_text("JN1-XP-000003")
    expect(page.locator("#replaces")).to_have_text("JN1-XP-000001")
    original = SelectionTicket.objects.get(number="JN1-XP-000001")
    assert original.status == TicketStatus.REVERSED and original.red_ticket.kind == FormKind.RED

    # 6. The control table: 101 back with the commissioning unit, 201 taken under the new ticket.
    page.click("#control-link")
    expect(page.locator("#control-table td[data-unit='1#101']")).to_have_attribute("data-status", "released")
    cell = page.locator("#control-table td[data-unit='1#201']")
    expect(cell).to_have_attribute("data-status", "taken")
    expect(cell).to_contain_text("JN1-XP-000003")
    assert unit(world.project, "201").status == UnitStatus.TAKEN
