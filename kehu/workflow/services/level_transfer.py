"""Transfer between management levels (002 6.1.1 "当某级客户过剩或不足时,可实行上、下级转移管理权限"): the head of
the unit that manages the customer agrees to hand it over, the head of the receiving unit agrees to take it, and on
approval the customer's managing unit (`Customer.unit`) changes, with history and an archive event."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kehu.core.errors import ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import Customer, CustomerStatus
from kehu.customers.selectors import customer_get_for_actor
from kehu.org.models import OrgUnit, User
from kehu.workflow.models import Approval, ApprovalKind, ApprovalStatus, LevelTransferRequest

ARTICLE = "002 6.1.1"


def _related_levels(a: OrgUnit, b: OrgUnit) -> bool:
    """上、下级: one unit lies above the other in the organisation tree."""
    return a.path.startswith(b.path) or b.path.startswith(a.path)


def level_transfer_request_submit(*, actor: User, customer: Customer, to_unit: OrgUnit, reason: str
                                  ) -> LevelTransferRequest:
    """Ask to move a customer in the actor's scope from its managing unit to a unit above or below it."""
    require_perm(actor, "workflow.add_leveltransferrequest", "您没有申请转移客户管理层级的权限。")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": "请写明转移原因（如本级客户过剩或不足，至少4个字）。"})
    from kehu.workflow.services.approvals import approval_submit

    with transaction.atomic():
        customer = customer_get_for_actor(actor=actor, pk=customer.pk, for_update=True)
        to_unit = OrgUnit.objects.filter(pk=to_unit.pk).first()
        if to_unit is None or not to_unit.is_active:
            raise ValidationError({"to_unit": "接收单位不存在或已停用。"})
        if customer.status == CustomerStatus.DISQUALIFIED:
            raise ServiceError("该客户已被取消客户资格，不能转移管理层级。", field="customer")
        from_unit = customer.unit
        if from_unit is None:
            raise ServiceError("该客户尚未指定管理单位，请先在客户档案中指定。", field="customer")
        if to_unit.pk == from_unit.pk:
            raise ValidationError({"to_unit": "接收单位与当前管理单位相同。"})
        if not _related_levels(from_unit, to_unit):
            raise ValidationError({"to_unit": f"管理权限只能在上、下级之间转移（{ARTICLE}）：“{to_unit}”不是"
                                              f"“{from_unit}”的上级或下级单位；同级单位之间请办理客户移交。"})
        if LevelTransferRequest.objects.filter(customer=customer, approval__status=ApprovalStatus.PENDING).exists():
            raise ServiceError("该客户已有审批中的管理层级转移申请。", field="customer")
        request = LevelTransferRequest.objects.create(customer=customer, from_unit=from_unit, to_unit=to_unit,
                                                      reason=reason, requested_by=actor)
        request.approval = approval_submit(
            actor=actor, subject=request, kind=ApprovalKind.LEVEL_TRANSFER, customer=customer,
            title=f"管理层级转移：{customer.name}（{from_unit} → {to_unit}）",
        )
        request.save(update_fields=["approval"])
    return request


def _unit_head(unit: OrgUnit) -> User | None:
    return unit.head if unit.head_id and unit.head.is_active else None


def level_transfer_targets(request: LevelTransferRequest):
    """Step 1 belongs to the from-unit, step 2 to the to-unit: its head, or a holder of the step's role in that
    unit itself (not in its sub-units — a station manager does not approve for the city above it)."""
    from kehu.workflow.services.approvals import StepTarget

    return {
        1: StepTarget(unit=request.from_unit, unit_exact=True, assignee=_unit_head(request.from_unit)),
        2: StepTarget(unit=request.to_unit, unit_exact=True, assignee=_unit_head(request.to_unit)),
    }


def customer_managing_unit_set(*, actor: User | None, customer: Customer, unit: OrgUnit, reason: str) -> Customer:
    """Thin helper (kehu.customers.services has no service for it): set the customer's managing unit inside a
    transaction, with a history row (who, why) and an archive event. The caller has checked the permission."""
    with transaction.atomic():
        current = Customer.objects.select_for_update(of=("self",)).select_related("unit").get(pk=customer.pk)
        if current.unit_id == unit.pk:
            return current
        old = current.unit
        current.unit = unit
        current.version += 1
        current._history_user = actor
        current._change_reason = reason[:100]
        current.save(update_fields=["unit", "version", "updated_at"])
        from kehu.customers.services import archive_event_record

        archive_event_record(
            customer=current, actor=actor, kind="level_transfer",
            summary=f"管理单位：{old or '未指定'} → {unit}", reason=reason,
            data={"from_unit": old.pk if old else None, "to_unit": unit.pk},
        )
    return current


def on_level_transfer_event(approval: Approval, event: str, actor: User | None) -> None:
    if event != ApprovalStatus.APPROVED:
        return
    request = (LevelTransferRequest.objects.select_for_update(of=("self",))
               .select_related("customer", "from_unit", "to_unit").get(pk=approval.object_id))
    customer = request.customer
    if customer.unit_id != request.from_unit_id:
        raise ServiceError(f"客户的管理单位已变为“{customer.unit or '未指定'}”，与申请时的移出单位不同，"
                           "请驳回后重新申请。")
    customer_managing_unit_set(actor=actor, customer=customer, unit=request.to_unit,
                               reason=f"管理层级转移（{ARTICLE}）：{request.reason}")
    request.applied_at = timezone.now()
    request.save(update_fields=["applied_at"])


def level_transfer_url(approval: Approval) -> str:
    return reverse("workflow:level_transfer_detail", args=[approval.object_id])
