"""Disqualification (000 第十七条): the ground is recorded, the decision needs approval, and once approved all
business stops and the credit code cannot be admitted again without a documented override."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kehu.core.errors import ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import Customer, CustomerStatus
from kehu.customers.selectors import customer_get_for_actor
from kehu.org.models import User
from kehu.workflow.models import (
    AgencyLicence,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    BlockedCreditCode,
    DisqualificationGround,
    DisqualificationRequest,
)


def disqualification_request_submit(*, actor: User, customer: Customer, ground: str, facts: str
                                    ) -> DisqualificationRequest:
    require_perm(actor, "workflow.add_disqualificationrequest", "您没有申请取消客户资格的权限。")
    errors: dict[str, str] = {}
    if ground not in DisqualificationGround.values:
        errors["ground"] = "请选择取消资格的依据（000 第十七条第一至三项）。"
    facts = (facts or "").strip()
    if len(facts) < 10:
        errors["facts"] = "请写明事实与证据（至少10个字）。"
    if errors:
        raise ValidationError(errors)
    from kehu.workflow.services.approvals import approval_submit

    with transaction.atomic():
        customer = customer_get_for_actor(actor=actor, pk=customer.pk, for_update=True)
        if customer.status == CustomerStatus.DISQUALIFIED:
            raise ServiceError("该客户已被取消客户资格。", field="customer")
        if DisqualificationRequest.objects.filter(customer=customer,
                                                  approval__status=ApprovalStatus.PENDING).exists():
            raise ServiceError("该客户已有审批中的取消资格申请。", field="customer")
        request = DisqualificationRequest.objects.create(customer=customer, ground=ground, facts=facts,
                                                         requested_by=actor)
        request.approval = approval_submit(
            actor=actor, subject=request, kind=ApprovalKind.DISQUALIFICATION, customer=customer,
            title=f"取消客户资格：{customer.name}",
        )
        request.save(update_fields=["approval"])
    return request


def on_disqualification_event(approval: Approval, event: str, actor: User | None) -> None:
    if event != ApprovalStatus.APPROVED:
        return
    from kehu.customers.services import customer_status_set

    request = DisqualificationRequest.objects.select_related("customer").get(pk=approval.object_id)
    customer = request.customer
    reason = f"{request.get_ground_display()}：{request.facts}"
    customer_status_set(actor=actor, customer=customer, status=CustomerStatus.DISQUALIFIED,
                        reason=f"取消客户资格（000 第十七条）。{reason}")
    if customer.uscc:
        BlockedCreditCode.objects.get_or_create(
            uscc=customer.uscc,
            defaults={"customer": customer, "customer_name": customer.name, "ground": request.ground,
                      "request": request},
        )
    AgencyLicence.objects.filter(customer=customer, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason="客户资格已取消"
    )


def disqualification_url(approval: Approval) -> str:
    return reverse("workflow:disqualification_detail", args=[approval.object_id])
