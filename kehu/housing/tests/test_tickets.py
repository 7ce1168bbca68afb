"""Selection tickets, receipts and vouchers (九、(二)2), red reversal, renames (十一、3), the loan-conversion fee
(十、(二)4) and relation units (十二)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.housing import services as hs
from kehu.housing.models import (
    FormKind,
    NumberSequence,
    Receipt,
    ReceiptKind,
    SelectionTicket,
    TicketStatus,
    UnitStatus,
    Voucher,
    VoucherStatus,
)
from kehu.housing.tests.conftest import TODAY, decide_all, id_no, ticket_input, unit
from kehu.policy.services import admin_value_set

pytestmark = pytest.mark.django_db


def _issue(world, number="101", buyer=0, **kw):
    return hs.ticket_issue(actor=world.people["housing_clerk"], data=ticket_input(world, number, buyer, **kw))


def _pay_in_full(world, ticket):
    clerk = world.people["finance_reviewer"]
    hs.receipt_issue(actor=clerk, ticket=ticket, kind=ReceiptKind.SEALING_FEE, amount=ticket.sealing_fee,
                     received_on=TODAY)
    rest = ticket.amount_due - hs.collected_for(ticket)
    return hs.receipt_issue(actor=clerk, ticket=ticket, kind=ReceiptKind.HOUSE_PAYMENT, amount=rest,
                            received_on=TODAY)


def test_a_ticket_takes_the_unit_and_the_next_number(world):
    ticket = _issue(world)
    assert ticket.number == "JN1-XP-000001"
    assert ticket.total_price == Decimal("1156800.00")  # 120.50 ㎡ × 9,600 元/㎡
    assert ticket.amount_due == Decimal("694080.00")  # 60 %
    assert unit(world.project, "101").status == UnitStatus.TAKEN
    assert _issue(world, "102", 1).number == "JN1-XP-000002"
    assert unit(world.project, "101").history.first().history_change_reason == "开具选房工作票 JN1-XP-000001"


def test_a_second_ticket_for_the_same_unit_is_refused(world):
    first = _issue(world)
    with pytest.raises(hs.UnitTakenError, match=f"已被选定（选房工作票 {first.number}）"):
        _issue(world, "101", 1)


@pytest.mark.parametrize(("overrides", "field", "text"), [
    ({"buyer_id_number": id_no(9), "buyer_name": "外人"}, "buyer_id_number", "不在“市第一中学”的购房名单中"),
    ({"buyer_name": "张三"}, "buyer_name", "姓名与名单不符"),
    ({"unit_price": Decimal("9500")}, "unit_price", "审批单价为 9,600.00 元/㎡"),
    ({"area": Decimal("120.00")}, "area", "面积与房源面积不一致"),
    ({"total_price": Decimal("1156000.00")}, "total_price", "总价应为"),
    ({"payment_ratio_percent": Decimal("49.99")}, "payment_ratio_percent", "不能低于60%"),
    ({"customer_signed": False}, "customer_signed", "客户签字"),
    ({"sealing_fee": Decimal("0")}, "sealing_fee", "封户费应为 20,000.00 元"),
    ({"buyer_id_number": "370102198501020021"}, "buyer_id_number", "校验位"),
])
def test_a_bad_ticket_is_refused_on_its_field_and_uses_no_number(world, overrides, field, text):
    with pytest.raises(ValidationError) as exc:
        _issue(world, **overrides)
    assert any(text in m for m in exc.value.message_dict[field]), exc.value.message_dict
    assert not SelectionTicket.objects.exists()
    assert unit(world.project, "101").status == UnitStatus.RELEASED
    assert NumberSequence.objects.get(project=world.project, kind="ticket").next_value == 1  # gap-free
    assert _issue(world).number == "JN1-XP-000001"


def test_the_reviewer_must_be_an_independent_person_with_the_right(world):
    clerk = world.people["housing_clerk"]
    with pytest.raises(ValidationError, match="复核人不能是开票人本人"):
        _issue(world, reviewer=clerk)
    with pytest.raises(ValidationError, match="没有复核选房工作票的权限"):
        _issue(world, reviewer=world.people["clerk2"])


def test_the_payment_ratio_floor_is_the_approved_ratio_at_exactly_sixty(world):
    assert _issue(world, payment_ratio_percent=Decimal("60")).payment_ratio_percent == 60


def test_a_buyer_not_yet_checked_is_refused(world):
    [pending] = hs.buyers_add(actor=world.people["housing_clerk"], commissioning_unit=world.cu,
                              rows=[hs.BuyerInput("赵敏", id_no(7))])
    with pytest.raises(ValidationError, match="尚未通过审计法务部、财务部的资格审查"):
        hs.ticket_issue(actor=world.people["housing_clerk"], data=ticket_input(
            world, buyer_name=pending.name, buyer_id_number=pending.id_number))


def test_a_unit_not_released_to_the_commissioning_unit_is_refused(world):
    with pytest.raises(hs.UnitTakenError, match="不在发放给“市第一中学”的房源内"):
        _issue(world, "301")  # priced but never released


def test_only_clerks_with_the_limited_right_issue_tickets(world):
    with pytest.raises(ForbiddenError, match="录入权限受限"):
        hs.ticket_issue(actor=world.people["retail_sales"], data=ticket_input(world))


def test_a_full_payment_has_no_sealing_fee_and_earns_the_discount(world):
    ticket = _issue(world, full_payment=True, sealing_fee=Decimal("0"))
    assert ticket.payment_ratio_percent == 100
    assert ticket.amount_due == Decimal("1133664.00")  # 1,156,800 × 98 %


def test_receipts_never_exceed_the_amount_due(world):
    ticket = _issue(world)
    with pytest.raises(ValidationError, match="超过房款应收"):
        hs.receipt_issue(actor=world.people["finance_reviewer"], ticket=ticket, kind=ReceiptKind.HOUSE_PAYMENT,
                         amount=ticket.amount_due + Decimal("0.01"), received_on=TODAY)


def test_a_voucher_only_when_collected_receipts_equal_the_amount_due(world):
    ticket = _issue(world)
    finance, clerk = world.people["finance_reviewer"], world.people["housing_clerk"]
    hs.receipt_issue(actor=finance, ticket=ticket, kind=ReceiptKind.SEALING_FEE, amount=Decimal("20000"),
                     received_on=TODAY)
    with pytest.raises(ValidationError, match=r"实收金额 20,000\.00 元与房款应收 694,080\.00 元不一致"):
        hs.voucher_issue(actor=clerk, ticket=ticket, reviewer=finance)
    hs.receipt_issue(actor=finance, ticket=ticket, kind=ReceiptKind.HOUSE_PAYMENT, amount=Decimal("674080"),
                     received_on=TODAY)
    with pytest.raises(ValidationError, match="开具人以外的人员复核"):
        hs.voucher_issue(actor=clerk, ticket=ticket, reviewer=clerk)
    voucher = hs.voucher_issue(actor=clerk, ticket=ticket, reviewer=finance)
    assert (voucher.number, voucher.amount_collected) == ("JN1-PZ-000001", Decimal("694080.00"))
    assert list(Receipt.objects.values_list("number", flat=True)) == ["JN1-SJ-000001", "JN1-SJ-000002"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.COLLECTED  # 选房工作票在填写选房凭证时应收回


def test_red_reversal_keeps_the_original_and_links_the_new_ticket(world):
    original = _issue(world)
    hs.receipt_issue(actor=world.people["finance_reviewer"], ticket=original, kind=ReceiptKind.SEALING_FEE,
                     amount=Decimal("20000"), received_on=TODAY)
    new = hs.ticket_reverse(actor=world.people["housing_clerk"], ticket=original,
                            data=ticket_input(world, "501"), reason="客户调换高区")
    original.refresh_from_db()
    red = original.red_ticket
    assert original.status == TicketStatus.REVERSED and original.unit.number == "101"
    assert (red.kind, red.number, red.total_price) == (FormKind.RED, "JN1-XP-000002", -original.total_price)
    assert (new.number, new.replaces, new.unit.number) == ("JN1-XP-000003", original, "501")
    assert unit(world.project, "101").status == UnitStatus.RELEASED  # back to the commissioning unit's stock
    assert unit(world.project, "501").status == UnitStatus.TAKEN
    assert hs.collected_for(new) == Decimal("20000")  # the sealing fee follows the buyer
    assert new.total_price == Decimal("1205000.00")  # 120.50 × 10,000


def test_a_reversal_after_the_voucher_reverses_the_voucher_in_red(world):
    ticket = _issue(world)
    _pay_in_full(world, ticket)
    voucher = hs.voucher_issue(actor=world.people["housing_clerk"], ticket=ticket,
                               reviewer=world.people["finance_reviewer"])
    new = hs.ticket_reverse(actor=world.people["housing_clerk"], ticket=ticket, data=ticket_input(world, "201"),
                            reason="调换")
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REVERSED
    assert voucher.red_voucher.amount_due == -voucher.amount_due
    # 201 costs the same per ㎡ and has the same area: already paid in full, a new voucher can be issued.
    assert hs.voucher_issue(actor=world.people["housing_clerk"], ticket=new,
                            reviewer=world.people["finance_reviewer"]).number == "JN1-PZ-000003"


def test_a_reversal_to_another_commissioning_units_unit_is_refused(world):
    ticket = _issue(world)
    with pytest.raises(hs.UnitTakenError):
        hs.ticket_reverse(actor=world.people["housing_clerk"], ticket=ticket, data=ticket_input(world, "601"),
                          reason="调换")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ACTIVE and not SelectionTicket.objects.filter(kind="red").exists()


def test_a_rename_within_the_list_is_free(world):
    ticket = _issue(world)
    record = hs.ticket_rename(actor=world.people["housing_clerk"], ticket=ticket, new_name="王芳",
                              new_id_number=world.buyers[1].id_number)
    assert record.within_list and record.fee == 0
    ticket.refresh_from_db()
    assert ticket.buyer_name == "王芳"


def test_a_rename_outside_the_list_costs_half_the_price_difference(world):
    ticket = _issue(world)
    record = hs.ticket_rename(actor=world.people["housing_clerk"], ticket=ticket, new_name="张小伟",
                              new_id_number=id_no(11), relation="父子（户口簿）", market_price=Decimal("11000"))
    # (11,000 × 120.50 − 1,156,800) × 50 % = (1,325,500 − 1,156,800) / 2
    assert record.fee == Decimal("84350.00") and not record.within_list
    assert record.receipt.kind == ReceiptKind.RENAME_FEE and record.receipt.amount == record.fee


def test_a_rename_outside_the_list_is_refused_when_the_contract_allows_none(world):
    world.cu.rename_relations = ""
    world.cu.save()
    ticket = _issue(world)
    with pytest.raises(ServiceError, match="不允许更名"):
        hs.ticket_rename(actor=world.people["housing_clerk"], ticket=ticket, new_name="张小伟",
                         new_id_number=id_no(11), relation="父子", market_price=Decimal("11000"))


def test_loan_conversion_fee_is_the_administrators_figure(world):
    ticket = _issue(world, full_payment=True, sealing_fee=Decimal("0"))
    with pytest.raises(ServiceError, match=re.escape("须由系统管理员在政策包 commissioned-housing 中设定（十、(二)4")):
        hs.ticket_convert_to_loan(actor=world.people["housing_clerk"], ticket=ticket,
                                  new_payment_ratio_percent=Decimal("60"), received_on=TODAY)
    with pytest.raises(ValidationError, match="1000–3000"):
        admin_value_set(actor=world.people["sysadmin"], pack_name="commissioned-housing",
                        key="housing.loan_conversion_fee", value="3000.01")
    admin_value_set(actor=world.people["sysadmin"], pack_name="commissioned-housing",
                    key="housing.loan_conversion_fee", value="2000")
    conversion = hs.ticket_convert_to_loan(actor=world.people["housing_clerk"], ticket=ticket,
                                           new_payment_ratio_percent=Decimal("60"), received_on=TODAY)
    assert conversion.fee == 2000 and conversion.receipt.kind == ReceiptKind.LOAN_FEE
    ticket.refresh_from_db()
    assert (ticket.full_payment, ticket.amount_due) == (False, Decimal("694080.00"))


# ----- relation units (十二) ---------------------------------------------------------------------------------------


def _relation(world, number, *, mode="phone", approver="general_manager", on=TODAY, handler="housing_clerk"):
    u = unit(world.project, number)
    return hs.relation_request_create(
        actor=world.people[handler], project=world.project, department="工程部", buyer_name="陈明",
        buyer_id_number=id_no(20), average_price=Decimal("9900"), payment_ratio_percent=Decimal("70"),
        payment_due=date(2026, 10, 20), lines=[hs.PriceLineInput(u, Decimal("9900"))], mode=mode,
        document_no="工程部〔2026〕12号" if mode == "paper" else "", phone_approver=world.people[approver],
        phone_approved_on=on, today=on)


def test_a_phone_approval_must_come_from_gm_level(world):
    with pytest.raises(ValidationError, match="总经理级别以上"):
        _relation(world, "601", approver="marketing_director")


def test_phone_approval_paperwork_is_due_in_five_working_days_across_the_holiday(world):
    req = _relation(world, "601", on=date(2026, 9, 29))
    # 9-30 is the 1st working day; 10-01…10-07 is the National Day holiday; 10-08 onwards (10-10 is a make-up
    # working Saturday in 2026) — five working days end on 10-12.
    from kehu.workdays.calendar import add_working_days

    assert req.paperwork_due == add_working_days(date(2026, 9, 29), 5)
    assert req.paperwork_due > date(2026, 10, 7)
    assert unit(world.project, "601").status == UnitStatus.RELATION


def test_overdue_paperwork_stops_further_units(world):
    req = _relation(world, "601", on=TODAY)
    late = date(2026, 10, 30)
    with pytest.raises(ServiceError, match="不予发放再次申请房源"):
        _relation(world, "602", on=late)
    with pytest.raises(ServiceError, match="逾期未补齐手续"):
        hs.ticket_issue(actor=world.people["housing_clerk"], today=late, data=hs.TicketInput(
            unit=unit(world.project, "601"), buyer_name="陈明", buyer_id_number=id_no(20),
            unit_price=Decimal("9900"), area=unit(world.project, "601").area,
            total_price=(unit(world.project, "601").area * 9900).quantize(Decimal("0.01")),
            payment_ratio_percent=Decimal("70"), reviewer=world.people["finance_reviewer"], customer_signed=True,
            relation_request=req))
    hs.relation_paperwork_complete(actor=world.people["housing_clerk"], request=req, document_no="补〔2026〕1号",
                                   done_on=late)
    assert _relation(world, "602", on=late).pk


def test_a_paper_relation_request_runs_the_price_chain(world):
    req = _relation(world, "601", mode="paper")
    assert [s.role_code for s in req.approval.steps.order_by("order")][-1] == "chairman"
    assert unit(world.project, "601").status == UnitStatus.PENDING_RELEASE
    decide_all(req.approval, world.people)
    assert unit(world.project, "601").status == UnitStatus.RELATION


def test_a_late_relation_buyer_moves_to_the_new_price_policy(world):
    clerk = world.people["housing_clerk"]
    hs.price_policy_set(actor=clerk, project=world.project, name="土地阶段价", stage="land",
                        effective_from=date(2026, 1, 1), index_percent=Decimal("100"))
    req = _relation(world, "601")
    u = unit(world.project, "601")
    ticket = hs.ticket_issue(actor=clerk, today=TODAY, data=hs.TicketInput(
        unit=u, buyer_name="陈明", buyer_id_number=id_no(20), unit_price=Decimal("9900"), area=u.area,
        total_price=(u.area * 9900).quantize(Decimal("0.01")), payment_ratio_percent=Decimal("70"),
        reviewer=world.people["finance_reviewer"], customer_signed=True, relation_request=req))
    hs.price_policy_set(actor=clerk, project=world.project, name="挂牌阶段价", stage="listing",
                        effective_from=date(2026, 11, 1), index_percent=Decimal("105"))
    with pytest.raises(ServiceError, match="尚未逾期"):
        hs.relation_reprice_late(actor=clerk, request=req, today=date(2026, 10, 20))
    [reissued] = hs.relation_reprice_late(actor=clerk, request=req, today=date(2026, 11, 2))
    assert reissued.unit_price == Decimal("10395.00") and reissued.replaces == ticket
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REVERSED and Voucher.objects.count() == 0
