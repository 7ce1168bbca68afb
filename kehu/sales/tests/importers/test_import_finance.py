"""Receivables and payments from CSV / XLSX: strict, atomic, idempotent."""

from decimal import Decimal

import pytest
from openpyxl import Workbook

from kehu.sales.finance_import import import_payments, import_receivables
from kehu.sales.models import Payment, Receivable

RECV = ["发票号", "客户编码", "客户名称", "金额", "开票日期", "到期日", "付款日期"]
PAY = ["银行流水号", "客户编码", "金额", "付款日期", "发票号", "收款方式"]


def reasons(result):
    return {(e.line, e.column): e.reason for e in result.errors}


@pytest.fixture
def invoices(customers, write_csv):
    path = write_csv([["FP1", "C001", "", "1,000.00", "2024-03-01", "2024-03-31", ""],
                      ["FP2", "C002", "", "500", "2024/3/5", "2024-04-04", ""]], header=RECV, name="r.csv")
    assert import_receivables(path).ok
    return {r.invoice_no: r for r in Receivable.objects.all()}


def test_a_clean_receivables_file_is_loaded(invoices):
    assert invoices["FP1"].amount == Decimal("1000.00") and invoices["FP2"].due_on.isoformat() == "2024-04-04"


def test_a_paid_date_in_the_receivables_file_settles_the_invoice_on_that_day(customers, write_csv):
    path = write_csv([["FP9", "C001", "", "800", "2024-03-01", "2024-03-31", "2024-04-10"]], header=RECV)
    assert import_receivables(path).ok
    inv = Receivable.objects.get()
    assert inv.paid_amount == Decimal("800") and inv.settled_on.isoformat() == "2024-04-10"
    assert Payment.objects.get().reference == "AR:FP9"


def test_every_bad_receivable_row_is_reported_and_nothing_is_loaded(customers, write_csv):
    path = write_csv([
        ["FP1", "C001", "", "100", "2024-03-01", "2024-03-31", ""],
        ["FP2", "NOPE", "", "100", "2024-03-01", "2024-03-31", ""],
        ["FP3", "C001", "", "-5", "2024-03-01", "2024-03-31", ""],
        ["FP4", "C001", "", "100", "2024-03-10", "2024-03-01", ""],
        ["FP1", "C001", "", "100", "2024-03-01", "2024-03-31", ""],
        ["FP6", "C001", "", "100", "2024-13-01", "2024-03-31", ""],
        ["", "C001", "", "100.123", "2024-03-01", "2024-03-31", ""],
    ], header=RECV)
    result = import_receivables(path)
    assert not result.ok and result.error_count == 6
    assert reasons(result) == {
        (3, "客户编码"): "客户编码不存在",
        (4, "金额"): "金额必须大于0",
        (5, "到期日"): "到期日早于开票日期",
        (6, "发票号"): "发票号与第2行重复",
        (7, "开票日期"): "开票日期无效（格式如 2024-03-15）",
        (8, "发票号"): "发票号为空",
        (8, "金额"): "金额不是有效数字（最多2位小数）",
    }
    assert Receivable.objects.count() == 0


def test_loading_the_same_receivables_twice_adds_nothing(invoices, write_csv):
    path = write_csv([["FP1", "C001", "", "1000", "2024-03-01", "2024-03-31", ""]], header=RECV, name="again.csv")
    result = import_receivables(path)
    assert result.ok and result.inserted == 0 and result.skipped == 1
    assert Receivable.objects.count() == 2


def test_an_invoice_number_already_on_another_customer_is_refused(invoices, write_csv):
    path = write_csv([["FP1", "C002", "", "1000", "2024-03-01", "2024-03-31", ""]], header=RECV, name="x.csv")
    assert reasons(import_receivables(path)) == {(2, "发票号"): "该发票号已录入在另一个客户名下"}


def test_a_missing_required_column_is_reported_on_the_header(customers, write_csv):
    path = write_csv([["FP1", "C001", "100"]], header=["发票号", "客户编码", "金额"])
    result = import_receivables(path)
    assert {e.reason for e in result.errors} == {"缺少必填列“开票日期”", "缺少必填列“到期日”"}


def test_payments_settle_their_invoices(invoices, write_csv):
    path = write_csv([["YH1", "C001", "400", "2024-03-20", "FP1", "银行转账"],
                      ["YH2", "C001", "600", "2024-04-02", "FP1", ""],
                      ["YH3", "C002", "50", "2024-03-10", "", "现金"]], header=PAY, name="p.csv")
    result = import_payments(path)
    assert result.ok and result.inserted == 3
    fp1 = Receivable.objects.get(invoice_no="FP1")
    assert fp1.paid_amount == Decimal("1000") and fp1.settled_on.isoformat() == "2024-04-02"
    assert Payment.objects.get(reference="YH3").receivable is None


def test_every_bad_payment_row_is_reported_and_nothing_is_loaded(invoices, write_csv):
    path = write_csv([["YH1", "C001", "400", "2024-03-20", "FP1", ""],
                      ["YH2", "C001", "700", "2024-03-21", "FP1", ""],
                      ["YH3", "C001", "10", "2024-03-21", "FP2", ""],
                      ["YH4", "C001", "10", "2024-03-21", "FPX", ""],
                      ["YH1", "C001", "10", "2099-03-21", "", ""]], header=PAY, name="p.csv")
    result = import_payments(path)
    assert reasons(result) == {
        (3, "金额"): "超过发票未收金额 600.00 元",
        (4, "发票号"): "该发票不属于此客户",
        (5, "发票号"): "发票号不存在（请先导入应收账款）",
        (6, "银行流水号"): "银行流水号与第2行重复",
        (6, "付款日期"): "付款日期晚于今天",
    }
    assert Payment.objects.count() == 0


def test_loading_the_same_payments_twice_adds_nothing(invoices, write_csv):
    path = write_csv([["YH1", "C001", "400", "2024-03-20", "FP1", ""]], header=PAY, name="p.csv")
    assert import_payments(path).inserted == 1
    again = import_payments(path)
    assert again.ok and again.inserted == 0 and again.skipped == 1
    assert Receivable.objects.get(invoice_no="FP1").paid_amount == Decimal("400")


def test_payments_load_from_xlsx_with_excel_dates(invoices, tmp_path):
    from datetime import date

    wb = Workbook()
    ws = wb.active
    ws.append(PAY)
    ws.append(["YH7", "C001", 1000, date(2024, 3, 30), "FP1", "承兑汇票"])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    assert import_payments(path).ok
    assert Receivable.objects.get(invoice_no="FP1").settled_on == date(2024, 3, 30)


@pytest.mark.parametrize("kind", ["receivables", "payments"])
def test_the_templates_download_and_import_once_their_codes_exist(client, make_user, customer_factory, am_user,
                                                                   tmp_path, kind):
    from django.urls import reverse

    customer_factory(code="KH00000001", owner=am_user)
    customer_factory(code="KH00000002", owner=am_user)
    client.force_login(make_user("finance_reviewer", "finance"))
    if kind == "payments":
        Receivable.objects.create(customer_id=Receivable._meta.get_field("customer").related_model.objects.get(
            code="KH00000001").pk, invoice_no="FP20240301001", amount=Decimal("286000"),
            invoiced_on="2024-03-01", due_on="2024-03-31")
    resp = client.get(reverse("sales:import_kind_template", args=[kind, "xlsx"]))
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"".join(resp.streaming_content))
    result = (import_receivables if kind == "receivables" else import_payments)(path)
    assert result.ok, result.errors
    assert result.inserted == 2
