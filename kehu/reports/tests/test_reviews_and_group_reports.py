"""000 第十六条 customer reviews and 003 集团公司 第八条 credit and sales reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kehu.core.errors import ServiceError
from kehu.policy.periods import parse_period
from kehu.reports.periods import due_dates
from kehu.reports.selectors import report_compute, report_definition, report_enabled_map

TODAY = date(2026, 12, 6)


def _table(report, index=0):
    table = report.result.tables[index]
    names = [c.title for c in table.columns]
    return [dict(zip(names, row, strict=True)) for row in table.rows]


@pytest.fixture
def chem(sd, customer_factory, fuel):
    from kehu.sales.models import Product

    poly = Product.objects.get(code="PE-LLDP")
    other = Product.objects.get(code="CH-BZ")
    customer = customer_factory(name="化工评审客户", code="HBR001", unit=sd["station1"],
                                classifications={"sales_object": "经销商"})
    return {"customer": customer, "poly": poly, "other": other}


def _pick(customer, product, qty, day, amount=None):
    from kehu.sales.models import Pickup

    q = Decimal(qty)
    return Pickup.objects.create(customer=customer, product=product, product_group=product.group, quantity=q,
                                 unit="t", base_quantity=q, amount=Decimal(amount) if amount else q * 8000,
                                 picked_on=day, source="test", source_ref=f"HB-{customer.pk}-{day}-{qty}")


# ----- 000 第十六条 --------------------------------------------------------------------------------------------


def test_a_quarterly_review_shows_the_star_move_volumes_plan_and_late_payments(sd, chem, superuser):
    from django.utils import timezone

    from kehu.policy.services import regrade
    from kehu.sales.models import DemandPlan, DemandPlanLine, Receivable

    c = chem["customer"]
    _pick(c, chem["poly"], "900", date(2026, 6, 10))
    _pick(c, chem["poly"], "1200", date(2026, 9, 10))
    _pick(c, chem["poly"], "300", date(2026, 8, 10))
    _pick(c, chem["other"], "50", date(2026, 7, 10))
    _pick(c, chem["poly"], "1000", date(2025, 8, 1))
    for month in ("2026-06", "2026-07", "2026-08", "2026-09"):
        regrade(pack_name="hb-chemicals", period=month)
    plan = DemandPlan.objects.create(customer=c, month=date(2026, 9, 1), submitted_at=timezone.now())
    DemandPlanLine.objects.create(plan=plan, product=chem["poly"], quantity=Decimal("1550"), unit="t",
                                  pickup_on=date(2026, 9, 5))
    Receivable.objects.create(customer=c, invoice_no="HB-INV-1", amount=Decimal("1000"), invoiced_on=date(2026, 7, 1),
                              due_on=date(2026, 8, 1))
    report = report_compute(actor=sd["province_head"], code="hb_review_quarter", period="2026-Q3", today=TODAY)
    (row,) = _table(report)
    # June's first grade is 网拍 (a new customer, 第九条); September's 1,200 t is 一星.
    assert (row["期初星级"], row["期末星级"]) == ("网拍", "一星")
    assert row["评审结论"] == "升级：网拍→一星"
    assert row["聚烯烃（吨）"] == Decimal("1500.000") and row["其他化工产品（吨）"] == Decimal("50.000")
    assert row["同比（%）"] == Decimal("55.0")
    assert row["需求计划量（吨）"] == Decimal("1550.000") and row["计划完成率（%）"] == Decimal("100.0")
    assert row["逾期付款笔数"] == 1 and "逾期付款 1 笔" in row["备注"]


def _allocate(customer, group, month, *, demand, quantity, adjusted=False):
    """A month's allocation line as the orders app stores it (kehu.orders.services computes these)."""
    from django.utils import timezone

    from kehu.orders.models import Allocation, AllocationLine

    allocation, _ = Allocation.objects.get_or_create(
        month=month, product_group=group,
        defaults={"available": Decimal("1000"), "pack_name": "hb-chemicals", "pack_version": "test",
                  "computed_at": timezone.now()})
    AllocationLine.objects.create(allocation=allocation, customer=customer, channel="经销商", tier=3, rank=1,
                                  demand=Decimal(demand), computed=Decimal(quantity), quantity=Decimal(quantity),
                                  rule="priority", article="第十条（四）3", adjusted=adjusted)


def test_the_yearly_review_lists_each_months_allocation_beside_plan_and_pickups(sd, chem, superuser):
    group = chem["poly"].group
    _allocate(chem["customer"], group, date(2025, 7, 1), demand="100", quantity="80")
    _allocate(chem["customer"], group, date(2025, 8, 1), demand="50", quantity="50", adjusted=True)
    _pick(chem["customer"], chem["poly"], "40", date(2025, 7, 3))
    _pick(chem["customer"], chem["poly"], "20", date(2025, 7, 28))
    _pick(chem["customer"], chem["poly"], "9", date(2025, 9, 1))  # a month without an allocation line
    report = report_compute(actor=superuser, code="hb_review_year", period="2025", today=TODAY)
    assert report.result.tables[2].title == "年度产品资源量分配情况"
    july, august = _table(report, 2)
    assert (july["月份"], july["客户"], july["类别"]) == ("2025-07", "化工评审客户", "经销商")
    assert (july["计划量"], july["分配量"], july["提货量"], july["分配完成率（%）"]) == \
        (Decimal("100"), Decimal("80"), Decimal("60"), Decimal("75.0"))
    assert august["提货量"] is None and "手工调整" in august["备注"]


def test_without_the_right_to_see_allocations_the_section_says_why_and_the_review_still_computes(sd, chem, roles):
    from kehu.org.services import user_create

    finance = user_create(username="cw-review", password="pw-12345678", display_name="财务", unit=sd["province"],
                          roles=[roles["finance_reviewer"]])  # sees every customer, not the allocation
    _allocate(chem["customer"], chem["poly"].group, date(2026, 7, 1), demand="100", quantity="80")
    report = report_compute(actor=finance, code="hb_review_quarter", period="2026-Q3", today=TODAY)
    allocation = report.result.tables[2]
    assert allocation.rows == [] and "orders.view_allocation" in allocation.notes[0]
    assert report.result.source_missing == ""  # the review itself can be handed in


def test_a_review_for_a_quarter_not_begun_is_refused(sd):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        report_compute(actor=sd["province_head"], code="hb_review_quarter", period="2027-Q1", today=TODAY)


# ----- 003 集团公司 第八条 ----------------------------------------------------------------------------------------


def test_quarterly_reports_are_due_the_6th_and_the_summary_the_8th():
    q3 = parse_period("2026-Q3")
    assert [d.day for d in due_dates(report_definition("group_credit_quarter"), q3)] == [date(2026, 10, 6)]
    assert [d.day for d in due_dates(report_definition("group_summary_quarter"), q3)] == [date(2026, 10, 8)]
    nov = parse_period("2026-11")
    assert due_dates(report_definition("group_pharma_sales_month"), nov)[0].day == date(2026, 12, 6)


def test_group_forms_are_off_until_an_administrator_enables_them(superuser):
    from kehu.reports.services import report_setting_set

    assert report_enabled_map()["group_credit_quarter"] is False
    report_setting_set(actor=superuser, code="group_credit_quarter", enabled=True)
    assert report_enabled_map()["group_credit_quarter"] is True


def test_the_credit_report_gives_invoices_payments_balance_and_overdue(sd, chem):
    from kehu.sales.models import Payment, Receivable

    c = chem["customer"]
    _pick(c, chem["poly"], "10", date(2026, 8, 3), amount="80000")
    paid = Receivable.objects.create(customer=c, invoice_no="G-1", amount=Decimal("50000"),
                                     invoiced_on=date(2026, 7, 5), due_on=date(2026, 8, 5),
                                     paid_amount=Decimal("50000"), settled_on=date(2026, 8, 1))
    Receivable.objects.create(customer=c, invoice_no="G-2", amount=Decimal("30000"), invoiced_on=date(2026, 8, 5),
                              due_on=date(2026, 9, 5))
    Payment.objects.create(customer=c, receivable=paid, amount=Decimal("50000"), paid_on=date(2026, 8, 1),
                           reference="BANK-1")
    report = report_compute(actor=sd["province_head"], code="group_credit_quarter", period="2026-Q3", today=TODAY)
    (row,) = _table(report)
    assert row["期内开票（元）"] == Decimal("80000.00") and row["期内回款（元）"] == Decimal("50000.00")
    assert row["回款率（%）"] == Decimal("62.5")
    assert row["期末应收余额（元）"] == Decimal("30000.00") and row["其中逾期（元）"] == Decimal("30000.00")
    assert row["逾期付款笔数"] == 1


def test_the_sales_analysis_ranks_customers_with_share_and_comparisons(sd, chem, customer_factory):
    small = customer_factory(name="小客户", code="HBR002", unit=sd["station2"])
    _pick(chem["customer"], chem["poly"], "10", date(2026, 8, 3), amount="75000")
    _pick(chem["customer"], chem["poly"], "10", date(2026, 5, 3), amount="50000")
    _pick(small, chem["other"], "5", date(2026, 9, 3), amount="25000")
    report = report_compute(actor=sd["province_head"], code="group_sales_quarter", period="2026-Q3", today=TODAY)
    first, second = _table(report)
    assert (first["客户名称"], first["排名"], first["占比（%）"]) == ("化工评审客户", 1, Decimal("75.0"))
    assert first["环比（%）"] == Decimal("50.0")
    assert second["客户名称"] == "小客户"
    only_poly = report_compute(actor=sd["province_head"], code="group_sales_quarter", period="2026-Q3",
                               filters={"product_group": "polyolefin"}, today=TODAY)
    assert [r["客户名称"] for r in _table(only_poly)] == ["化工评审客户"]


def test_an_unknown_product_group_filter_is_a_field_error(sd):
    with pytest.raises(ServiceError) as err:
        report_compute(actor=sd["province_head"], code="group_sales_quarter", period="2026-Q3",
                       filters={"product_group": "nonsense"}, today=TODAY)
    assert err.value.field == "product_group"


def test_the_summary_adds_up_per_city(sd, chem, customer_factory):
    qd = customer_factory(name="青岛客户", code="HBR003", unit=sd["qingdao"])
    _pick(chem["customer"], chem["poly"], "10", date(2026, 8, 3), amount="75000")
    _pick(qd, chem["poly"], "4", date(2026, 8, 4), amount="30000")
    report = report_compute(actor=sd["province_head"], code="group_summary_quarter", period="2026-Q3", today=TODAY)
    rows = {r["单位"]: r for r in _table(report)}
    assert rows["济南分公司"]["销售额（元）"] == Decimal("75000.00")
    assert rows["青岛分公司"]["有交易客户数"] == 1
    assert report.result.tables[0].totals[4] == Decimal("105000.00")
