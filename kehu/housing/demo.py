"""Demo data for commissioned housing (003 大客户委托建房管理制度): a project with two buildings on one control table,
three candidate commissioning units, the negotiation group and a signed memo, the chosen unit approved by 总经理 and
董事长, its price approved along the five-step chain, released units after finance's target, a checked buyer list
(one person still waiting for the check), tickets, receipts, a voucher, a red reversal to another unit, a retail
sale, and an urgent relation unit approved by phone with its paperwork due.

Everything goes through kehu.housing.services; deterministic; a second run adds nothing (the project's code is
the marker)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kehu.core.errors import ServiceError
from kehu.housing import services as hs
from kehu.housing.models import GroupPosition, Project, ReceiptKind, Unit
from kehu.housing.validators import make_id_number
from kehu.org.models import OrgUnit, User
from kehu.workflow.models import ApprovalStatus, StepStatus

PROJECT_CODE = "QCHY"
# username, display name, role, org unit code (the demo company's departments)
HOUSING_USERS = (
    ("dakehu", "韩部长（大客户部）", "housing_clerk", "HB-SALES"),
    ("dakehu2", "冯专员（大客户部）", "housing_clerk", "HB-SALES"),
    ("yingxiaozj", "陈总监（营销总监）", "marketing_director", "HB-MKT"),
    ("caiwuzj", "林总监（财务总监）", "finance_director", "HB-FIN"),
    ("xiangmuzong", "罗总（项目总）", "project_gm", "HB-GMO"),
    ("dongshizhang", "曹董（董事长）", "chairman", "HB-GMO"),
    ("shenji", "许律师（审计法务部）", "audit_legal", "HB-GMO"),
    ("lingshou", "宋顾问（营销中心）", "retail_sales", "HB-MKT"),
    ("weijian", "何老师（委建房工作小组）", "commissioner_staff", "HB-OFFICE"),
    ("fuzong", "邓副总（主管大客户）", "staff", "HB-GMO"),
    ("sheji", "蒋总监（设计总监）", "staff", "HB-GMO"),
    ("wuye", "沈总（物业总经理）", "staff", "HB-GMO"),
)
BUYERS = (("刘洋", 1), ("陈静", 2), ("杨磊", 3), ("赵敏", 4), ("黄勇", 5), ("周艳", 6))


def _users() -> dict[str, User]:
    from kehu.core.demo import DEMO_PASSWORD
    from kehu.org.roles import roles_bootstrap
    from kehu.org.services import user_create

    roles = roles_bootstrap()
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={u[3] for u in HOUSING_USERS})}
    users = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in HOUSING_USERS]
                                                        + ["zongjingli", "caiwu", "admin"])}
    for username, display, role, unit in HOUSING_USERS:
        if username not in users:
            users[username] = user_create(username=username, password=DEMO_PASSWORD, display_name=display,
                                          unit=units.get(unit), roles=[roles[role]],
                                          email=f"{username}@demo.kehu.local")
    return users


def _decide_all(approval, users: dict[str, User]) -> None:
    from kehu.workflow.services import approval_step_decide

    by_role = {}
    for user in users.values():
        for code in user.roles.values_list("code", flat=True):
            by_role.setdefault(code, user)
    for _ in range(10):
        approval.refresh_from_db()
        if approval.status != ApprovalStatus.PENDING:
            return
        step = approval.steps.get(round=approval.round, status=StepStatus.PENDING)
        approval_step_decide(actor=by_role[step.role_code], step=step, decision="approve", comment="同意")


def _ticket(project, cu, users, number, buyer, *, full=False) -> hs.TicketInput:
    unit = Unit.objects.get(project=project, building__code="1", number=number)
    line = unit.price_lines.get(price_approval__commissioning_unit=cu)
    return hs.TicketInput(
        unit=unit, buyer_name=buyer.name, buyer_id_number=buyer.id_number, unit_price=line.unit_price, area=unit.area,
        total_price=(unit.area * line.unit_price).quantize(Decimal("0.01")),
        payment_ratio_percent=Decimal("100") if full else Decimal("70"), reviewer=users["caiwu"],
        customer_signed=True, full_payment=full, sealing_fee=Decimal(0) if full else cu.sealing_fee,
        discount_note="一次性付款享受2%优惠" if full else "放弃全款优惠", commissioning_unit=cu)


@transaction.atomic
def load_demo(*, today: date | None = None) -> str:
    if Project.objects.filter(code=PROJECT_CODE).exists():
        return ""
    today = today or timezone.localdate()
    users = _users()
    admin, clerk = users["admin"], users["dakehu"]
    project = hs.project_create(actor=admin, code=PROJECT_CODE, name="泉城华苑", address="济南市历城区", stage="land")
    for code in ("1", "2"):
        hs.building_create(actor=admin, project=project, code=code, floors=8, units=[
            hs.UnitInput(f"{floor}0{n}", floor, "三室两厅" if n == 1 else "两室一厅",
                         Decimal("128.60") if n == 1 else Decimal("92.30"))
            for floor in range(1, 9) for n in (1, 2)])
    hs.price_policy_set(actor=clerk, project=project, name="土地阶段价格政策", stage="land",
                        effective_from=date(today.year, 1, 1), index_percent=Decimal("100"))
    candidates = [hs.commissioner_register(
        actor=clerk, project=project, name=name, accepted_price=price, payment_ratio_percent=ratio,
        owner_occupier_percent=own, resource_exchange=exchange, resource_exchange_note=note,
        first_contact=contact, acceptance="认可委建定制模式", price_range_low=price - 400, price_range_high=price + 300)
        for name, price, ratio, own, exchange, note, contact in (
            ("山东省立医院", Decimal("9800"), Decimal("70"), Decimal("92"), True, "院区停车场经营权互换",
             "工会主席两次面谈，职工住房需求约120户"),
            ("济南市第一中学", Decimal("9600"), Decimal("80"), Decimal("95"), False, "", "校办联系，约60户"),
            ("历城区税务局", Decimal("9500"), Decimal("60"), Decimal("88"), False, "", "初步接触"))]
    positions = {GroupPosition.LEADER: "fuzong", GroupPosition.PROJECT_GM: "xiangmuzong",
                 GroupPosition.MARKETING_DIRECTOR: "yingxiaozj", GroupPosition.FINANCE_DIRECTOR: "caiwuzj",
                 GroupPosition.DESIGN_DIRECTOR: "sheji", GroupPosition.BIG_CLIENT_DIRECTOR: "dakehu",
                 GroupPosition.PROPERTY_GM: "wuye", GroupPosition.LAWYER: "shenji"}
    members = [hs.negotiation_member_set(actor=clerk, project=project, position=p, user=users[u])
               for p, u in positions.items()]
    memo = hs.memo_write(actor=clerk, project=project, held_on=today - timedelta(days=40),
                         subject="三家意向单位首轮谈判",
                         content="省立医院接受9800元/㎡、付款比例70%，并提供停车场经营权互换；一中接受9600元/㎡、80%；"
                                 "税务局接受9500元/㎡、60%。", commissioning_unit=candidates[0])
    for member in members:
        hs.memo_sign(actor=member.user, memo=memo)
    cu = candidates[0]
    report = "按六的选择原则：省立医院能接受价格最高，且能提供资源互换，建议合作。"
    _decide_all(hs.commissioner_choose(actor=clerk, commissioning_unit=cu, report=report), users)
    cu.refresh_from_db()
    hs.contract_record(actor=clerk, commissioning_unit=cu, contract_no=f"WJ-{today.year}-001",
                       signed_on=today - timedelta(days=30), selection_deadline=today + timedelta(days=20),
                       payment_deadline=today + timedelta(days=50), sealing_fee=Decimal("20000"),
                       full_payment_discount_percent=Decimal("2"), rename_relations="直系亲属（户口簿或出生证明）")
    cu.refresh_from_db()
    units = list(Unit.objects.filter(project=project).order_by("building__code", "floor", "number"))
    lines = [hs.PriceLineInput(u, Decimal("9600") + Decimal(60) * u.floor + (Decimal(100) if u.layout == "三室两厅"
                                                                              else 0)) for u in units[:16]]
    pa = hs.price_submit(actor=clerk, commissioning_unit=cu, average_price=Decimal("9800"),
                         payment_ratio_percent=Decimal("70"), unit_cost=Decimal("6400"),
                         retail_reference_price=Decimal("11800"), analysis="周边团购价 9,500–10,200 元/㎡；"
                         "按层差60元、户型差100元制定房号价格。", lines=lines,
                         exchange_assessed_value=Decimal("800000"), exchange_concession=Decimal("500000"),
                         exchange_future=True)
    _decide_all(pa.approval, users)
    hs.financing_target_issue(actor=users["caiwuzj"], project=project, year=today.year, amount=Decimal("60000000"),
                              issued_on=date(today.year, 1, 5), note="年度委建房融资指标")
    release = hs.release_submit(actor=clerk, commissioning_unit=cu, units=units[:12], today=today,
                                reason="1#楼1–6层，高低楼层搭配，兼顾后期零售")
    _decide_all(release.approval, users)
    buyers = hs.buyers_add(actor=clerk, commissioning_unit=cu, rows=[
        hs.BuyerInput(name, make_id_number("370102", date(1980 + n, n, 10 + n), n), n, "在职职工证明（人事处盖章）")
        for name, n in BUYERS])
    for buyer in buyers[:5]:
        hs.buyer_check(actor=users["shenji"], buyer=buyer, department="audit", passed=True)
        hs.buyer_check(actor=users["caiwu"], buyer=buyer, department="finance", passed=True)
    first = hs.ticket_issue(actor=clerk, data=_ticket(project, cu, users, "101", buyers[0]), today=today)
    hs.receipt_issue(actor=users["caiwu"], ticket=first, kind=ReceiptKind.SEALING_FEE, amount=first.sealing_fee,
                     received_on=today)
    hs.receipt_issue(actor=users["caiwu"], ticket=first, kind=ReceiptKind.HOUSE_PAYMENT,
                     amount=first.amount_due - first.sealing_fee, received_on=today)
    hs.voucher_issue(actor=clerk, ticket=first, reviewer=users["caiwu"])
    second = hs.ticket_issue(actor=users["dakehu2"], data=_ticket(project, cu, users, "201", buyers[1]), today=today)
    hs.receipt_issue(actor=users["caiwu"], ticket=second, kind=ReceiptKind.SEALING_FEE, amount=second.sealing_fee,
                     received_on=today)
    hs.ticket_reverse(actor=clerk, ticket=second, data=_ticket(project, cu, users, "402", buyers[1]),
                      reason="客户在合同房源范围内调换为4层两室")
    hs.ticket_issue(actor=clerk, data=_ticket(project, cu, users, "302", buyers[2], full=True), today=today)
    hs.retail_unit_sell(actor=users["lingshou"], unit=Unit.objects.get(project=project, building__code="2",
                                                                        number="801"), buyer_name="散户 孙先生")
    note = ""
    relation_unit = Unit.objects.get(project=project, building__code="2", number="701")
    try:
        hs.relation_request_create(
            actor=clerk, project=project, department="工程部", buyer_name="吴刚",
            buyer_id_number=make_id_number("370105", date(1978, 5, 20), 31), average_price=Decimal("10100"),
            payment_ratio_percent=Decimal("70"), payment_due=today + timedelta(days=15),
            lines=[hs.PriceLineInput(relation_unit, Decimal("10100"))], mode="phone",
            phone_approver=users["zongjingli"], phone_approved_on=today, today=today)
    except ServiceError as exc:  # the calendar may lack next year's holidays: the rest of the demo stands
        note = f"（关系房未载入：{exc.message}）"
    return (f"委建房：项目“泉城华苑”32套房源，委建单位“{cu.name}”名单{len(buyers)}人、选房工作票3张（含1次冲红）{note}"
            f" / commissioned housing: 1 project, 3 candidates, 3 tickets, 1 red reversal")
