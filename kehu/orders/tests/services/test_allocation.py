"""Monthly allocation (000 第三条(二) 确保直销量 → 平衡独家代理量 → 补充经销量; 第十条(三)2、(四)3) with a reason per
line, hand adjustments that never exceed the available quantity, and the review selector (第十六条)."""

import threading
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from kehu.orders.models import Allocation, AllocationAdjustment, AllocationLine
from kehu.orders.selectors import allocation_for_review
from kehu.orders.services.allocation import (
    allocation_adjust,
    allocation_run,
    line_reason,
    production_plan_set,
)
from kehu.sales.models import DemandPlan, DemandPlanLine, Pickup, ProductGroup

D = Decimal
MONTH = date(2027, 1, 1)


def plan(customer, product, month, qty, late=False):
    p, _ = DemandPlan.objects.get_or_create(customer=customer, month=month, defaults={
        "submitted_at": timezone.make_aware(datetime(month.year, month.month, 1)), "is_late": late})
    DemandPlanLine.objects.create(plan=p, product=product, quantity=D(qty), unit="t", pickup_on=month)


def pickup(customer, product, day, qty, ref):
    Pickup.objects.create(customer=customer, product=product, product_group_id=product.group_id, quantity=D(qty),
                          unit="t", base_quantity=D(qty), amount=D(qty) * 8000, picked_on=day, source="test",
                          source_ref=ref)


@pytest.fixture
def book(hb_on, users, catalogue, customer_factory):
    """Two direct customers, two agents with different history, one distributor; 1,000 t of polyolefin."""
    pe = catalogue["pe"]

    def cust(code, channel):
        return customer_factory(code=code, name=f"{code}有限公司", owner=users["am"],
                                classifications={"other_products_channel": channel})

    c = {"d1": cust("D1", "直销客户"), "d2": cust("D2", "直销客户"), "ag1": cust("AG1", "独家代理商"),
         "ag2": cust("AG2", "独家代理商"), "dl1": cust("DL1", "经销商")}
    for month in (date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)):
        plan(c["ag1"], pe, month, "100")
        plan(c["ag2"], pe, month, "100")
        plan(c["dl1"], pe, month, "50", late=month.month == 11)
    for n, month in enumerate((10, 11, 12)):
        pickup(c["ag1"], pe, date(2026, month, 10), "100", f"AG1-{n}")
        pickup(c["ag2"], pe, date(2026, month, 10), "50", f"AG2-{n}")
        pickup(c["dl1"], pe, date(2026, month, 3), "50", f"DL1-{n}")
    for key, qty in (("d1", "300"), ("d2", "200"), ("ag1", "300"), ("ag2", "300"), ("dl1", "100")):
        plan(c[key], pe, MONTH, qty)
    group = ProductGroup.objects.get(code="polyolefin")
    production_plan_set(actor=users["planner"], month=MONTH, product_group=group, quantity="1000")
    return {**c, "group": group}


def lines_by_code(allocation):
    return {ln.customer.code: ln for ln in AllocationLine.objects.filter(allocation=allocation).select_related(
        "customer")}


@pytest.mark.django_db
def test_direct_first_then_agents_by_completion_and_cooperation_then_distributors(book, users):
    result = allocation_run(actor=users["planner"], month=MONTH)
    allocation = result.allocations[0]
    lines = lines_by_code(allocation)
    assert {k: lines[k].quantity for k in lines} == {"D1": D("300"), "D2": D("200"), "AG1": D("300"),
                                                     "AG2": D("200"), "DL1": D("0")}
    assert allocation.allocated == allocation.available == D("1000")
    assert lines["AG1"].rank == 1 and lines["AG1"].completion_rate == D("1.0000")
    assert lines["AG2"].completion_rate == D("0.5000") and lines["AG2"].cooperation == D("1.0000")
    assert lines["DL1"].cooperation == D("0.6667")  # one of three plans late
    assert "确保直销量" in line_reason(lines["D1"]) and "hb-chemicals 第三条（二）" in line_reason(lines["D1"])
    assert "部分满足" in line_reason(lines["AG2"]) and "hb-chemicals 第十条（三）2" in line_reason(lines["AG2"])
    assert "余量已用完" in line_reason(lines["DL1"]) and "hb-chemicals 第十条（四）3" in line_reason(lines["DL1"])


@pytest.mark.django_db
def test_direct_demand_above_the_available_quantity_is_shared_pro_rata(book, users):
    production_plan_set(actor=users["planner"], month=MONTH, product_group=book["group"], quantity="400")
    lines = lines_by_code(allocation_run(actor=users["planner"], month=MONTH).allocations[0])
    assert (lines["D1"].quantity, lines["D2"].quantity, lines["AG1"].quantity) == (D("240"), D("160"), D("0"))
    assert "按需求比例分配" in line_reason(lines["D1"])


@pytest.mark.django_db
def test_a_second_run_needs_replace_and_then_drops_the_adjustments(book, users):
    allocation = allocation_run(actor=users["planner"], month=MONTH).allocations[0]
    with pytest.raises(ValidationError):
        allocation_run(actor=users["planner"], month=MONTH)
    line = lines_by_code(allocation)["AG2"]
    allocation_adjust(actor=users["planner"], line_id=line.pk, quantity="100", reason="客户减少需求")
    allocation_run(actor=users["planner"], month=MONTH, replace=True)
    assert lines_by_code(allocation)["AG2"].quantity == D("200") and not AllocationAdjustment.objects.exists()


@pytest.mark.django_db
def test_an_adjustment_above_the_available_quantity_is_refused_and_nothing_changes(book, users):
    allocation = allocation_run(actor=users["planner"], month=MONTH).allocations[0]
    lines = lines_by_code(allocation)
    with pytest.raises(ValidationError) as exc:
        allocation_adjust(actor=users["planner"], line_id=lines["DL1"].pk, quantity="0.001", reason="补充经销量")
    assert "超过可供量" in str(exc.value)
    assert not AllocationAdjustment.objects.exists()
    allocation_adjust(actor=users["planner"], line_id=lines["AG2"].pk, quantity="150", reason="AG2 本月减少提货")
    line = allocation_adjust(actor=users["planner"], line_id=lines["DL1"].pk, quantity="50", reason="补充经销量")
    assert line.adjusted and line.computed == D("0")
    assert Allocation.objects.get(pk=allocation.pk).allocated == D("1000")
    with pytest.raises(ValidationError):
        allocation_adjust(actor=users["planner"], line_id=lines["DL1"].pk, quantity="50", reason=" ")


@pytest.mark.django_db
def test_only_planners_run_or_adjust(book, users):
    from kehu.core.errors import ForbiddenError

    with pytest.raises(ForbiddenError):
        allocation_run(actor=users["am"], month=MONTH)


@pytest.mark.django_db
def test_the_review_selector_returns_allocations_per_customer_group_and_month(book, users):
    allocation_run(actor=users["planner"], month=MONTH)
    rows = allocation_for_review(actor=users["planner"], start=date(2027, 1, 1), end=date(2027, 3, 31),
                                 product_group="polyolefin")
    assert {(r.customer_code, r.month, r.allocated) for r in rows} >= {("D1", MONTH, D("300")),
                                                                        ("AG2", MONTH, D("200"))}
    assert allocation_for_review(actor=users["planner"], start=date(2026, 10, 1), end=date(2026, 12, 31)) == []


@pytest.mark.django_db
def test_the_allocation_prints_to_xlsx_and_pdf_with_its_reasons(book, users, client):
    import io

    import openpyxl

    allocation = allocation_run(actor=users["planner"], month=MONTH).allocations[0]
    client.force_login(users["planner"])
    xlsx = client.get(f"/orders/allocation/{allocation.pk}/print.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert cells[0] == "月度产品资源量分配表"
    assert any("第十条（三）2" in c for c in cells) and any("批准（总经理）" in c for c in cells)
    pdf = client.get(f"/orders/allocation/{allocation.pk}/print.pdf")
    assert pdf.content.startswith(b"%PDF")
    review = client.get("/orders/allocation/review/?quarter=2027Q1")
    assert "AG1有限公司" in review.content.decode()
    assert client.get("/orders/allocation/review.xlsx?quarter=2027Q1").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_planners_adjusting_at_once_never_exceed_the_available_quantity(on_postgres, book, users):
    allocation = allocation_run(actor=users["planner"], month=MONTH).allocations[0]
    lines = lines_by_code(allocation)
    allocation_adjust(actor=users["planner"], line_id=lines["AG2"].pk, quantity="100", reason="让出 100 吨")
    barrier = threading.Barrier(2)
    outcomes = []

    def adjust(code):
        try:
            barrier.wait()
            allocation_adjust(actor=users["planner"], line_id=lines[code].pk, quantity="60" if code == "DL1" else "360",
                              reason="并发调整")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=adjust, args=(code,)) for code in ("DL1", "AG1")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]  # each alone fits in the 100 t left; both together do not
    total = sum(AllocationLine.objects.filter(allocation=allocation).values_list("quantity", flat=True))
    assert total <= D("1000") and Allocation.objects.get(pk=allocation.pk).allocated == total


@pytest.mark.django_db
def test_the_planner_allocates_from_the_command_line(book, users):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("allocate", period="2027-01", username="planner", stdout=out)
    assert "可供 1,000.000" in out.getvalue() and "hb-chemicals 第三条（二）" in out.getvalue()
    with pytest.raises(CommandError, match="已经分配"):
        call_command("allocate", period="2027-01", username="planner", stdout=StringIO())
    with pytest.raises(CommandError, match="权限"):
        call_command("allocate", period="2027-01", username=users["am"].username, replace=True, stdout=StringIO())
