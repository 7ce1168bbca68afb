from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.sales.importers import import_pickups
from kehu.sales.models import Pickup
from kehu.sales.tests.conftest import row

pytestmark = pytest.mark.django_db(transaction=False)


def reasons(result):
    return {(e.line, e.column): e.reason for e in result.errors}


def test_a_clean_file_is_loaded_with_units_converted(catalogue, customers, write_csv):
    path = write_csv([row("R1"), row("R2", product="GAS-92", qty="1,000", unit="升", amount="7950", day="2024/3/2"),
                      row("R3", product="CEM-PO425-B", qty="200", unit="袋", amount="5000", day="2024年3月5日",
                          wh="")])
    result = import_pickups(path, source="erp")
    assert result.ok, result.errors
    assert result.inserted == 3
    by_ref = {p.source_ref: p for p in Pickup.objects.all()}
    assert by_ref["R1"].base_quantity == Decimal("10.000") and by_ref["R1"].unit == "t"
    assert by_ref["R2"].base_quantity == Decimal("0.725")
    assert by_ref["R3"].base_quantity == Decimal("10.000")
    assert by_ref["R3"].warehouse is None and by_ref["R1"].warehouse.code == "JN-01"
    assert by_ref["R2"].picked_on.isoformat() == "2024-03-02"


def test_loading_the_same_file_twice_adds_nothing(catalogue, customers, write_csv):
    path = write_csv([row("R1"), row("R2")])
    assert import_pickups(path).inserted == 2
    again = import_pickups(path)
    assert again.ok and again.inserted == 0 and again.skipped == 2
    assert Pickup.objects.count() == 2


def test_one_bad_row_rejects_the_whole_file(catalogue, customers, write_csv):
    path = write_csv([row("R1"), row("R2", qty="-5")])
    result = import_pickups(path)
    assert not result.ok
    assert reasons(result) == {(3, "数量"): "数量不能为负数"}
    assert Pickup.objects.count() == 0


@pytest.mark.parametrize(("kwargs", "column", "reason"), [
    ({"customer": "NOPE"}, "客户编码", "客户编码不存在"),
    ({"customer": ""}, "客户编码", "客户编码为空"),
    ({"customer": "C003"}, "客户编码", "客户不是正式客户（当前状态：暂停业务），不得提货"),
    ({"product": "XX"}, "产品编码", "产品编码不存在"),
    ({"product": ""}, "产品编码", "产品编码为空"),
    ({"qty": ""}, "数量", "数量为空"),
    ({"qty": "abc"}, "数量", "数量不是有效数字（最多15位整数、3位小数）"),
    ({"qty": "1.2345"}, "数量", "数量不是有效数字（最多15位整数、3位小数）"),
    ({"qty": "0"}, "数量", "数量必须大于0"),
    ({"qty": "-0.001"}, "数量", "数量不能为负数"),
    ({"unit": "箱"}, "单位", "无法识别的单位（可用：吨/t、千克/kg、升/L、袋、元）"),
    ({"unit": "升"}, "单位", "单位与产品不符：产品“线性低密度聚乙烯”按“t”计量，且未设置该单位的折算"),
    ({"amount": ""}, "金额", "金额为空"),
    ({"amount": "12.345"}, "金额", "金额不是有效数字（最多2位小数）"),
    ({"amount": "-1"}, "金额", "金额不能为负数"),
    ({"day": ""}, "提货日期", "提货日期为空"),
    ({"day": "2024-02-30"}, "提货日期", "提货日期无效（格式如 2024-03-15）"),
    ({"day": "2024-13-01"}, "提货日期", "提货日期无效（格式如 2024-03-15）"),
    ({"day": "15/03/2024"}, "提货日期", "提货日期无效（格式如 2024-03-15）"),
    ({"day": "1999-12-31"}, "提货日期", "提货日期早于 2000-01-01"),
    ({"wh": "NOWHERE"}, "库点", "库点不存在"),
    ({"ref": ""}, "单据号", "单据号为空"),
    ({"ref": "X" * 65}, "单据号", "单据号超过64个字符"),
])
def test_each_bad_value_is_reported_with_line_column_and_reason(catalogue, customers, write_csv, kwargs, column,
                                                                reason):
    path = write_csv([row("OK1"), row(**{"ref": "BAD", **kwargs})])
    result = import_pickups(path)
    assert not result.ok
    assert reasons(result) == {(3, column): reason}
    assert result.error_count == 1


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"qty": "0.001"}, Decimal("0.001")),
    ({"qty": "999999999999999"}, Decimal("999999999999999")),
    ({"qty": " 12 ", "unit": " t "}, Decimal("12")),
    ({"unit": ""}, Decimal("10")),
    ({"unit": "kg", "qty": "1500"}, Decimal("1.5")),
    ({"amount": "¥1,234.50"}, Decimal("10")),
    ({"day": "20240229"}, Decimal("10")),
    ({"day": "2000-01-01"}, Decimal("10")),
    ({"amount": "0"}, Decimal("10")),
    ({"ref": "X" * 64}, Decimal("10")),
])
def test_values_at_the_edge_are_accepted(catalogue, customers, write_csv, kwargs, expected):
    path = write_csv([row(**{"ref": "EDGE", **kwargs})])
    result = import_pickups(path)
    assert result.ok, result.errors
    assert Pickup.objects.get().base_quantity == expected


def test_todays_date_is_accepted_and_tomorrow_refused(catalogue, customers, write_csv):
    today = timezone.localdate()
    path = write_csv([row("T0", day=today.isoformat()), row("T1", day=(today + timedelta(days=1)).isoformat())])
    result = import_pickups(path)
    assert reasons(result) == {(3, "提货日期"): "提货日期晚于今天"}


def test_duplicate_reference_within_the_file_names_the_first_line(catalogue, customers, write_csv):
    path = write_csv([row("R1"), row("R2"), row("R1")])
    result = import_pickups(path)
    assert reasons(result) == {(4, "单据号"): "单据号与第2行重复"}


def test_every_bad_row_is_reported_not_just_the_first(catalogue, customers, write_csv):
    path = write_csv([row("R1", qty="x"), row("R2"), row("R3", customer="NOPE", amount="-1")])
    result = import_pickups(path)
    assert result.error_count == 2
    assert reasons(result) == {(2, "数量"): "数量不是有效数字（最多15位整数、3位小数）",
                               (4, "客户编码"): "客户编码不存在", (4, "金额"): "金额不能为负数"}


def test_missing_required_column_is_a_header_error(catalogue, customers, write_csv):
    path = write_csv([["C001", "PE-LLDP", "1"]], header=["客户编码", "产品编码", "数量"])
    result = import_pickups(path)
    assert not result.ok
    assert {e.reason for e in result.errors} == {"缺少必填列“金额”", "缺少必填列“提货日期”", "缺少必填列“单据号”"}


def test_gbk_encoded_csv_from_excel_is_read(catalogue, customers, write_csv):
    path = write_csv([row("GBK1", name="济南客户")], encoding="gbk")
    result = import_pickups(path)
    assert result.ok, result.errors


def test_a_document_number_the_encoding_cannot_read_is_reported_and_nothing_is_loaded(catalogue, customers,
                                                                                   write_csv):
    path = write_csv([row("OK1"), row("BAD-X"), row("OK2")])
    path.write_bytes(path.read_bytes().replace(b"BAD-X", b"BAD-\xff\xfe"))  # bytes neither UTF-8 nor a GB char
    result = import_pickups(path)
    assert not result.ok
    assert reasons(result) == {(3, "单据号"): "单据号含无法识别的字符（文件编码不是 UTF-8 或 GB18030？）"}
    assert Pickup.objects.count() == 0


def test_columns_in_any_order_and_english_aliases(catalogue, customers, write_csv):
    header = ["source_ref", "amount", "picked_on", "quantity", "product_code", "customer_code"]
    path = write_csv([["E1", "100", "2024-01-02", "3", "PE-LLDP", "C001"]], header=header)
    result = import_pickups(path)
    assert result.ok, result.errors
    assert Pickup.objects.get().quantity == Decimal("3")


def test_blank_rows_are_ignored_and_line_numbers_stay_true(catalogue, customers, write_csv):
    path = write_csv([row("R1"), ["", "", "", "", "", "", "", "", ""], row("R2", qty="bad")])
    result = import_pickups(path)
    assert reasons(result) == {(4, "数量"): "数量不是有效数字（最多15位整数、3位小数）"}


def test_empty_file_is_rejected(catalogue, customers, write_csv):
    assert not import_pickups(write_csv([])).ok


def test_fuel_card_is_measured_in_yuan(catalogue, customers, write_csv):
    path = write_csv([row("K1", product="CARD-ANON", qty="5000", unit="元", amount="5000")])
    result = import_pickups(path)
    assert result.ok, result.errors
    assert Pickup.objects.get().base_quantity == Decimal("5000")


def test_an_export_overlapping_one_already_loaded_adds_only_the_new_rows(catalogue, customers, write_csv):
    """The first row is new, so the import starts on its fast path; the second was loaded yesterday: the unique key
    stops the fast path and the checking path skips exactly the loaded reference."""
    assert import_pickups(write_csv([row("R1"), row("R2")], name="monday.csv")).inserted == 2
    result = import_pickups(write_csv([row("R3"), row("R2", qty="99"), row("R4")], name="tuesday.csv"))
    assert result.ok and result.inserted == 2 and result.skipped == 1
    assert Pickup.objects.get(source_ref="R2").quantity == Decimal("10")  # the loaded row is not overwritten
    assert sorted(Pickup.objects.values_list("source_ref", flat=True)) == ["R1", "R2", "R3", "R4"]


def test_a_bad_row_late_in_the_file_still_leaves_nothing_and_is_reported_with_the_rest(catalogue, customers,
                                                                                        write_csv):
    rows = [row(f"R{i}") for i in range(12000)]
    rows[7000] = row("R7000", amount="abc")
    rows[11000] = row("R1")  # repeats line 3's reference
    result = import_pickups(write_csv(rows))
    assert not result.ok and result.error_count == 2
    assert reasons(result) == {(7002, "金额"): "金额不是有效数字（最多2位小数）",
                               (11002, "单据号"): "单据号与第3行重复"}
    assert Pickup.objects.count() == 0


def test_a_customer_suspended_while_the_file_is_read_is_reported(catalogue, customers, write_csv, monkeypatch):
    """The codes are read once, before the rows; the import checks (and locks) the customers it wrote before it
    commits, so a customer suspended meanwhile sends the file through the checking path, which reports it."""
    from kehu.customers.models import Customer, CustomerStatus
    from kehu.sales import importers

    real = importers._Lookups.__init__
    calls = []

    def then_suspend(self):
        real(self)
        if not calls:
            Customer.objects.filter(code="C002").update(status=CustomerStatus.SUSPENDED)
        calls.append(1)

    monkeypatch.setattr(importers._Lookups, "__init__", then_suspend)
    result = import_pickups(write_csv([row("R1"), row("R2", customer="C002")]))
    assert reasons(result) == {(3, "客户编码"): "客户不是正式客户（当前状态：暂停业务），不得提货"}
    assert Pickup.objects.count() == 0


@pytest.mark.parametrize(("qty", "expected"), [("20", "0.015"), ("20.000", "0.015"), ("+20", "0.015"),
                                               ("60", "0.044"), ("1,000", "0.725"), ("0.6", "0.000")])
def test_litres_convert_to_tonnes_rounding_half_up(catalogue, customers, write_csv, qty, expected):
    """20 L × 0.7250 kg/L = 14.5 kg = 0.0145 t: half rounds up (as PostgreSQL's ROUND), not to even (0.014) — the
    same whether the quantity is plain or carries a sign or separators."""
    path = write_csv([row("L1", product="GAS-92", qty=qty, unit="升", amount="1")])
    result = import_pickups(path)
    assert result.ok, result.errors
    assert Pickup.objects.get().base_quantity == Decimal(expected)


def test_quoted_cells_with_commas_and_line_breaks_are_read_as_one_cell(catalogue, customers, write_csv):
    """Plain lines are split on commas; from the first quote on the csv module reads the file, so a name with a
    comma, a doubled quote and a line break stays one cell and line numbers stay the spreadsheet's rows."""
    path = write_csv([row("R1"), row("R2", name='济南,"鲁兴"\n二部'), row("R3", qty="x")])
    result = import_pickups(path)
    assert reasons(result) == {(4, "数量"): "数量不是有效数字（最多15位整数、3位小数）"}
    fixed = write_csv([row("R1"), row("R2", name='济南,"鲁兴"\n二部'), row("R3")], name="fixed.csv")
    assert import_pickups(fixed).inserted == 3
