"""A commissioned project at each stage of 003 大客户委托建房管理制度: the people of every body the regulation
names, a building, three candidate commissioning units, the group, and — in `world` — a chosen unit with an
approved price, released units and a checked buyer list, ready for tickets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from kehu.housing import services as hs
from kehu.housing.models import GroupPosition, Unit
from kehu.housing.validators import make_id_number
from kehu.workflow.models import ApprovalStatus, StepStatus
from kehu.workflow.services import approval_step_decide

TODAY = date(2026, 9, 21)  # a Monday before the National Day holiday (deadlines cross it)


@pytest.fixture
def people(make_user):
    roles = ("housing_clerk", "marketing_director", "finance_director", "project_gm", "general_manager", "chairman",
             "audit_legal", "finance_reviewer", "retail_sales", "commissioner_staff", "sysadmin")
    made = {code: make_user(code, "company", username=code, display_name=code) for code in roles}
    made["clerk2"] = make_user("housing_clerk", "company", username="clerk2", display_name="clerk2")
    made["finance2"] = make_user("finance_reviewer", "company", username="finance2", display_name="finance2")
    return made


def decide_all(approval, people, decision="approve"):
    """Every pending step decided by the person holding its role (one person per role in `people`)."""
    for _ in range(10):
        approval.refresh_from_db()
        if approval.status != ApprovalStatus.PENDING:
            return approval
        step = approval.steps.get(round=approval.round, status=StepStatus.PENDING)
        approval_step_decide(actor=people[step.role_code], step=step, decision=decision,
                             comment="" if decision == "approve" else "不同意")
    return approval


def id_no(n: int) -> str:
    return make_id_number("370102", date(1985, 1, 1 + n % 28), n)


@pytest.fixture
def project(people):
    p = hs.project_create(actor=people["sysadmin"], code="JN1", name="泉城花园", stage="land")
    hs.building_create(actor=people["sysadmin"], project=p, code="1", floors=6, units=[
        hs.UnitInput(f"{floor}0{n}", floor, "三室两厅" if n == 1 else "两室一厅",
                     Decimal("120.50") if n == 1 else Decimal("89.00"))
        for floor in range(1, 7) for n in (1, 2)])
    return p


def unit(project, number) -> Unit:
    return Unit.objects.get(project=project, number=number)


@pytest.fixture
def candidates(project, people):
    clerk = people["housing_clerk"]
    return [hs.commissioner_register(actor=clerk, project=project, name=name, accepted_price=price,
                                     payment_ratio_percent=ratio, owner_occupier_percent=own,
                                     resource_exchange=exchange)
            for name, price, ratio, own, exchange in (
                ("省立医院", Decimal("9800"), Decimal("70"), Decimal("90"), False),
                ("市第一中学", Decimal("9800"), Decimal("70"), Decimal("95"), True),
                ("高新区管委会", Decimal("9500"), Decimal("80"), Decimal("85"), True))]


@pytest.fixture
def group(project, people, candidates, make_user):
    members = {}
    for position in GroupPosition.values:
        user = make_user("staff", "company", username=f"g_{position}", display_name=position)
        members[position] = hs.negotiation_member_set(actor=people["housing_clerk"], project=project,
                                                      position=position, user=user)
    return members


@pytest.fixture
def signed_memo(project, people, group, candidates):
    memo = hs.memo_write(actor=people["housing_clerk"], project=project, held_on=TODAY, subject="第一轮谈判",
                         content="三家意向单位的价格与付款比例", commissioning_unit=candidates[1])
    for member in group.values():
        hs.memo_sign(actor=member.user, memo=memo)
    return memo


@pytest.fixture
def chosen(project, people, candidates, signed_memo):
    cu = candidates[1]
    approval = hs.commissioner_choose(actor=people["housing_clerk"], commissioning_unit=cu,
                                      report="市第一中学价格与付款比例并列最高，且能提供资源互换（六）")
    decide_all(approval, people)
    cu.refresh_from_db()
    hs.contract_record(actor=people["housing_clerk"], commissioning_unit=cu, contract_no="WJ-2026-001",
                       signed_on=TODAY, selection_deadline=date(2026, 10, 30), payment_deadline=date(2026, 11, 30),
                       sealing_fee=Decimal("20000"), full_payment_discount_percent=Decimal("2"),
                       rename_relations="直系亲属（户口簿或出生证明）")
    cu.refresh_from_db()
    return cu


def price_lines(project, price_high=Decimal("10000"), price_low=Decimal("9600")):
    return [hs.PriceLineInput(u, price_high if u.floor >= 4 else price_low)
            for u in Unit.objects.filter(project=project).order_by("pk")]


def submit_price(people, cu, ratio=Decimal("60"), **kw):
    return hs.price_submit(actor=people["housing_clerk"], commissioning_unit=cu, average_price=Decimal("9800"),
                           payment_ratio_percent=ratio, unit_cost=Decimal("6500"),
                           retail_reference_price=Decimal("11500"), analysis="周边团购价 9500–10200 元/㎡",
                           lines=kw.pop("lines", None) or price_lines(cu.project), **kw)


@dataclass
class World:
    project: object
    cu: object
    people: dict
    buyers: list
    released: list


@pytest.fixture
def world(project, people, chosen):
    pa = submit_price(people, chosen)
    decide_all(pa.approval, people)
    hs.financing_target_issue(actor=people["finance_director"], project=project, year=TODAY.year,
                              amount=Decimal("50000000"), issued_on=date(2026, 1, 5))
    released = list(Unit.objects.filter(project=project, number__in=["101", "102", "201", "202", "501", "502"])
                    .order_by("pk"))
    release = hs.release_submit(actor=people["housing_clerk"], commissioning_unit=chosen, units=released,
                                reason="低区与高区搭配", today=TODAY)
    decide_all(release.approval, people)
    buyers = hs.buyers_add(actor=people["housing_clerk"], commissioning_unit=chosen, rows=[
        hs.BuyerInput("张伟", id_no(1), 1), hs.BuyerInput("王芳", id_no(2), 2), hs.BuyerInput("李娜", id_no(3), 3)])
    for b in buyers:
        hs.buyer_check(actor=people["audit_legal"], buyer=b, department="audit", passed=True)
        hs.buyer_check(actor=people["finance_reviewer"], buyer=b, department="finance", passed=True)
    for u in released:
        u.refresh_from_db()
    return World(project, chosen, people, buyers, released)


def ticket_input(world, number="101", buyer=0, **overrides):
    u = unit(world.project, number)
    b = world.buyers[buyer]
    price = Decimal("10000") if u.floor >= 4 else Decimal("9600")
    values = dict(unit=u, buyer_name=b.name, buyer_id_number=b.id_number, unit_price=price, area=u.area,
                  total_price=(u.area * price).quantize(Decimal("0.01")), payment_ratio_percent=Decimal("60"),
                  reviewer=world.people["finance_reviewer"], customer_signed=True, sealing_fee=Decimal("20000"),
                  commissioning_unit=world.cu)
    values.update(overrides)
    return hs.TicketInput(**values)
