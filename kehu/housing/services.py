"""Writes of the commissioned-housing module (003 大客户委托建房管理制度). Each service is one transaction with its
permission, validation and history inside; the figures (付款比例 ≥ 50 %, ≥ 3 candidates, fees) and chains come from
the `commissioned-housing` pack, each with its article.

Locks: a unit's row is locked (select_for_update) before its status is read and changed, then the project's number
sequence; every service that changes a unit takes them in that order, so two clerks never deadlock and never sell a
unit twice (the partial unique index on live tickets is the last line of defence)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.core.permissions import require_perm
from kehu.housing.models import (
    PAYMENT_KINDS,
    SEQUENCE_PREFIX,
    ApprovalMode,
    Building,
    BuyerStatus,
    CommissionerStatus,
    CommissioningUnit,
    EligibleBuyer,
    FinancingTarget,
    FormKind,
    GroupPosition,
    LoanConversion,
    MemoSignature,
    NegotiationMember,
    NegotiationMemo,
    NumberSequence,
    PriceApproval,
    PriceLine,
    PricePolicy,
    Project,
    Receipt,
    ReceiptKind,
    RelationLine,
    RelationRequest,
    ReleaseRequest,
    RenameRecord,
    RequestStatus,
    SelectionTicket,
    SequenceKind,
    TicketStatus,
    Unit,
    UnitStatus,
    Voucher,
    VoucherStatus,
)
from kehu.housing.validators import normalize_id_number, validate_id_number
from kehu.org.models import User

PACK = "commissioned-housing"
CENT = Decimal("0.01")


class UnitTakenError(ServiceError):
    """The unit is no longer free for this sale (taken, released elsewhere, sold by retail)."""

    status_code = 409
    code = "unit_taken"


# ----- pack figures -------------------------------------------------------------------------------------------------


def pack():
    from kehu.policy.selectors import pack_get

    return pack_get(PACK)


def figure(code: str) -> Decimal:
    """A figure of the pack (the administrator's value for an admin-set one); a missing value is a clear refusal."""
    from kehu.policy.engine import AdminValueMissing
    from kehu.policy.engine.sections import figure_value
    from kehu.policy.selectors import admin_values_for

    p = pack()
    try:
        return figure_value(p, code, admin_values_for(PACK))
    except AdminValueMissing:
        f = p.figures[code]
        raise ServiceError(
            f"“{f.name}”须由系统管理员在政策包 {PACK} 中设定（{f.citation.article}：{f.citation.quote or ''}），"
            f"设定前不能办理。", code="admin_value_missing") from None


def figure_article(code: str) -> str:
    return pack().figures[code].citation.article


def _money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _history(obj, actor):
    obj._history_user = actor
    return obj


def _save(obj, actor, **kwargs):
    _history(obj, actor).save(**kwargs)
    return obj


def _number(project: Project, kind: str) -> tuple[int, str]:
    """The next pre-printed number; the sequence row stays locked until the transaction ends (gap-free)."""
    seq = NumberSequence.objects.select_for_update().get(project=project, kind=kind)
    value = seq.next_value
    seq.next_value = value + 1
    seq.save(update_fields=["next_value"])
    return value, f"{project.code}-{SEQUENCE_PREFIX[kind]}-{value:06d}"


def _lock_unit(unit: Unit | int) -> Unit:
    pk = unit.pk if isinstance(unit, Unit) else unit
    try:
        return Unit.objects.select_for_update(of=("self",)).select_related("building", "project").get(pk=pk)
    except Unit.DoesNotExist:
        raise ValidationError({"unit": "房源不存在。"}) from None


def _unit_holder(unit: Unit) -> str:
    if unit.status == UnitStatus.TAKEN:
        ticket = unit.tickets.filter(kind=FormKind.NORMAL).exclude(status=TicketStatus.REVERSED).first()
        return f"已被选定（选房工作票 {ticket.number}）" if ticket else "已被选定"
    if unit.status == UnitStatus.RETAIL_SOLD:
        return "已由营销中心零售售出"
    if unit.status == UnitStatus.PENDING_RELEASE:
        return "正在房源审批中"
    if unit.status == UnitStatus.RELEASED:
        return f"已发放给委建单位“{unit.commissioning_unit}”"
    if unit.status == UnitStatus.RELATION:
        return "已批作关系房"
    return "可售"


# ----- projects, buildings, units, the control table (二、(3)) ----------------------------------------------------


@transaction.atomic
def project_create(*, actor: User, code: str, name: str, address: str = "", stage: str = "land") -> Project:
    require_perm(actor, "housing.manage_project", "您没有维护楼盘项目的权限。")
    code = (code or "").strip().upper()
    if not code or not code.replace("-", "").isalnum():
        raise ValidationError({"code": "项目编码只能由字母、数字和短横线组成。"})
    if Project.objects.filter(code=code).exists():
        raise ValidationError({"code": f"项目编码 {code} 已存在。"})
    project = _save(Project(code=code, name=name.strip(), address=address.strip(), stage=stage, created_by=actor),
                    actor)
    NumberSequence.objects.bulk_create([NumberSequence(project=project, kind=k) for k in SequenceKind.values])
    return project


@dataclass(frozen=True)
class UnitInput:
    number: str
    floor: int
    layout: str
    area: Decimal


@transaction.atomic
def building_create(*, actor: User, project: Project, code: str, floors: int, units: Sequence[UnitInput] = ()
                    ) -> Building:
    """A building and its units in one go (the units are written in bulk with their history)."""
    require_perm(actor, "housing.manage_project", "您没有维护楼盘项目的权限。")
    code = (code or "").strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors.setdefault("code", []).append("请填写楼号。")
    elif Building.objects.filter(project=project, code=code).exists():
        errors.setdefault("code", []).append(f"楼号 {code} 已存在。")
    if not floors or floors < 1:
        errors.setdefault("floors", []).append("层数至少为1。")
    seen: set[str] = set()
    for i, u in enumerate(units, start=1):
        if not u.number.strip():
            errors.setdefault("units", []).append(f"第{i}套：请填写房号。")
        elif u.number in seen:
            errors.setdefault("units", []).append(f"第{i}套：房号 {u.number} 重复。")
        seen.add(u.number)
        if not 1 <= u.floor <= (floors or 0):
            errors.setdefault("units", []).append(f"第{i}套（{u.number}）：楼层 {u.floor} 不在 1–{floors} 之间。")
        if u.area is None or u.area <= 0:
            errors.setdefault("units", []).append(f"第{i}套（{u.number}）：面积须大于0。")
    if errors:
        raise ValidationError(errors)
    building = Building.objects.create(project=project, code=code, floors=floors)
    bulk_create_with_history(
        [Unit(project=project, building=building, number=u.number.strip(), floor=u.floor, layout=u.layout.strip(),
              area=u.area) for u in units], Unit, default_user=actor, default_change_reason="新建楼栋房源")
    return building


@transaction.atomic
def retail_unit_sell(*, actor: User, unit: Unit, buyer_name: str) -> Unit:
    """The retail sales centre sells a unit on the same control table: only a unit no channel holds."""
    require_perm(actor, "housing.sell_retail", "您没有零售销售的权限。")
    if not (buyer_name or "").strip():
        raise ValidationError({"buyer_name": "请填写购房人。"})
    unit = _lock_unit(unit)
    if unit.status != UnitStatus.AVAILABLE:
        raise UnitTakenError(f"房源 {unit.label} {_unit_holder(unit)}，营销中心不能再售（二、(3) 同一张楼盘控制表）。",
                             field="unit")
    unit.status = UnitStatus.RETAIL_SOLD
    unit.retail_buyer = buyer_name.strip()[:60]
    unit.retail_sold_at = timezone.now()
    return _save(unit, actor)


@transaction.atomic
def financing_target_issue(*, actor: User, project: Project, year: int, amount: Decimal, issued_on: date,
                           quarter: int | None = None, note: str = "") -> FinancingTarget:
    """五: finance issues the yearly target in December and the quarterly one in each quarter's first month."""
    require_perm(actor, "housing.issue_financing_target", "只有财务部可以下达融资指标（五）。")
    errors = {}
    if amount is None or amount <= 0:
        errors["amount"] = "融资指标须大于0。"
    if quarter is not None and not 1 <= quarter <= 4:
        errors["quarter"] = "季度为1–4。"
    if FinancingTarget.objects.filter(project=project, year=year, quarter=quarter).exists():
        errors["year"] = "该期间的融资指标已下达。"
    if errors:
        raise ValidationError(errors)
    return _save(FinancingTarget(project=project, year=year, quarter=quarter, amount=amount, issued_by=actor,
                                 issued_on=issued_on, note=note[:200]), actor)


# ----- commissioning units: candidates, the group and its memos, the choice (四、六) -------------------------------


@transaction.atomic
def commissioner_register(*, actor: User, project: Project, name: str, accepted_price: Decimal,
                          payment_ratio_percent: Decimal, owner_occupier_percent: Decimal,
                          resource_exchange: bool = False, customer=None, **analysis) -> CommissioningUnit:
    """An intended commissioning unit with the analysis of 六 1–6 and the figures its selection principles rank."""
    require_perm(actor, "housing.manage_commissioning", "只有大客户部可以登记委建意向单位。")
    allowed = {"first_contact", "acceptance", "past_projects", "our_pros_cons", "income_and_housing",
               "price_range_low", "price_range_high", "resource_exchange_note"}
    unknown = set(analysis) - allowed
    if unknown:
        raise TypeError(f"unknown fields {unknown}")
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写单位名称。"
    elif CommissioningUnit.objects.filter(project=project, name=name).exists():
        errors["name"] = "该单位已登记。"
    if accepted_price is None or accepted_price <= 0:
        errors["accepted_price"] = "能接受的价格须大于0。"
    for key, value in (("payment_ratio_percent", payment_ratio_percent),
                       ("owner_occupier_percent", owner_occupier_percent)):
        if value is None or not 0 <= value <= 100:
            errors[key] = "百分比须在0–100之间。"
    low, high = analysis.get("price_range_low"), analysis.get("price_range_high")
    if low is not None and high is not None and low > high:
        errors["price_range_high"] = "价格区间上限不能低于下限。"
    if errors:
        raise ValidationError(errors)
    return _save(CommissioningUnit(project=project, name=name, accepted_price=accepted_price,
                                   payment_ratio_percent=payment_ratio_percent,
                                   owner_occupier_percent=owner_occupier_percent, resource_exchange=resource_exchange,
                                   customer=customer, created_by=actor, **analysis), actor)


def _require_candidates(project: Project) -> int:
    needed = int(figure("min_candidates"))
    count = CommissioningUnit.objects.filter(project=project).count()
    if count < needed:
        raise ServiceError(f"至少须有{needed}家委建意向单位（{figure_article('min_candidates')}），目前只有{count}家。",
                           code="too_few_candidates")
    return count


@transaction.atomic
def negotiation_member_set(*, actor: User, project: Project, position: str, user: User) -> NegotiationMember:
    """四: the group is formed after at least three candidates are screened: a leader and seven members."""
    require_perm(actor, "housing.manage_commissioning", "只有大客户部可以组织谈判小组。")
    if position not in GroupPosition.values:
        raise ValidationError({"position": "未知的谈判小组职务。"})
    _require_candidates(project)
    member = NegotiationMember.objects.filter(project=project, position=position).first()
    if member is None:
        member = NegotiationMember(project=project, position=position)
    member.user = user
    member.save()
    return member


def group_complete(project: Project) -> bool:
    positions = set(NegotiationMember.objects.filter(project=project).values_list("position", flat=True))
    return positions == set(GroupPosition.values)


@transaction.atomic
def memo_write(*, actor: User, project: Project, held_on: date, subject: str, content: str,
               commissioning_unit: CommissioningUnit | None = None) -> NegotiationMemo:
    require_perm(actor, "housing.manage_commissioning", "谈判备忘录由大客户部撰写（四）。")
    if not group_complete(project):
        raise ServiceError("谈判小组尚未组成（组长一名、组员7名，四），不能登记谈判备忘录。", code="group_incomplete")
    errors = {}
    if not (subject or "").strip():
        errors["subject"] = "请填写议题。"
    if not (content or "").strip():
        errors["content"] = "请填写备忘录内容。"
    if commissioning_unit is not None and commissioning_unit.project_id != project.pk:
        errors["commissioning_unit"] = "该委建单位不属于此项目。"
    if errors:
        raise ValidationError(errors)
    return NegotiationMemo.objects.create(project=project, commissioning_unit=commissioning_unit, held_on=held_on,
                                          subject=subject.strip()[:200], content=content.strip(), written_by=actor)


@transaction.atomic
def memo_sign(*, actor: User, memo: NegotiationMemo) -> MemoSignature:
    """Each member signs for themself (四: 交谈判小组成员签字认可)."""
    members = list(NegotiationMember.objects.filter(project_id=memo.project_id, user=actor))
    if not members:
        raise ForbiddenError("只有谈判小组成员可以签字认可备忘录。")
    signed = None
    for member in members:
        signed, _ = MemoSignature.objects.get_or_create(memo=memo, member=member,
                                                        defaults={"signed_at": timezone.now()})
    return signed


def memo_fully_signed(memo: NegotiationMemo) -> bool:
    return memo.signatures.count() >= len(GroupPosition.values)


def _on_commissioner_event(approval, event: str, actor) -> None:
    cu = CommissioningUnit.objects.select_for_update().get(pk=approval.object_id)
    if event == "approved":
        cu.status = CommissionerStatus.SELECTED
    elif event in ("rejected", "returned", "withdrawn"):
        cu.status = CommissionerStatus.CANDIDATE
    elif event == "submitted":
        cu.status = CommissionerStatus.PROPOSED
    _save(cu, actor)


@transaction.atomic
def commissioner_choose(*, actor: User, commissioning_unit: CommissioningUnit, report: str):
    """六: from at least three candidates, with the negotiation memos signed, the report goes to 总经理 and 董事长."""
    from kehu.workflow.services import approval_submit

    require_perm(actor, "housing.manage_commissioning", "只有大客户部可以报批合作的委建房单位。")
    cu = CommissioningUnit.objects.select_for_update().get(pk=commissioning_unit.pk)
    if cu.status != CommissionerStatus.CANDIDATE:
        raise ServiceError(f"该单位当前为“{cu.get_status_display()}”，不能再报批。", code="state")
    if not (report or "").strip():
        raise ValidationError({"report": "请填写谈判结果报告（六）。"})
    _require_candidates(cu.project)
    memos = list(NegotiationMemo.objects.filter(project=cu.project))
    if not any(memo_fully_signed(m) for m in memos):
        raise ServiceError("谈判结果报告须依据谈判备忘录，且备忘录须经谈判小组全体成员签字（四、六）。",
                           code="memo_unsigned")
    cu.selection_report = report.strip()
    _save(cu, actor)
    return approval_submit(actor=actor, subject=cu, kind="housing_commissioner", customer=cu.customer,
                           title=f"委建房单位选定：{cu.project.name} · {cu.name}", pack_name=PACK)


@transaction.atomic
def contract_record(*, actor: User, commissioning_unit: CommissioningUnit, contract_no: str, signed_on: date,
                    selection_deadline: date, payment_deadline: date, sealing_fee: Decimal = Decimal(0),
                    full_payment_discount_percent: Decimal = Decimal(0), rename_relations: str = ""
                    ) -> CommissioningUnit:
    """九、(一)7, 十一: the signed contract's terms the selection obeys (deadlines, sealing fee, renames)."""
    require_perm(actor, "housing.manage_commissioning", "只有大客户部可以登记委建房合同。")
    cu = CommissioningUnit.objects.select_for_update().get(pk=commissioning_unit.pk)
    errors = {}
    if cu.status != CommissionerStatus.SELECTED:
        errors["contract_no"] = "委建单位经总经理、董事长审批选定后才能签订合同（六）。"
    if not (contract_no or "").strip():
        errors["contract_no"] = "请填写合同编号。"
    if selection_deadline and signed_on and selection_deadline < signed_on:
        errors["selection_deadline"] = "选房截止日期不能早于合同签订日期。"
    if payment_deadline and selection_deadline and payment_deadline < selection_deadline:
        errors["payment_deadline"] = "回款截止日期不能早于选房截止日期。"
    if sealing_fee is None or sealing_fee < 0:
        errors["sealing_fee"] = "封户费不能为负数。"
    if full_payment_discount_percent is None or not 0 <= full_payment_discount_percent < 100:
        errors["full_payment_discount_percent"] = "全款优惠须在0–100%之间。"
    if errors:
        raise ValidationError(errors)
    cu.contract_no, cu.contract_signed_on = contract_no.strip(), signed_on
    cu.selection_deadline, cu.payment_deadline = selection_deadline, payment_deadline
    cu.sealing_fee, cu.full_payment_discount_percent = sealing_fee, full_payment_discount_percent
    cu.rename_relations = (rename_relations or "").strip()
    return _save(cu, actor)


# ----- price approval (七) --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceLineInput:
    unit: Unit
    unit_price: Decimal


def _on_price_event(approval, event: str, actor) -> None:
    pa = PriceApproval.objects.select_for_update().get(pk=approval.object_id)
    pa.status = {"approved": RequestStatus.APPROVED, "submitted": RequestStatus.PENDING}.get(
        event, RequestStatus.REJECTED)
    pa.approved_at = timezone.now() if event == "approved" else None
    _save(pa, actor)


@transaction.atomic
def price_submit(*, actor: User, commissioning_unit: CommissioningUnit, average_price: Decimal,
                 payment_ratio_percent: Decimal, unit_cost: Decimal, retail_reference_price: Decimal, analysis: str,
                 lines: Sequence[PriceLineInput], cost_uncertainties: str = "",
                 exchange_assessed_value: Decimal = Decimal(0), exchange_concession: Decimal = Decimal(0),
                 exchange_future: bool = False) -> PriceApproval:
    """七、(三): the average price and every unit's price, approved once per commissioning unit along
    营销总监 → 财务总监 → 项目总 → 总经理 → 董事长. A rejected or returned price is corrected and resubmitted."""
    from kehu.workflow.services import approval_resubmit, approval_submit

    require_perm(actor, "housing.manage_commissioning", "委建房价格由大客户部报批（七、(三)3）。")
    cu = (CommissioningUnit.objects.select_for_update(of=("self",)).select_related("project")
          .get(pk=commissioning_unit.pk))
    minimum = figure("min_payment_ratio_percent")
    errors: dict[str, list[str]] = {}

    def err(key, msg):
        errors.setdefault(key, []).append(msg)

    if cu.status != CommissionerStatus.SELECTED:
        err("commissioning_unit", "委建单位经选定审批后才能报批价格（六、七）。")
    existing = PriceApproval.objects.filter(commissioning_unit=cu).first()
    if existing is not None and existing.status in (RequestStatus.APPROVED, RequestStatus.PENDING):
        err("commissioning_unit", f"一个委建房单位只审批一次价格（{pack_article('one_price_approval')}），"
                                  f"该单位的价格已{existing.get_status_display()}。")
    if average_price is None or average_price <= 0:
        err("average_price", "均价须大于0。")
    if payment_ratio_percent is None or payment_ratio_percent < minimum or payment_ratio_percent > 100:
        err("payment_ratio_percent",
            f"付款比例不应低于{minimum.normalize():f}%（{figure_article('min_payment_ratio_percent')}：因是融资需要）"
            f"，也不能超过100%。")
    for key, value in (("unit_cost", unit_cost), ("retail_reference_price", retail_reference_price)):
        if value is None or value <= 0:
            err(key, "须大于0。")
    if not (analysis or "").strip():
        err("analysis", "请附委托建房价格分析报告（七、(三)3）。")
    cap = figure("future_exchange_concession_max_percent")
    if exchange_concession and exchange_concession < 0:
        err("exchange_concession", "让利金额不能为负数。")
    if exchange_future and exchange_concession > _money(exchange_assessed_value * cap / 100):
        err("exchange_concession", f"未来受益的资源，让利不超过评估值的{cap.normalize():f}%"
                                   f"（{figure_article('future_exchange_concession_max_percent')}）。")
    if not lines:
        err("lines", "请列出具体房号的价格（七、(三)4）。")
    seen: set[int] = set()
    for line in lines:
        if line.unit.project_id != cu.project_id:
            err("lines", f"{line.unit.label} 不属于项目 {cu.project.name}。")
        if line.unit.pk in seen:
            err("lines", f"{line.unit.label} 重复。")
        seen.add(line.unit.pk)
        if line.unit.status == UnitStatus.RETAIL_SOLD:
            err("lines", f"{line.unit.label} 已由营销中心售出。")
        if line.unit_price is None or line.unit_price <= 0:
            err("lines", f"{line.unit.label} 的单价须大于0。")
    if errors:
        raise ValidationError(errors)
    fields = dict(average_price=average_price, payment_ratio_percent=payment_ratio_percent, unit_cost=unit_cost,
                  retail_reference_price=retail_reference_price, analysis=analysis.strip(),
                  cost_uncertainties=cost_uncertainties.strip(), exchange_assessed_value=exchange_assessed_value,
                  exchange_concession=exchange_concession, exchange_future=exchange_future)
    if existing is None:
        pa = _save(PriceApproval(commissioning_unit=cu, created_by=actor, **fields), actor)
    else:
        pa = existing
        for key, value in fields.items():
            setattr(pa, key, value)
        _save(pa, actor)
        pa.lines.all().delete()
    PriceLine.objects.bulk_create([PriceLine(price_approval=pa, unit=line.unit, unit_price=line.unit_price)
                                   for line in lines])
    title = f"委建房价格审批：{cu.project.name} · {cu.name}（均价 {average_price:,.2f} 元/㎡）"
    if pa.approval_id is None:
        pa.approval = approval_submit(actor=actor, subject=pa, kind="housing_price", customer=cu.customer,
                                      title=title, pack_name=PACK)
        pa.save(update_fields=["approval"])
    else:
        approval_resubmit(actor=actor, approval=pa.approval, comment="修改价格后重新报批")
    pa.refresh_from_db()
    return pa


def pack_article(provision: str) -> str:
    return next((p.citation.article for p in pack().provisions if p.code == provision), "")


# ----- release of units (八) ----------------------------------------------------------------------------------------


def _current_target(project: Project, today: date) -> FinancingTarget | None:
    return (FinancingTarget.objects.filter(project=project, year=today.year, issued_on__lte=today)
            .order_by("-quarter").first())


def _on_release_event(approval, event: str, actor) -> None:
    from kehu.workflow.services.notifications import notify

    release = ReleaseRequest.objects.select_for_update(of=("self",)).select_related("commissioning_unit").get(
        pk=approval.object_id)
    units = list(Unit.objects.select_for_update().filter(release_requests=release).order_by("pk"))
    if event == "submitted":
        release.status = RequestStatus.PENDING
        for unit in units:
            if unit.status != UnitStatus.AVAILABLE:
                raise UnitTakenError(f"房源 {unit.label} {_unit_holder(unit)}，不能报批。", field="units")
            unit.status = UnitStatus.PENDING_RELEASE
    elif event == "approved":
        release.status = RequestStatus.APPROVED
        for unit in units:
            unit.status = UnitStatus.RELEASED
            unit.commissioning_unit = release.commissioning_unit
        # 八、3: 报销售部备案 — the retail sales centre is told which units left its stock.
        labels = "、".join(u.label for u in units)
        notify(User.objects.filter(roles__code="retail_sales", is_active=True).distinct(), kind="housing_release",
               title=f"委建房源已批准发放（备案）：{release.commissioning_unit}",
               body=f"以下房源已发放给委建单位，营销中心不再销售：{labels}",
               url=reverse("housing:control_table", args=[release.commissioning_unit.project_id]))
    else:
        release.status = RequestStatus.REJECTED
        for unit in units:
            if unit.status == UnitStatus.PENDING_RELEASE:
                unit.status = UnitStatus.AVAILABLE
    release.decided_at = timezone.now() if event != "submitted" else None
    _save(release, actor)
    bulk_update_with_history(units, Unit, ["status", "commissioning_unit"], default_user=actor,
                             default_change_reason=f"房源审批：{event}")


@transaction.atomic
def release_submit(*, actor: User, commissioning_unit: CommissioningUnit, units: Sequence[Unit], reason: str,
                   today: date | None = None) -> ReleaseRequest:
    """八: units for a commissioning unit — only after finance issued the financing target (八、1); the units are
    held off the retail market while 营销总监 → 财务总监 → 项目总 → 总经理 approve (八、3)."""
    from kehu.workflow.services import approval_submit

    require_perm(actor, "housing.manage_commissioning", "房源审批由大客户部申请（八）。")
    today = today or timezone.localdate()
    cu = CommissioningUnit.objects.select_related("project").get(pk=commissioning_unit.pk)
    errors = {}
    if cu.status != CommissionerStatus.SELECTED:
        errors["commissioning_unit"] = "委建单位经选定审批后才能发放房源。"
    if _current_target(cu.project, today) is None:
        errors["commissioning_unit"] = (f"财务部尚未下达{today.year}年度的融资指标，不能向委建单位发放房源"
                                        f"（{pack_article('release_after_financing_target')}）。")
    if not units:
        errors["units"] = "请选择房源。"
    if not (reason or "").strip():
        errors["reason"] = "请说明房源的楼号、楼层搭配（八、2）。"
    if any(u.project_id != cu.project_id for u in units):
        errors["units"] = "房源须属于本项目。"
    if errors:
        raise ValidationError(errors)
    release = _save(ReleaseRequest(commissioning_unit=cu, reason=reason.strip(), created_by=actor), actor)
    release.units.set(sorted(units, key=lambda u: u.pk))
    release.approval = approval_submit(actor=actor, subject=release, kind="housing_release", customer=cu.customer,
                                       title=f"委建房源审批：{cu.name}（{len(units)}套）", pack_name=PACK)
    release.save(update_fields=["approval"])
    return release


# ----- eligible buyers (十一、1; 九、(二)1) -------------------------------------------------------------------------


@dataclass(frozen=True)
class BuyerInput:
    name: str
    id_number: str
    selection_order: int | None = None
    employee_proof: str = ""


@transaction.atomic
def buyers_add(*, actor: User, commissioning_unit: CommissioningUnit, rows: Sequence[BuyerInput]
               ) -> list[EligibleBuyer]:
    """The list the commissioning unit provides (姓名、身份证号): applied whole, or every bad row is reported."""
    require_perm(actor, "housing.manage_commissioning", "名单由大客户部录入。")
    problems: list[str] = []
    seen: dict[str, int] = {}
    existing = set(EligibleBuyer.objects.filter(commissioning_unit=commissioning_unit)
                   .values_list("id_number", flat=True))
    cleaned = []
    for i, row in enumerate(rows, start=1):
        number = normalize_id_number(row.id_number)
        name = (row.name or "").strip()
        if not name:
            problems.append(f"第{i}行：缺少姓名。")
        try:
            validate_id_number(number)
        except ValidationError as exc:
            problems.append(f"第{i}行（{name or '—'}）：{exc.messages[0]}")
            continue
        if number in seen:
            problems.append(f"第{i}行（{name}）：身份证号与第{seen[number]}行重复。")
        elif number in existing:
            problems.append(f"第{i}行（{name}）：该身份证号已在名单中。")
        seen.setdefault(number, i)
        cleaned.append(EligibleBuyer(commissioning_unit=commissioning_unit, name=name[:60], id_number=number,
                                     selection_order=row.selection_order, employee_proof=row.employee_proof[:200],
                                     created_by=actor))
    if not rows:
        problems.append("名单为空。")
    if problems:
        raise ValidationError({"rows": problems})
    return bulk_create_with_history(cleaned, EligibleBuyer, default_user=actor, default_change_reason="录入名单")


@transaction.atomic
def buyer_check(*, actor: User, buyer: EligibleBuyer, department: str, passed: bool, reason: str = ""
                ) -> EligibleBuyer:
    """九、(二)1: 审计法务部 and 财务部 each check the list; a person is eligible once both passed."""
    perms = {"audit": "housing.check_buyer_audit", "finance": "housing.check_buyer_finance"}
    if department not in perms:
        raise ValidationError({"department": "审查部门为审计法务部（audit）或财务部（finance）。"})
    require_perm(actor, perms[department],
                 "只有审计法务部可以审查名单。" if department == "audit" else "只有财务部可以审查名单。")
    buyer = EligibleBuyer.objects.select_for_update().get(pk=buyer.pk)
    if buyer.status == BuyerStatus.REJECTED:
        raise ServiceError("该人员已审查未通过。", code="state")
    if not passed and not (reason or "").strip():
        raise ValidationError({"reason": "审查未通过时请写明原因（如疑似炒房人）。"})
    now = timezone.now()
    if department == "audit":
        buyer.audit_checked_by, buyer.audit_checked_at = actor, now
    else:
        buyer.finance_checked_by, buyer.finance_checked_at = actor, now
    if not passed:
        buyer.status, buyer.rejected_reason = BuyerStatus.REJECTED, reason.strip()[:200]
    elif buyer.audit_checked_at and buyer.finance_checked_at:
        buyer.status = BuyerStatus.ELIGIBLE
    return _save(buyer, actor)


# ----- tickets (九、(二)2(1)) ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketInput:
    unit: Unit
    buyer_name: str
    buyer_id_number: str
    unit_price: Decimal
    area: Decimal
    total_price: Decimal
    payment_ratio_percent: Decimal
    reviewer: User | None
    customer_signed: bool
    full_payment: bool = False
    sealing_fee: Decimal = Decimal(0)
    discount_note: str = ""
    commissioning_unit: CommissioningUnit | None = None
    relation_request: RelationRequest | None = None


def amount_due(total: Decimal, ratio_percent: Decimal, full_payment: bool, discount_percent: Decimal) -> Decimal:
    """房款应收: the share of the total the buyer pays now; a full payment earns the contract's discount."""
    if full_payment:
        return _money(total * (100 - discount_percent) / 100)
    return _money(total * ratio_percent / 100)


def _approved_price(unit: Unit, data: TicketInput) -> tuple[Decimal, Decimal]:
    """The approved unit price and the payment ratio the ticket must respect."""
    if data.relation_request is not None:
        line = RelationLine.objects.filter(request=data.relation_request, unit=unit).first()
        if line is None:
            raise ValidationError({"unit": f"房源 {unit.label} 不在该关系房审批文件中。"})
        return line.unit_price, data.relation_request.payment_ratio_percent
    line = (PriceLine.objects.filter(unit=unit, price_approval__commissioning_unit=data.commissioning_unit,
                                     price_approval__status=RequestStatus.APPROVED)
            .select_related("price_approval").first())
    if line is None:
        raise ValidationError({"unit_price": f"房源 {unit.label} 没有经批准的价格（七、(三)），不能开票。"})
    return line.unit_price, line.price_approval.payment_ratio_percent


def _check_ticket(actor: User, unit: Unit, data: TicketInput, *, replacing: SelectionTicket | None = None
                  ) -> dict:
    """The checks of 九、(二)2(1) ①–⑥; returns the values to store. Field errors are collected together."""
    errors: dict[str, list[str]] = {}

    def err(key, msg):
        errors.setdefault(key, []).append(msg)

    cu, relation = data.commissioning_unit, data.relation_request
    if (cu is None) == (relation is None):
        raise ValidationError({"commissioning_unit": "请指明委建单位或关系房申请（二者之一）。"})
    # The unit: released to this commissioning unit (or approved for this relation request), not taken.
    if unit.status == UnitStatus.TAKEN and not (replacing and replacing.unit_id == unit.pk):
        raise UnitTakenError(f"房源 {unit.label} {_unit_holder(unit)}，不能重复开票（避免一房多卖）。", field="unit")
    if cu is not None and not (unit.status in (UnitStatus.RELEASED, UnitStatus.TAKEN)
                               and unit.commissioning_unit_id == cu.pk):
        raise UnitTakenError(f"房源 {unit.label} {_unit_holder(unit)}，不在发放给“{cu.name}”的房源内（八）。",
                             field="unit")
    if relation is not None:
        if relation.status != RequestStatus.APPROVED:
            raise ServiceError("该关系房申请尚未批准（十二、(一)）。", code="state", field="relation_request")
        if not (unit.status in (UnitStatus.RELATION, UnitStatus.TAKEN) and unit.relation_request_id == relation.pk):
            raise UnitTakenError(f"房源 {unit.label} {_unit_holder(unit)}，不是该关系房申请批准的房源。", field="unit")
    # ① identity: the buyer is on the checked list, name and ID number both match.
    number = normalize_id_number(data.buyer_id_number)
    try:
        validate_id_number(number)
    except ValidationError as exc:
        err("buyer_id_number", exc.messages[0])
    buyer = None
    if cu is not None and "buyer_id_number" not in errors:
        buyer = EligibleBuyer.objects.filter(commissioning_unit=cu, id_number=number).first()
        if buyer is None:
            err("buyer_id_number", f"该身份证号不在“{cu.name}”的购房名单中（九、(二)2(1)①），不能开具选房工作票。")
        elif buyer.name != data.buyer_name.strip():
            err("buyer_name", f"姓名与名单不符：名单中该身份证号为“{buyer.name}”（九、(二)2(1)①）。")
        elif buyer.status != BuyerStatus.ELIGIBLE:
            err("buyer_id_number", f"“{buyer.name}”尚未通过审计法务部、财务部的资格审查（九、(二)1）。")
    if relation is not None and "buyer_id_number" not in errors and (
            number != relation.buyer_id_number or data.buyer_name.strip() != relation.buyer_name):
        err("buyer_id_number", "购房人与关系房审批文件中的姓名、身份证号不符。")
    # ② price and area as approved, total correct.
    try:
        approved_price, approved_ratio = _approved_price(unit, data)
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            for m in msgs:
                err(key, m)
        approved_price, approved_ratio = None, None
    if approved_price is not None and data.unit_price != approved_price:
        err("unit_price", f"单价与公司审批的价格不一致：审批单价为 {approved_price:,.2f} 元/㎡（九、(二)2(1)②）。")
    if data.area != unit.area:
        err("area", f"面积与房源面积不一致：{unit.label} 为 {unit.area} ㎡。")
    total = _money(unit.area * (approved_price or data.unit_price or 0))
    if approved_price is not None and data.total_price != total:
        err("total_price", f"总价应为 单价×面积 = {total:,.2f} 元。")
    # ③ payment ratio confirmed: never under the approved ratio (itself ≥ 50 %, 七、(一)5).
    minimum = figure("min_payment_ratio_percent")
    floor = max(minimum, approved_ratio or minimum)
    ratio = Decimal(100) if data.full_payment else data.payment_ratio_percent
    if ratio is None or ratio < floor or ratio > 100:
        err("payment_ratio_percent",
            f"交款比例不能低于{floor.normalize():f}%（{figure_article('min_payment_ratio_percent')}"
            f"及批准的付款比例），也不能超过100%。")
    # ④ the customer's signature; ⑤ the sealing fee (omitted for a full payment); ⑥ an independent second person.
    if not data.customer_signed:
        err("customer_signed", "须经客户签字确认（九、(二)2(1)④）。")
    expected_fee = Decimal(0) if data.full_payment or cu is None else cu.sealing_fee
    if data.sealing_fee != expected_fee:
        err("sealing_fee", f"封户费应为 {expected_fee:,.2f} 元（合同约定；直接交全款的省略，九、(二)2(1)⑤）。")
    if data.reviewer is None:
        err("reviewer", "须由独立的第三人复核，如财务部人员（九、(二)2(1)⑥）。")
    elif data.reviewer.pk == actor.pk:
        err("reviewer", "复核人不能是开票人本人（九、(二)2(1)⑥：独立的第三人复核）。")
    elif not data.reviewer.has_perm("housing.review_ticket"):
        err("reviewer", f"{data.reviewer} 没有复核选房工作票的权限。")
    if errors:
        raise ValidationError(errors)
    discount = cu.full_payment_discount_percent if cu is not None else Decimal(0)
    return dict(buyer=buyer, buyer_name=data.buyer_name.strip(), buyer_id_number=number, area=unit.area,
                unit_price=approved_price, total_price=total, payment_ratio_percent=ratio,
                full_payment=data.full_payment, discount_note=data.discount_note.strip()[:200],
                sealing_fee=expected_fee, amount_due=amount_due(total, ratio, data.full_payment, discount),
                customer_signed=True, reviewer=data.reviewer, commissioning_unit=cu, relation_request=relation)


def _relation_blocked(handler: User, today: date) -> RelationRequest | None:
    return (RelationRequest.objects.filter(handler=handler, mode=ApprovalMode.PHONE, paperwork_done_on__isnull=True,
                                           paperwork_due__lt=today).first())


def _take(unit: Unit, actor: User, note: str) -> None:
    unit.status = UnitStatus.TAKEN
    _history(unit, actor)
    unit._change_reason = note
    unit.save(update_fields=["status"])


def _create_ticket(actor: User, unit: Unit, values: dict, **extra) -> SelectionTicket:
    seq, number = _number(unit.project, SequenceKind.TICKET)
    ticket = SelectionTicket(project=unit.project, seq=seq, number=number, unit=unit, issued_by=actor,
                             issued_at=timezone.now(), **values, **extra)
    try:
        with transaction.atomic():
            _save(ticket, actor)
    except IntegrityError:
        raise UnitTakenError(f"房源 {unit.label} 已被选定，不能重复开票。", field="unit") from None
    return ticket


@transaction.atomic
def ticket_issue(*, actor: User, data: TicketInput, today: date | None = None) -> SelectionTicket:
    """开选房工作票: the checks of 九、(二)2(1), a gap-free number, and the unit marked taken on the control table in
    the same transaction (九、(二)2(2)). A second clerk on the same unit waits for the lock and is told it is taken."""
    require_perm(actor, "housing.issue_ticket", "选房工作票的录入权限受限（九、(二)2(1)），您没有开票权限。")
    unit = _lock_unit(data.unit)
    if data.relation_request is not None:
        blocked = _relation_blocked(data.relation_request.handler, today or timezone.localdate())
        if blocked is not None:
            raise ServiceError(f"经办人 {blocked.handler} 的关系房电话审批逾期未补齐手续"
                               f"（期限 {blocked.paperwork_due}），不予发放房源（十二、(一)）。",
                               code="paperwork_overdue", field="relation_request")
    values = _check_ticket(actor, unit, data)
    ticket = _create_ticket(actor, unit, values)
    ticket.chain_root = ticket
    ticket.save(update_fields=["chain_root"])
    _take(unit, actor, f"开具选房工作票 {ticket.number}")
    return ticket


def collected_for(ticket: SelectionTicket) -> Decimal:
    """Receipts (封户费 + 房款) collected for this ticket and the tickets it replaced."""
    from django.db.models import Sum

    root = ticket.chain_root_id or ticket.pk
    total = Receipt.objects.filter(ticket__chain_root_id=root, kind__in=PAYMENT_KINDS).aggregate(s=Sum("amount"))["s"]
    return total or Decimal(0)


@transaction.atomic
def ticket_reverse(*, actor: User, ticket: SelectionTicket, data: TicketInput, reason: str) -> SelectionTicket:
    """冲红 (九、(二)2(1)⑦): a change of unit within the contract's units. The original ticket is kept and marked
    reversed, a red ticket with its own number reverses it (and a red voucher the voucher, if one was issued), the
    new blue ticket links the original; the old unit returns to the commissioning unit's stock, the new one is taken.
    Receipts already collected count for the new ticket."""
    require_perm(actor, "housing.issue_ticket", "您没有开票权限。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写冲红原因。"})
    original = SelectionTicket.objects.select_for_update().get(pk=ticket.pk)
    if original.kind != FormKind.NORMAL or original.status == TicketStatus.REVERSED:
        raise ServiceError(f"选房工作票 {original.number} 已冲红，不能再冲红。", code="state")
    if data.commissioning_unit is not None and data.commissioning_unit.pk != original.commissioning_unit_id:
        raise ValidationError({"commissioning_unit": "调换房子只能在同一委建单位的合同房源范围内（九、(二)2(1)⑦）。"})
    if normalize_id_number(data.buyer_id_number) != original.buyer_id_number:
        raise ValidationError({"buyer_id_number": "冲红换房不改变购房人；更换购房人请办理更名（十一、3）。"})
    # Lock both units in id order: the same order every service uses, so no deadlock.
    units = {u.pk: u for u in (_lock_unit(pk) for pk in sorted({original.unit_id, data.unit.pk}))}
    old_unit, new_unit = units[original.unit_id], units[data.unit.pk]
    values = _check_ticket(actor, new_unit, data, replacing=original)
    now = timezone.now()
    red_values = {k: v for k, v in values.items()}
    red_values.update(total_price=-original.total_price, amount_due=-original.amount_due,
                      sealing_fee=-original.sealing_fee, unit_price=original.unit_price, area=original.area,
                      payment_ratio_percent=original.payment_ratio_percent)
    # The red ticket is printed for the original unit.
    red_seq, red_number = _number(original.project, SequenceKind.TICKET)
    red = _save(SelectionTicket(project=original.project, seq=red_seq, number=red_number, kind=FormKind.RED,
                                unit=old_unit, issued_by=actor, issued_at=now, reverses=original,
                                chain_root_id=original.chain_root_id, reason=reason.strip()[:200],
                                status=TicketStatus.REVERSED, **{k: v for k, v in red_values.items()}), actor)
    live_voucher = Voucher.objects.select_for_update().filter(ticket=original, kind=FormKind.NORMAL,
                                                              status=VoucherStatus.ACTIVE).first()
    if live_voucher is not None:
        v_seq, v_number = _number(original.project, SequenceKind.VOUCHER)
        _save(Voucher(project=original.project, seq=v_seq, number=v_number, kind=FormKind.RED, ticket=red,
                      amount_due=-live_voucher.amount_due, amount_collected=-live_voucher.amount_collected,
                      reviewer=data.reviewer, issued_by=actor, issued_at=now, reverses=live_voucher,
                      status=VoucherStatus.REVERSED), actor)
        live_voucher.status = VoucherStatus.REVERSED
        _save(live_voucher, actor)
    original.status = TicketStatus.REVERSED
    original.reason = reason.strip()[:200]
    _save(original, actor)
    if old_unit.pk != new_unit.pk:
        old_unit.status = UnitStatus.RELEASED if original.commissioning_unit_id else UnitStatus.RELATION
        _history(old_unit, actor)
        old_unit._change_reason = f"选房工作票 {original.number} 冲红（红票 {red.number}）"
        old_unit.save(update_fields=["status"])
    new_ticket = _create_ticket(actor, new_unit, values, replaces=original, chain_root_id=original.chain_root_id,
                                reason=reason.strip()[:200])
    _take(new_unit, actor, f"冲红后重新开具选房工作票 {new_ticket.number}（原票 {original.number}）")
    return new_ticket


# ----- receipts and vouchers (九、(二)2) ----------------------------------------------------------------------------


@transaction.atomic
def receipt_issue(*, actor: User, ticket: SelectionTicket, kind: str, amount: Decimal, received_on: date,
                  payer_name: str = "") -> Receipt:
    """收据 (three parts) for money a buyer paid against a live ticket."""
    require_perm(actor, "housing.issue_receipt", "您没有开具收据的权限。")
    return _receipt_create(actor=actor, ticket=ticket, kind=kind, amount=amount, received_on=received_on,
                           payer_name=payer_name)


def _receipt_create(*, actor: User, ticket: SelectionTicket, kind: str, amount: Decimal, received_on: date,
                    payer_name: str = "") -> Receipt:
    """The receipt itself; renames and loan conversions charge their fee through it inside their own service."""
    ticket = SelectionTicket.objects.select_for_update(of=("self",)).select_related("project").get(pk=ticket.pk)
    errors = {}
    if ticket.kind != FormKind.NORMAL or ticket.status == TicketStatus.REVERSED:
        errors["ticket"] = f"选房工作票 {ticket.number} 已冲红，请对新票收款。"
    if kind not in ReceiptKind.values:
        errors["kind"] = "未知的款项类别。"
    if amount is None or amount <= 0:
        errors["amount"] = "金额须大于0。"
    elif kind in PAYMENT_KINDS and collected_for(ticket) + amount > ticket.amount_due:
        errors["amount"] = (f"收款后实收将超过房款应收 {ticket.amount_due:,.2f} 元"
                            f"（已收 {collected_for(ticket):,.2f} 元）。")
    if errors:
        raise ValidationError(errors)
    seq, number = _number(ticket.project, SequenceKind.RECEIPT)
    return _save(Receipt(project=ticket.project, seq=seq, number=number, ticket=ticket, kind=kind,
                         payer_name=(payer_name or ticket.buyer_name).strip()[:60], amount=_money(amount),
                         received_on=received_on, issued_by=actor, issued_at=timezone.now()), actor)


@transaction.atomic
def receipt_finance_copy_take(*, actor: User, receipt: Receipt) -> Receipt:
    """The big-client department collects the finance part and records the handover (九、(二)2)."""
    require_perm(actor, "housing.issue_voucher", "财务联由大客户部领取。")
    receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
    if receipt.finance_copy_taken_at is not None:
        taken = timezone.localtime(receipt.finance_copy_taken_at)
        raise ServiceError(f"收据 {receipt.number} 的财务联已于 {taken:%Y-%m-%d} "
                           f"由 {receipt.finance_copy_taken_by} 领取。",
                           code="state")
    receipt.finance_copy_taken_by, receipt.finance_copy_taken_at = actor, timezone.now()
    return _save(receipt, actor)


@transaction.atomic
def voucher_issue(*, actor: User, ticket: SelectionTicket, reviewer: User) -> Voucher:
    """开选房凭证 once the collected receipts equal the amount due; the checks of 九、(二)2 (1)–(4): the name and ID
    number against the list, the price against the approval, the total; a second person reviews. The ticket is
    collected (⑧)."""
    require_perm(actor, "housing.issue_voucher", "您没有开具选房凭证的权限。")
    ticket = SelectionTicket.objects.select_for_update(of=("self",)).select_related("project", "unit").get(pk=ticket.pk)
    errors: dict[str, str] = {}
    if ticket.kind != FormKind.NORMAL or ticket.status != TicketStatus.ACTIVE:
        raise ServiceError(f"选房工作票 {ticket.number} 为“{ticket.get_status_display()}”，不能开具选房凭证。",
                           code="state", field="ticket")
    if ticket.commissioning_unit_id:
        buyer = EligibleBuyer.objects.filter(commissioning_unit_id=ticket.commissioning_unit_id,
                                             id_number=ticket.buyer_id_number, status=BuyerStatus.ELIGIBLE).first()
        if buyer is None or buyer.name != ticket.buyer_name:
            errors["ticket"] = ("选房工作单的姓名、身份证号与合同名单不一致（九、(二)2(1)），"
                                "选房凭证不予认可（十一、1(2)）。")
        line = PriceLine.objects.filter(unit=ticket.unit, price_approval__status=RequestStatus.APPROVED,
                                        price_approval__commissioning_unit_id=ticket.commissioning_unit_id).first()
        if line is None or line.unit_price != ticket.unit_price:
            errors["ticket"] = "选房工作票的价格与审批价格不一致（九、(二)2(2)）。"
    if _money(ticket.unit_price * ticket.area) != ticket.total_price:
        errors["ticket"] = "房款总价复核不符（九、(二)2(3)）。"
    collected = collected_for(ticket)
    if collected != ticket.amount_due:
        errors["ticket"] = (f"实收金额 {collected:,.2f} 元与房款应收 {ticket.amount_due:,.2f} 元不一致，"
                            f"收齐后才能开具选房凭证（九、(二)2）。")
    if reviewer is None or reviewer.pk == actor.pk:
        errors["reviewer"] = "选房凭证须由开具人以外的人员复核（九、(二)2(4)）。"
    elif not reviewer.has_perm("housing.review_ticket"):
        errors["reviewer"] = f"{reviewer} 没有复核权限。"
    if errors:
        raise ValidationError(errors)
    seq, number = _number(ticket.project, SequenceKind.VOUCHER)
    voucher = _save(Voucher(project=ticket.project, seq=seq, number=number, ticket=ticket,
                            amount_due=ticket.amount_due, amount_collected=collected, reviewer=reviewer,
                            issued_by=actor, issued_at=timezone.now()), actor)
    ticket.status = TicketStatus.COLLECTED
    _save(ticket, actor)
    return voucher


# ----- renames (十一、3) and the loan conversion fee (十、(二)4) --------------------------------------------------


@transaction.atomic
def ticket_rename(*, actor: User, ticket: SelectionTicket, new_name: str, new_id_number: str,
                  relation: str = "", market_price: Decimal | None = None, received_on: date | None = None
                  ) -> RenameRecord:
    """十一、3: between people on the list — free; otherwise only a relation the contract allows, for a fee of 50 % of
    (the company's other projects' market price at the same stage − the contract price), collected on a receipt."""
    require_perm(actor, "housing.issue_ticket", "您没有办理更名的权限。")
    ticket = SelectionTicket.objects.select_for_update(of=("self",)).select_related(
        "commissioning_unit", "project").get(pk=ticket.pk)
    cu = ticket.commissioning_unit
    if cu is None or ticket.kind != FormKind.NORMAL or ticket.status == TicketStatus.REVERSED:
        raise ServiceError("只能对有效的委建房选房工作票办理更名。", code="state", field="ticket")
    number = normalize_id_number(new_id_number)
    try:
        validate_id_number(number)
    except ValidationError as exc:
        raise ValidationError({"new_id_number": exc.messages[0]}) from None
    if number == ticket.buyer_id_number:
        raise ValidationError({"new_id_number": "新购房人与原购房人相同。"})
    new_buyer = EligibleBuyer.objects.filter(commissioning_unit=cu, id_number=number).first()
    within = new_buyer is not None and new_buyer.status == BuyerStatus.ELIGIBLE and not new_buyer.via_rename
    if new_buyer is not None and new_buyer.name != new_name.strip():
        raise ValidationError({"new_name": f"姓名与名单不符：名单中该身份证号为“{new_buyer.name}”。"})
    fee = Decimal(0)
    receipt = None
    if not within:
        if not cu.rename_relations:
            raise ServiceError("合同未约定名单以外的更名，按十一、3(1)不允许更名。", code="rename_not_allowed",
                               field="new_id_number")
        if not (relation or "").strip():
            raise ValidationError({"relation": f"请写明与原购房人的关系及证明（合同允许：{cu.rename_relations}）。"})
        if market_price is None or market_price <= 0:
            raise ValidationError({"market_price": "请填写我公司其他楼盘同进度市场价格（元/㎡，十一、3(1)）。"})
        difference = _money(market_price * ticket.area) - ticket.total_price
        fee = _money(max(difference, Decimal(0)) * figure("rename_fee_percent") / 100)
        if new_buyer is None:
            new_buyer = _save(EligibleBuyer(commissioning_unit=cu, name=new_name.strip()[:60], id_number=number,
                                            status=BuyerStatus.ELIGIBLE, via_rename=True, created_by=actor,
                                            employee_proof=f"更名：{relation.strip()}"[:200]), actor)
        if fee > 0:
            receipt = _receipt_create(actor=actor, ticket=ticket, kind=ReceiptKind.RENAME_FEE, amount=fee,
                                    received_on=received_on or timezone.localdate(), payer_name=new_name)
    record = RenameRecord.objects.create(
        ticket=ticket, old_name=ticket.buyer_name, old_id_number=ticket.buyer_id_number, new_buyer=new_buyer,
        within_list=within, relation=(relation or "").strip()[:200], market_price=market_price, fee=fee,
        receipt=receipt, recorded_by=actor, recorded_at=timezone.now())
    ticket.buyer, ticket.buyer_name, ticket.buyer_id_number = new_buyer, new_buyer.name, number
    _history(ticket, actor)
    ticket._change_reason = f"更名：{record.old_name} → {new_buyer.name}" + (f"（更名费 {fee} 元）" if fee else "")
    ticket.save()
    return record


@transaction.atomic
def ticket_convert_to_loan(*, actor: User, ticket: SelectionTicket, new_payment_ratio_percent: Decimal,
                           received_on: date) -> LoanConversion:
    """十、(二)4: a full payment becomes a loan — the buyer pays the company's set fee (1,000–3,000 元); the amount
    due follows the new payment ratio (never under the approved ratio)."""
    require_perm(actor, "housing.issue_ticket", "您没有办理转贷款的权限。")
    ticket = SelectionTicket.objects.select_for_update(of=("self",)).select_related("project").get(pk=ticket.pk)
    if not ticket.full_payment or ticket.status != TicketStatus.ACTIVE or ticket.kind != FormKind.NORMAL:
        raise ServiceError("只有尚未开具选房凭证的一次性付款选房工作票可以转为贷款。", code="state", field="ticket")
    fee = figure("loan_conversion_fee")
    minimum = figure("min_payment_ratio_percent")
    line = PriceLine.objects.filter(unit=ticket.unit, price_approval__commissioning_unit=ticket.commissioning_unit_id,
                                    price_approval__status=RequestStatus.APPROVED).select_related(
                                        "price_approval").first()
    floor = max(minimum, line.price_approval.payment_ratio_percent if line else minimum)
    if new_payment_ratio_percent is None or not floor <= new_payment_ratio_percent < 100:
        raise ValidationError({"new_payment_ratio_percent":
                               f"转贷后交款比例须不低于{floor.normalize():f}%且低于100%。"})
    new_due = amount_due(ticket.total_price, new_payment_ratio_percent, False, Decimal(0))
    if collected_for(ticket) > new_due:
        raise ServiceError(f"已收房款 {collected_for(ticket):,.2f} 元超过转贷后的应收 {new_due:,.2f} 元，"
                           "请先办理退款。",
                           code="overpaid", field="new_payment_ratio_percent")
    ticket.full_payment = False
    ticket.payment_ratio_percent = new_payment_ratio_percent
    ticket.amount_due = new_due
    _save(ticket, actor)
    receipt = _receipt_create(actor=actor, ticket=ticket, kind=ReceiptKind.LOAN_FEE, amount=fee,
                            received_on=received_on)
    return LoanConversion.objects.create(ticket=ticket, new_payment_ratio_percent=new_payment_ratio_percent,
                                         fee=fee, receipt=receipt, recorded_by=actor, recorded_at=timezone.now())


# ----- relation units (十二) ----------------------------------------------------------------------------------------


def _policy_at(project: Project, day: date) -> PricePolicy | None:
    return PricePolicy.objects.filter(project=project, effective_from__lte=day).order_by("-effective_from").first()


@transaction.atomic
def price_policy_set(*, actor: User, project: Project, name: str, stage: str, effective_from: date,
                     index_percent: Decimal) -> PricePolicy:
    require_perm(actor, "housing.manage_commissioning", "价格政策由大客户部维护。")
    if index_percent is None or index_percent <= 0:
        raise ValidationError({"index_percent": "价格指数须大于0。"})
    if PricePolicy.objects.filter(project=project, effective_from=effective_from).exists():
        raise ValidationError({"effective_from": "该日期已有价格政策。"})
    return PricePolicy.objects.create(project=project, name=name.strip()[:60], stage=stage,
                                      effective_from=effective_from, index_percent=index_percent)


def _on_relation_event(approval, event: str, actor) -> None:
    req = RelationRequest.objects.select_for_update().get(pk=approval.object_id)
    units = list(Unit.objects.select_for_update().filter(relation_request=req).order_by("pk"))
    if event == "approved":
        req.status = RequestStatus.APPROVED
        for unit in units:
            unit.status = UnitStatus.RELATION
    elif event in ("rejected", "returned", "withdrawn"):
        req.status = RequestStatus.REJECTED
        for unit in units:
            unit.status, unit.relation_request = UnitStatus.AVAILABLE, None
    _save(req, actor)
    bulk_update_with_history(units, Unit, ["status", "relation_request"], default_user=actor,
                             default_change_reason=f"关系房审批：{event}")


@transaction.atomic
def relation_request_create(*, actor: User, project: Project, department: str, buyer_name: str,
                            buyer_id_number: str, average_price: Decimal, payment_ratio_percent: Decimal,
                            payment_due: date, lines: Sequence[PriceLineInput], mode: str, document_no: str = "",
                            phone_approver: User | None = None, phone_approved_on: date | None = None,
                            today: date | None = None) -> RelationRequest:
    """十二、(一): a paper approval (报告列明均价、交款比例、交款时间) through the housing_relation chain, or in an
    urgent case a phone call from 总经理 level or above — the units are held at once and the paperwork is due in 5
    working days. A handler with overdue paperwork gets no further units."""
    from kehu.workdays.calendar import CalendarYearMissing, add_working_days
    from kehu.workflow.services import approval_submit

    require_perm(actor, "housing.manage_relation", "您没有办理关系房的权限。")
    today = today or timezone.localdate()
    blocked = _relation_blocked(actor, today)
    if blocked is not None:
        raise ServiceError(f"您经办的关系房（{blocked.buyer_name}）电话审批后未在 {blocked.paperwork_due} 前补齐手续，"
                           f"按十二、(一)不予发放再次申请房源。", code="paperwork_overdue")
    errors: dict[str, str] = {}
    number = normalize_id_number(buyer_id_number)
    try:
        validate_id_number(number)
    except ValidationError as exc:
        errors["buyer_id_number"] = exc.messages[0]
    if not (department or "").strip():
        errors["department"] = "请填写申请部门。"
    if not (buyer_name or "").strip():
        errors["buyer_name"] = "请填写购房人。"
    minimum = figure("min_payment_ratio_percent")
    if payment_ratio_percent is None or not minimum <= payment_ratio_percent <= 100:
        errors["payment_ratio_percent"] = (f"交款比例不应低于{minimum.normalize():f}%（关系房原则上同委建房模式，"
                                           f"{figure_article('min_payment_ratio_percent')}）。")
    if average_price is None or average_price <= 0:
        errors["average_price"] = "均价须大于0。"
    if not lines:
        errors["lines"] = "请列出房源及单价。"
    if mode not in ApprovalMode.values:
        errors["mode"] = "请选择审批方式。"
    elif mode == ApprovalMode.PAPER and not (document_no or "").strip():
        errors["document_no"] = "请填写纸质审批文件编号。"
    elif mode == ApprovalMode.PHONE:
        if phone_approver is None or not phone_approver.roles.filter(
                code__in=("general_manager", "chairman")).exists():
            errors["phone_approver"] = "电话通知须由总经理级别以上人员作出（十二、(一)）。"
        if phone_approved_on is None:
            errors["phone_approved_on"] = "请填写电话通知日期。"
    if errors:
        raise ValidationError(errors)
    paperwork_due = None
    if mode == ApprovalMode.PHONE:
        try:
            paperwork_due = add_working_days(phone_approved_on, int(pack().workflows.deadlines["relation_paperwork"]
                                                                    .amount))
        except CalendarYearMissing as exc:
            raise ServiceError(f"无法计算补齐手续的期限：{exc}", code="calendar_missing") from None
    units = [_lock_unit(pk) for pk in sorted(line.unit.pk for line in lines)]
    for unit in units:
        if unit.project_id != project.pk:
            raise ValidationError({"lines": f"{unit.label} 不属于本项目。"})
        if unit.status != UnitStatus.AVAILABLE:
            raise UnitTakenError(f"房源 {unit.label} {_unit_holder(unit)}，不能作关系房。", field="lines")
    req = _save(RelationRequest(
        project=project, department=department.strip()[:60], handler=actor, buyer_name=buyer_name.strip()[:60],
        buyer_id_number=number, average_price=average_price, payment_ratio_percent=payment_ratio_percent,
        payment_due=payment_due, mode=mode, document_no=(document_no or "").strip()[:60],
        phone_approver=phone_approver if mode == ApprovalMode.PHONE else None,
        phone_approved_on=phone_approved_on if mode == ApprovalMode.PHONE else None, paperwork_due=paperwork_due,
        status=RequestStatus.APPROVED if mode == ApprovalMode.PHONE else RequestStatus.PENDING,
        policy=_policy_at(project, today)), actor)
    RelationLine.objects.bulk_create([RelationLine(request=req, unit=line.unit, unit_price=line.unit_price)
                                      for line in lines])
    for unit in units:
        unit.relation_request = req
        unit.status = UnitStatus.RELATION if mode == ApprovalMode.PHONE else UnitStatus.PENDING_RELEASE
    bulk_update_with_history(units, Unit, ["status", "relation_request"], default_user=actor,
                             default_change_reason="关系房申请")
    if mode == ApprovalMode.PAPER:
        req.approval = approval_submit(actor=actor, subject=req, kind="housing_relation",
                                       title=f"关系房审批：{buyer_name}（{department}，{len(units)}套）",
                                       pack_name=PACK)
        req.save(update_fields=["approval"])
    return req


@transaction.atomic
def relation_paperwork_complete(*, actor: User, request: RelationRequest, document_no: str, done_on: date
                                ) -> RelationRequest:
    require_perm(actor, "housing.manage_relation", "您没有办理关系房的权限。")
    req = RelationRequest.objects.select_for_update().get(pk=request.pk)
    if req.mode != ApprovalMode.PHONE or req.paperwork_done_on is not None:
        raise ServiceError("该关系房无须补办或已补齐手续。", code="state")
    if not (document_no or "").strip():
        raise ValidationError({"document_no": "请填写补齐的纸质审批文件编号。"})
    req.document_no, req.paperwork_done_on = document_no.strip()[:60], done_on
    return _save(req, actor)


@transaction.atomic
def relation_reprice_late(*, actor: User, request: RelationRequest, today: date) -> list[SelectionTicket]:
    """十二、(二): a relation buyer who did not pay by the approved date moves to the price policy in force now —
    each unit's price scales by the new policy's index against the approved one; an unpaid live ticket is reversed
    in red and reissued at the new price (the original stays)."""
    require_perm(actor, "housing.manage_relation", "您没有办理关系房的权限。")
    req = RelationRequest.objects.select_for_update(of=("self",)).select_related("policy", "project").get(
        pk=request.pk)
    if today <= req.payment_due:
        raise ServiceError(f"交款时间 {req.payment_due} 尚未逾期。", code="not_late")
    current = _policy_at(req.project, today)
    if current is None or req.policy is None or current.pk == req.policy_id:
        raise ServiceError("逾期期间没有新的价格政策，价格不变。", code="no_new_policy")
    factor = current.index_percent / req.policy.index_percent
    lines = list(req.lines.select_related("unit"))
    for line in lines:
        line.unit_price = _money(line.unit_price * factor)
    RelationLine.objects.bulk_update(lines, ["unit_price"])
    old_index = req.policy.index_percent
    req.policy = current
    req.average_price = _money(req.average_price * factor)
    _history(req, actor)
    req._change_reason = f"逾期未付款，执行新价格政策 {current.name}（指数 {old_index} → {current.index_percent}）"
    req.save()
    reissued = []
    for ticket in SelectionTicket.objects.filter(relation_request=req, kind=FormKind.NORMAL,
                                                 status=TicketStatus.ACTIVE).select_related("unit", "reviewer"):
        if collected_for(ticket) >= ticket.amount_due:
            continue
        line = next(li for li in lines if li.unit_id == ticket.unit_id)
        total = _money(line.unit_price * ticket.area)
        reissued.append(ticket_reverse(actor=actor, ticket=ticket,
                                       reason="关系户逾期付款，执行新的价格政策（十二、(二)）",
                                       data=TicketInput(
                                           unit=ticket.unit, buyer_name=ticket.buyer_name,
                                           buyer_id_number=ticket.buyer_id_number, unit_price=line.unit_price,
                                           area=ticket.area, total_price=total,
                                           payment_ratio_percent=ticket.payment_ratio_percent,
                                           reviewer=ticket.reviewer, customer_signed=True,
                                           full_payment=ticket.full_payment, relation_request=req)))
    return reissued


# ----- the annex (九、(二)5) ----------------------------------------------------------------------------------------


@transaction.atomic
def annex_review(*, actor: User, commissioning_unit: CommissioningUnit, received_on: date) -> CommissioningUnit:
    """The commissioning unit's stamped selection detail is reviewed by audit before the company stamps it."""
    require_perm(actor, "housing.review_annex", "选房明细须经审计部复核（九、(二)5）。")
    cu = CommissioningUnit.objects.select_for_update().get(pk=commissioning_unit.pk)
    if cu.annex_reviewed_at is not None:
        raise ServiceError("选房明细已复核。", code="state")
    cu.annex_received_on, cu.annex_reviewed_by, cu.annex_reviewed_at = received_on, actor, timezone.now()
    return _save(cu, actor)


def register_kinds() -> None:
    """Approval kinds this app handles (called from AppConfig.ready)."""
    from kehu.workflow.services import KindSpec, register_kind

    def url(approval, name):
        from kehu.housing.models import CommissioningUnit as CU

        model = {"price": PriceApproval, "release": ReleaseRequest, "relation": RelationRequest, "cu": CU}[name]
        obj = model.objects.filter(pk=approval.object_id).first()
        if obj is None:
            return reverse("workflow:approval_detail", args=[approval.pk])
        project_id = (obj.project_id if hasattr(obj, "project_id") else obj.commissioning_unit.project_id)
        return reverse("housing:project_detail", args=[project_id])

    register_kind("housing_commissioner", KindSpec(on_event=_on_commissioner_event, url=lambda a: url(a, "cu")))
    register_kind("housing_price", KindSpec(on_event=_on_price_event, url=lambda a: url(a, "price")))
    register_kind("housing_release", KindSpec(on_event=_on_release_event, url=lambda a: url(a, "release")))
    register_kind("housing_relation", KindSpec(on_event=_on_relation_event, url=lambda a: url(a, "relation")))


def units_iter(project: Project) -> Iterable[Unit]:
    return Unit.objects.filter(project=project).select_related("building")
