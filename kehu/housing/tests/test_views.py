"""The pages: a refused ticket shows why beside the field and saves nothing; the reports download as XLSX and PDF;
the control table is a fixed number of queries; ID numbers are masked on pages for users without the right."""

from io import BytesIO

import openpyxl
import pytest

from kehu.housing import selectors as sel
from kehu.housing import services as hs
from kehu.housing.models import ReceiptKind, SelectionTicket, Unit
from kehu.housing.tests.conftest import TODAY, ticket_input

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _ticket_post(world, number="101", **overrides):
    data = ticket_input(world, number)
    post = {"unit": data.unit.pk, "buyer_name": data.buyer_name, "buyer_id_number": data.buyer_id_number,
            "unit_price": str(data.unit_price), "area": str(data.area), "total_price": str(data.total_price),
            "payment_ratio_percent": "60", "sealing_fee": "20000", "customer_signed": "on",
            "reviewer": world.people["finance_reviewer"].pk}
    post.update(overrides)
    return post


def test_a_ticket_with_a_price_differing_from_the_approval_is_refused_on_the_page(client, world):
    _login(client, world.people["housing_clerk"])
    url = f"/housing/commissioners/{world.cu.pk}/tickets/new/"
    response = client.post(url, _ticket_post(world, unit_price="9000"))
    assert response.status_code == 200
    assert "单价与公司审批的价格不一致" in response.content.decode()
    assert not SelectionTicket.objects.exists()
    response = client.post(url, _ticket_post(world))
    ticket = SelectionTicket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/housing/tickets/{ticket.pk}/"


def test_every_page_renders_for_the_clerk(client, world):
    ticket = hs.ticket_issue(actor=world.people["housing_clerk"], data=ticket_input(world))
    hs.receipt_issue(actor=world.people["finance_reviewer"], ticket=ticket, kind=ReceiptKind.SEALING_FEE,
                     amount=ticket.sealing_fee, received_on=TODAY)
    _login(client, world.people["housing_clerk"])
    p = world.project.pk
    for url in ("/housing/", f"/housing/projects/{p}/", f"/housing/projects/{p}/control/",
                f"/housing/commissioners/{world.cu.pk}/", f"/housing/tickets/{ticket.pk}/",
                f"/housing/commissioners/{world.cu.pk}/price/", f"/housing/commissioners/{world.cu.pk}/release/",
                f"/housing/projects/{p}/relations/new/", f"/housing/projects/{p}/memos/new/"):
        assert client.get(url).status_code == 200, url
    for url in (f"/housing/projects/{p}/ledger.xlsx", f"/housing/projects/{p}/collections.pdf",
                f"/housing/projects/{p}/control.xlsx", f"/housing/commissioners/{world.cu.pk}/annex.pdf",
                f"/housing/tickets/{ticket.pk}/print.pdf", f"/housing/receipts/{ticket.receipts.get().pk}/print.pdf"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content[:4] in (b"PK\x03\x04", b"%PDF"), url


def test_the_ledger_lists_tickets_receipts_and_vouchers_with_masked_ids(client, world):
    ticket = hs.ticket_issue(actor=world.people["housing_clerk"], data=ticket_input(world))
    _login(client, world.people["retail_sales"])
    book = openpyxl.load_workbook(BytesIO(client.get(f"/housing/projects/{world.project.pk}/ledger.xlsx").content))
    assert book.sheetnames == ["选房工作票", "收据", "选房凭证"]
    cells = [c.value for row in book["选房工作票"].iter_rows() for c in row if c.value]
    assert ticket.number in cells
    assert ticket.buyer_id_number not in cells  # masked for the retail centre
    assert any(str(v).startswith(ticket.buyer_id_number[:3] + "*") for v in cells)


def test_a_user_without_the_housing_right_is_refused(client, world, make_user):
    _login(client, make_user("account_manager", "team1"))
    assert client.get("/housing/").status_code == 403
    assert client.get(f"/housing/projects/{world.project.pk}/control/").status_code == 403


def test_the_control_table_is_a_fixed_number_of_queries(world, django_assert_num_queries):
    actor = world.people["commissioner_staff"]
    actor.has_perm("housing.view_housing")  # permission cache warm
    with django_assert_num_queries(4):
        sel.control_table(actor=actor, project=world.project)
    hs.building_create(actor=world.people["sysadmin"], project=world.project, code="9", floors=20, units=[
        hs.UnitInput(f"{f}01", f, "两室", Unit.objects.first().area) for f in range(1, 21)])
    with django_assert_num_queries(4):
        grids = sel.control_table(actor=actor, project=world.project)
    assert [g.code for g in grids] == ["1", "9"]
