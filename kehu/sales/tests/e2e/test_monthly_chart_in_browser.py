"""The archive's 销量 tab in real Chromium: the fragment arrives through htmx, its script asks the page's one ECharts
loader (static/kehu/js/kehu.js) and the chart is drawn above the table of the same figures."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kehu.sales.models import Pickup


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_sales_tab_draws_the_monthly_chart_with_the_table(live_server, page, am_user, catalogue, customers):
    customer = customers["a"]
    Pickup.objects.create(customer=customer, product=catalogue["pe"], product_group_id=catalogue["pe"].group_id,
                          quantity=Decimal("12.5"), unit="t", base_quantity=Decimal("12.5"),
                          amount=Decimal("999.50"), picked_on=timezone.localdate(), source="t", source_ref="E2E-M1")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", am_user.username)
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/customers/{customer.pk}/?tab=sales")

    chart = page.locator(f"#sales-monthly-{customer.pk} [data-sales-chart]")
    expect(chart).to_have_attribute("data-chart-ready", "1")
    expect(chart.locator("canvas").first).to_be_visible()
    expect(page.locator(f"#sales-monthly-{customer.pk} .sales-monthly-table")).to_contain_text("12.500")
    # one ECharts for the page, however many chart fragments asked for it
    assert page.evaluate("document.querySelectorAll('script[src*=\"echarts.min.js\"]').length") == 1
