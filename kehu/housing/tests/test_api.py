"""The housing API: bad input is a 4xx naming the field and saves nothing — a unit taken or not released, a buyer
not on the list, a price differing from the approved one, a payment ratio under 50 %, a malformed ID number."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from kehu.housing import services as hs
from kehu.housing.models import PriceApproval, SelectionTicket
from kehu.housing.tests.conftest import id_no, price_lines, ticket_input

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _body(world, number="101", buyer=0, **overrides):
    t = ticket_input(world, number, buyer)
    body = {"commissioning_unit": world.cu.pk, "unit": t.unit.pk, "buyer_name": t.buyer_name,
            "buyer_id_number": t.buyer_id_number, "unit_price": str(t.unit_price), "area": str(t.area),
            "total_price": str(t.total_price), "payment_ratio_percent": "60", "sealing_fee": "20000",
            "customer_signed": True, "reviewer": world.people["finance_reviewer"].pk}
    body.update(overrides)
    return body


def _post_ticket(world, **overrides):
    return _client(world.people["housing_clerk"]).post(
        f"/api/housing/projects/{world.project.pk}/tickets/", _body(world, **overrides), format="json")


def test_a_ticket_is_issued_through_the_api(world):
    response = _post_ticket(world)
    assert response.status_code == 201, response.json()
    assert response.json()["number"] == "JN1-XP-000001"
    assert response.json()["buyer_id_number"] == world.buyers[0].id_number  # the clerk may see it


@pytest.mark.parametrize(("overrides", "field", "text"), [
    ({"buyer_id_number": "370102198501020021"}, "buyer_id_number", "校验位"),
    ({"buyer_id_number": id_no(9), "buyer_name": "外人"}, "buyer_id_number", "购房名单"),
    ({"unit_price": "9599.99"}, "unit_price", "审批单价"),
    ({"payment_ratio_percent": "49.99"}, "payment_ratio_percent", "不能低于60%"),
    ({"unit": 999999}, "unit", "不存在"),
    ({"reviewer": 999999}, "reviewer", "不存在"),
])
def test_bad_tickets_are_field_errors_and_save_nothing(world, overrides, field, text):
    response = _post_ticket(world, **overrides)
    assert response.status_code == 400
    assert any(text in m for m in response.json()[field]), response.json()
    assert not SelectionTicket.objects.exists()


def test_a_taken_unit_is_a_409_naming_the_unit(world):
    assert _post_ticket(world).status_code == 201
    response = _post_ticket(world, buyer_name=world.buyers[1].name, buyer_id_number=world.buyers[1].id_number)
    assert response.status_code == 409
    assert "已被选定" in response.json()["unit"][0] and response.json()["code"] == "unit_taken"
    assert SelectionTicket.objects.count() == 1


def test_a_unit_not_released_is_refused(world):
    response = _post_ticket(world, **{k: v for k, v in _body(world, "301").items()
                                      if k in ("unit", "unit_price", "area", "total_price")})
    assert response.status_code == 409 and "不在发放给" in response.json()["unit"][0]


def test_a_price_with_a_ratio_under_fifty_percent_is_refused(people, chosen):
    lines = [{"unit": line.unit.pk, "unit_price": str(line.unit_price)} for line in price_lines(chosen.project)]
    body = {"average_price": "9800", "payment_ratio_percent": "49.99", "unit_cost": "6500",
            "retail_reference_price": "11500", "analysis": "分析", "lines": lines}
    response = _client(people["housing_clerk"]).post(f"/api/housing/commissioners/{chosen.pk}/price/", body,
                                                     format="json")
    assert response.status_code == 400 and "50%" in response.json()["payment_ratio_percent"][0]
    assert not PriceApproval.objects.exists()
    body["payment_ratio_percent"] = "50"
    response = _client(people["housing_clerk"]).post(f"/api/housing/commissioners/{chosen.pk}/price/", body,
                                                     format="json")
    assert response.status_code == 201 and response.json()["status"] == "pending"
    # before approval the unit's staff see no price
    staff_view = _client(people["commissioner_staff"]).get(f"/api/housing/projects/{chosen.project.pk}/control-table/")
    assert all(c["price"] is None for c in staff_view.json()["results"])


def test_buyer_list_via_the_api_masks_ids_for_others(world):
    masked = _client(world.people["retail_sales"]).get(f"/api/housing/commissioners/{world.cu.pk}/buyers/").json()
    assert masked["results"][0]["id_number"].count("*") == 11
    response = _client(world.people["housing_clerk"]).post(
        f"/api/housing/commissioners/{world.cu.pk}/buyers/",
        {"rows": [{"name": "甲", "id_number": id_no(30)}, {"name": "乙", "id_number": "12345"}]}, format="json")
    assert response.status_code == 400 and "第2行" in response.json()["rows"][0]


def test_receipt_voucher_and_reversal_through_the_api(world):
    clerk, finance = _client(world.people["housing_clerk"]), _client(world.people["finance_reviewer"])
    ticket = _post_ticket(world).json()
    for kind, amount in (("sealing_fee", "20000"), ("house_payment", str(Decimal(ticket["amount_due"]) - 20000))):
        assert finance.post(f"/api/housing/tickets/{ticket['id']}/receipts/",
                            {"kind": kind, "amount": amount, "received_on": "2026-09-21"}, format="json"
                            ).status_code == 201
    voucher = clerk.post(f"/api/housing/tickets/{ticket['id']}/voucher/",
                         {"reviewer": world.people["finance_reviewer"].pk}, format="json")
    assert voucher.status_code == 201 and voucher.json()["number"] == "JN1-PZ-000001"
    new = clerk.post(f"/api/housing/tickets/{ticket['id']}/reverse/", {**_body(world, "201"), "reason": "调换"},
                     format="json")
    assert new.status_code == 201 and new.json()["replaces_number"] == ticket["number"]
    assert hs.collected_for(SelectionTicket.objects.get(pk=new.json()["id"])) == Decimal(ticket["amount_due"])
