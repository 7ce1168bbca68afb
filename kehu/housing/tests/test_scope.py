"""委建房工作小组 (role commissioner_staff) see only their own commissioning unit (七、(三)6; 九、(一)1): its units on
the control table (other units only as 已售 / 不可选, without holder, price or ticket), its list, tickets, receipts,
vouchers, ledgers and annex — on the pages, the API and the exports; another unit's record fetched by id is a 404
(a 400 on the field when named in a body); the services refuse it too. Unlinked staff see nothing."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from kehu.core.errors import ForbiddenError, ScopeError
from kehu.housing import selectors as sel
from kehu.housing import services as hs
from kehu.housing.models import CommissionerRepresentative, ReceiptKind, Unit
from kehu.housing.tests.conftest import TODAY, decide_all, id_no, link_staff, ticket_input, unit

pytestmark = pytest.mark.django_db

B_UNITS = ("301", "302", "601", "602")
B_PRICE = Decimal("11111")


@dataclass
class Two:
    world: object
    a_staff: object
    b: object
    b_ticket: object
    b_receipt: object
    a_ticket: object
    b_buyer: object


@pytest.fixture
def two(world, candidates, make_user):
    """Unit A = world.cu (市第一中学) with a ticket on 101; unit B = 省立医院, chosen, priced, released, its own list
    and a ticket with a receipt on 301; a retail sale on 402."""
    people, project, clerk = world.people, world.project, world.people["housing_clerk"]
    b = candidates[0]
    decide_all(hs.commissioner_choose(actor=clerk, commissioning_unit=b, report="第二家合作单位"), people)
    b.refresh_from_db()
    hs.contract_record(actor=clerk, commissioning_unit=b, contract_no="WJ-2026-002", signed_on=TODAY,
                       selection_deadline=date(2026, 10, 30), payment_deadline=date(2026, 11, 30),
                       sealing_fee=Decimal("20000"), full_payment_discount_percent=Decimal("0"))
    b.refresh_from_db()
    units = [unit(project, n) for n in B_UNITS]
    pa = hs.price_submit(actor=clerk, commissioning_unit=b, average_price=B_PRICE, payment_ratio_percent=Decimal("60"),
                         unit_cost=Decimal("6500"), retail_reference_price=Decimal("11500"), analysis="B 的价格",
                         lines=[hs.PriceLineInput(u, B_PRICE) for u in units])
    decide_all(pa.approval, people)
    decide_all(hs.release_submit(actor=clerk, commissioning_unit=b, units=units, reason="B", today=TODAY).approval,
               people)
    (b_buyer,) = hs.buyers_add(actor=clerk, commissioning_unit=b, rows=[hs.BuyerInput("欧阳秘", id_no(40), 1)])
    hs.buyer_check(actor=people["audit_legal"], buyer=b_buyer, department="audit", passed=True)
    hs.buyer_check(actor=people["finance_reviewer"], buyer=b_buyer, department="finance", passed=True)
    u = unit(project, "301")
    b_ticket = hs.ticket_issue(actor=clerk, data=hs.TicketInput(
        unit=u, buyer_name=b_buyer.name, buyer_id_number=b_buyer.id_number, unit_price=B_PRICE, area=u.area,
        total_price=(u.area * B_PRICE).quantize(Decimal("0.01")), payment_ratio_percent=Decimal("60"),
        reviewer=people["finance_reviewer"], customer_signed=True, sealing_fee=Decimal("20000"),
        commissioning_unit=b), today=TODAY)
    b_receipt = hs.receipt_issue(actor=people["finance_reviewer"], ticket=b_ticket, kind=ReceiptKind.SEALING_FEE,
                                 amount=Decimal("20000"), received_on=TODAY)
    a_ticket = hs.ticket_issue(actor=clerk, data=ticket_input(world), today=TODAY)
    hs.retail_unit_sell(actor=people["retail_sales"], unit=unit(project, "402"), buyer_name="散户 钱多多")
    return Two(world, link_staff(people, world.cu), b, b_ticket, b_receipt, a_ticket, b_buyer)


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _cells(actor, project) -> dict[str, sel.Cell]:
    return {c.unit.number: c for g in sel.control_table(actor=actor, project=project) for _, row in g.floors
            for c in row}


def test_the_control_table_shows_other_units_only_as_sold_or_unavailable(two):
    project = two.world.project
    cells = _cells(two.a_staff, project)
    own = cells["101"]
    assert own.own and own.status == "taken" and own.ticket_number == two.a_ticket.number
    assert own.price == Decimal("9600") and two.world.cu.name in own.holder
    b_taken, b_free, retail, unreleased = cells["301"], cells["302"], cells["402"], cells["401"]
    assert (b_taken.status, b_taken.holder, b_taken.price, b_taken.ticket_number) == ("occupied", "已售", None, "")
    assert (retail.status, retail.holder) == ("occupied", "已售")  # the retail buyer's name stays with the company
    assert (b_free.status, b_free.holder, b_free.price) == ("unavailable", "不可选", None)
    assert unreleased.status == "unavailable" and not unreleased.own
    assert sel.control_summary(project, actor=two.a_staff) == {"taken": 1, "released": 5, "occupied": 2,
                                                               "unavailable": 4}
    # company staff keep the full table
    clerk_cells = _cells(two.world.people["housing_clerk"], project)
    assert two.b.name in clerk_cells["301"].holder and clerk_cells["301"].ticket_number == two.b_ticket.number
    assert "钱多多" in clerk_cells["402"].holder


def test_staff_of_a_do_not_see_b_in_the_selectors(two):
    staff, project = two.a_staff, two.world.project
    assert [c.pk for c in sel.commissioner_ranking(project, actor=staff)] == [two.world.cu.pk]
    assert {t.pk for t in sel.ticket_list(actor=staff, project=project)} == {two.a_ticket.pk}
    assert list(sel.receipt_list(actor=staff, project=project)) == []
    assert [r.cu.pk for r in sel.collections(actor=staff, project=project, today=TODAY)] == [two.world.cu.pk]
    for getter, pk in ((sel.commissioner_get, two.b.pk), (sel.ticket_get, two.b_ticket.pk),
                       (sel.receipt_get, two.b_receipt.pk), (sel.buyer_get, two.b_buyer.pk)):
        with pytest.raises(ScopeError):
            getter(actor=staff, pk=pk)
    with pytest.raises(ScopeError):
        sel.buyers_for(actor=staff, cu=two.b)
    # their own list: no hint about other units' lists
    assert {r.elsewhere for r in sel.buyers_for(actor=staff, cu=two.world.cu)} == {None}


def test_pages_show_a_only_and_refuse_b_by_id(client, two):
    client.force_login(two.a_staff)
    project = two.world.project
    detail = client.get(f"/housing/projects/{project.pk}/").content.decode()
    assert two.a_ticket.number in detail and two.b_ticket.number not in detail
    assert two.b.name not in detail and two.b_receipt.number not in detail and "高新区管委会" not in detail
    control = client.get(f"/housing/projects/{project.pk}/control/").content.decode()
    assert two.b.name not in control and "钱多多" not in control and two.b_ticket.number not in control
    assert "不可选" in control and two.a_ticket.number in control
    mine = client.get(f"/housing/commissioners/{two.world.cu.pk}/").content.decode()
    assert two.world.buyers[0].name in mine and "前期沟通" not in mine  # the company's analysis stays internal
    for url in (f"/housing/commissioners/{two.b.pk}/", f"/housing/commissioners/{two.b.pk}/annex.xlsx",
                f"/housing/tickets/{two.b_ticket.pk}/", f"/housing/tickets/{two.b_ticket.pk}/print.pdf",
                f"/housing/receipts/{two.b_receipt.pk}/print.pdf"):
        assert client.get(url).status_code == 404, url


def test_exports_carry_only_a(client, two):
    client.force_login(two.a_staff)
    project = two.world.project
    for url in (f"/housing/projects/{project.pk}/ledger.xlsx", f"/housing/projects/{project.pk}/control.xlsx",
                f"/housing/projects/{project.pk}/collections.xlsx"):
        book = openpyxl.load_workbook(BytesIO(client.get(url).content))
        text = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
        assert two.b.name not in text and two.b_ticket.number not in text and two.b_buyer.name not in text, url
        assert "钱多多" not in text and str(B_PRICE) not in text, url
    ledger = openpyxl.load_workbook(BytesIO(client.get(f"/housing/projects/{project.pk}/ledger.xlsx").content))
    assert two.a_ticket.number in [c.value for row in ledger["选房工作票"].iter_rows() for c in row]


def test_the_api_shows_a_only_and_refuses_b(two):
    api, project = _client(two.a_staff), two.world.project
    assert api.get(f"/api/housing/commissioners/{two.b.pk}/buyers/").status_code == 404
    assert api.get(f"/api/housing/commissioners/{two.world.cu.pk}/buyers/").json()["results"][0][
        "on_other_lists"] is None
    tickets = api.get(f"/api/housing/projects/{project.pk}/tickets/").json()["results"]
    assert [t["number"] for t in tickets] == [two.a_ticket.number]
    control = api.get(f"/api/housing/projects/{project.pk}/control-table/?page_size=100")
    assert two.b.name not in control.content.decode() and "钱多多" not in control.content.decode()
    b_cell = next(c for c in control.json()["results"] if c["number"] == "301")
    assert (b_cell["status"], b_cell["own"], b_cell["price"], b_cell["ticket_number"]) == (
        "occupied", False, None, "")
    # another unit's ticket by id: 404 before any permission question
    body = {"kind": "sealing_fee", "amount": "1", "received_on": "2026-09-21"}
    assert api.post(f"/api/housing/tickets/{two.b_ticket.pk}/receipts/", body, format="json").status_code == 404


def test_a_staff_member_with_a_company_right_still_cannot_act_on_b(two, roles):
    """The role limits even combined with another (least privilege): receipts for A's tickets, never for B's."""
    staff = two.a_staff
    staff.roles.add(roles["finance_reviewer"])
    staff = type(staff).objects.get(pk=staff.pk)  # fresh permission and scope caches
    with pytest.raises(ScopeError):
        hs.receipt_issue(actor=staff, ticket=two.b_ticket, kind=ReceiptKind.HOUSE_PAYMENT, amount=Decimal("1"),
                         received_on=TODAY)
    assert hs.receipt_issue(actor=staff, ticket=two.a_ticket, kind=ReceiptKind.SEALING_FEE,
                            amount=Decimal("20000"), received_on=TODAY).pk
    response = _client(staff).post(f"/api/housing/tickets/{two.b_ticket.pk}/receipts/", {
        "kind": "house_payment", "amount": "1", "received_on": "2026-09-21"}, format="json")
    assert response.status_code == 404 and two.b_ticket.receipts.count() == 1


def test_a_ticket_body_naming_another_unit_is_a_field_error(two, roles):
    staff = two.a_staff
    staff.roles.add(roles["housing_clerk"])
    staff = type(staff).objects.get(pk=staff.pk)
    u = unit(two.world.project, "302")
    response = _client(staff).post(f"/api/housing/projects/{two.world.project.pk}/tickets/", {
        "commissioning_unit": two.b.pk, "unit": u.pk, "buyer_name": two.b_buyer.name,
        "buyer_id_number": two.b_buyer.id_number, "unit_price": str(B_PRICE), "area": str(u.area),
        "total_price": str((u.area * B_PRICE).quantize(Decimal("0.01"))), "payment_ratio_percent": "60",
        "sealing_fee": "20000", "customer_signed": True, "reviewer": two.world.people["finance_reviewer"].pk},
        format="json")
    assert response.status_code == 400 and "commissioning_unit" in response.json()
    assert Unit.objects.get(pk=u.pk).status == "released"


def test_unlinked_staff_see_nothing_with_the_reason(client, world):
    staff = world.people["commissioner_staff"]
    assert list(sel.project_list(actor=staff)) == []
    assert "尚未关联委建单位" in sel.scope_notice(actor=staff)
    client.force_login(staff)
    page = client.get("/housing/").content.decode()
    assert "尚未关联委建单位" in page and world.project.name not in page
    assert client.get(f"/housing/projects/{world.project.pk}/control/").status_code == 404
    assert _client(staff).get("/api/housing/projects/").json()["results"] == []
    assert sel.scope_notice(actor=world.people["housing_clerk"]) == ""


def test_the_clerk_links_and_unlinks_with_history(client, world, make_user):
    people, cu = world.people, world.cu
    staff = people["commissioner_staff"]
    with pytest.raises(ForbiddenError):
        hs.commissioner_staff_link(actor=people["retail_sales"], commissioning_unit=cu, user=staff)
    with pytest.raises(ValidationError, match="委建房工作小组"):
        hs.commissioner_staff_link(actor=people["housing_clerk"], commissioning_unit=cu, user=people["retail_sales"])
    client.force_login(people["housing_clerk"])
    response = client.post(f"/housing/commissioners/{cu.pk}/", {"form": "link", "user": staff.pk, "note": "工会"})
    assert response.status_code == 302
    link = CommissionerRepresentative.objects.get(user=staff)
    assert link.linked_by == people["housing_clerk"] and link.history.get().history_user == people["housing_clerk"]
    again = client.post(f"/housing/commissioners/{cu.pk}/", {"form": "link", "user": staff.pk})
    assert "已关联" in again.content.decode() and CommissionerRepresentative.objects.count() == 1
    fresh = type(staff).objects.get(pk=staff.pk)
    assert [p.pk for p in sel.project_list(actor=fresh)] == [world.project.pk]
    assert client.post(f"/housing/representatives/{link.pk}/remove/").status_code == 302
    assert not CommissionerRepresentative.objects.exists()
    assert link.history.model.objects.filter(id=link.pk, history_type="-").get().history_user == \
        people["housing_clerk"]
    assert list(sel.project_list(actor=type(staff).objects.get(pk=staff.pk))) == []
