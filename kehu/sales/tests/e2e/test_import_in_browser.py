"""A clerk uploads a pickup file with one bad row in real Chromium, reads the error report, fixes the file and
uploads it again: the import runs to done and the rows are in the pickup list."""

import pytest
from playwright.sync_api import expect

from kehu.sales.models import Pickup
from kehu.sales.tests.conftest import HEADER


def _csv(tmp_path, name, rows):
    path = tmp_path / name
    lines = [",".join(HEADER)] + [",".join(r) for r in rows]
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_bad_row_is_reported_and_the_fixed_file_is_imported(live_server, page, make_user, catalogue, customers,
                                                              tmp_path):
    make_user("sales_reviewer", "sales", username="clerk")
    good = ["C001", "客户", "PE-LLDP", "12.5", "吨", "100000.00", "2024-03-15", "JN-01", "E2E-0001"]
    bad = ["C001", "客户", "PE-LLDP", "-3", "吨", "900.00", "2024-03-16", "JN-01", "E2E-0002"]
    fixed = ["C001", "客户", "PE-LLDP", "3", "吨", "900.00", "2024-03-16", "JN-01", "E2E-0002"]

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/sales/import/")

    # 1. One bad row: the report names line 3 and why; nothing is imported
    page.set_input_files("#id_file", str(_csv(tmp_path, "提货-有错.csv", [good, bad])))
    page.locator("#import-form button").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("整个文件未导入")
    errors = page.locator("#import-errors")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr").first).to_contain_text("3")
    expect(errors).to_contain_text("数量不能为负数")
    expect(page.locator("#errors-csv")).to_be_visible()
    assert Pickup.objects.count() == 0

    # 2. The fixed file: progress runs to done, both rows are in the pickup list
    page.goto(f"{live_server.url}/sales/import/")
    page.set_input_files("#id_file", str(_csv(tmp_path, "提货-已改.csv", [good, fixed])))
    page.locator("#import-form button").click()
    expect(page.locator("#import-progress")).to_contain_text("已完成")
    expect(page.locator("#import-progress")).to_contain_text("100%")
    expect(page.locator("#import-result")).to_contain_text("新增 2 行")
    page.goto(f"{live_server.url}/sales/")
    rows = page.locator("#results")
    expect(rows).to_contain_text("E2E-0001")
    expect(rows).to_contain_text("E2E-0002")
    assert Pickup.objects.count() == 2
