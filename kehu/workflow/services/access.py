"""Archive access (001 第九条): a user outside a customer's scope reads its archive only with the owning
department head's (or the marketing head's) consent, for a limited time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from kehu.core.errors import ScopeError, ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import Customer
from kehu.customers.selectors import customer_scope_q
from kehu.org.models import OrgUnit, User
from kehu.workflow.models import AccessGrant, AccessRequest, Approval, ApprovalKind, ApprovalStatus

MAX_DAYS = 30


def access_visibility_q(actor: User) -> Q:
    """Registered with customers.selectors.register_visibility: one EXISTS, checked against the clock."""
    if not getattr(actor, "pk", None):
        return Q(pk__in=[])
    return Q(Exists(AccessGrant.objects.filter(
        customer=OuterRef("pk"), user_id=actor.pk, revoked_at__isnull=True, expires_at__gt=timezone.now(),
    )))


def _unit_head(customer: Customer) -> User | None:
    """The head of the customer's owning unit, or of the nearest ancestor that has one."""
    if not customer.unit_id:
        return None
    ids = [int(p) for p in customer.unit.path.split("/") if p]
    unit = (OrgUnit.objects.filter(pk__in=ids, head__isnull=False, head__is_active=True)
            .select_related("head").order_by("-depth").first())
    return unit.head if unit else None


def access_targets(request: AccessRequest):
    from kehu.workflow.services.approvals import StepTarget

    head = _unit_head(request.customer)
    return {1: StepTarget(assignee=head)} if head and head.pk != request.requester_id else {}


def access_request_submit(*, actor: User, customer: Customer, reason: str, days: int = 7) -> AccessRequest:
    require_perm(actor, "workflow.add_accessrequest", "您没有申请查阅客户档案的权限。")
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if len(reason) < 4:
        errors["reason"] = "请写明查阅事由（至少4个字）。"
    if not 1 <= int(days) <= MAX_DAYS:
        errors["days"] = f"查阅期限为1至{MAX_DAYS}天。"
    if errors:
        raise ValidationError(errors)
    from kehu.workflow.services.approvals import approval_submit

    with transaction.atomic():
        customer = Customer.objects.select_related("unit").filter(pk=customer.pk).first()
        if customer is None:
            raise ScopeError("客户不存在。")
        if Customer.objects.filter(customer_scope_q(actor), pk=customer.pk).exists():
            raise ServiceError("该客户在您的管理范围内，无需申请即可查阅。", field="customer")
        if AccessGrant.objects.filter(customer=customer, user=actor, revoked_at__isnull=True,
                                      expires_at__gt=timezone.now()).exists():
            raise ServiceError("您已获准查阅该客户档案，授权尚未到期。", field="customer")
        if AccessRequest.objects.filter(customer=customer, requester=actor,
                                        approval__status=ApprovalStatus.PENDING).exists():
            raise ServiceError("您已提交过该客户的查阅申请，正在审批中。", field="customer")
        request = AccessRequest.objects.create(customer=customer, requester=actor, reason=reason, days=int(days))
        request.approval = approval_submit(
            actor=actor, subject=request, kind=ApprovalKind.ARCHIVE_ACCESS, customer=customer,
            title=f"查阅客户档案：{customer.name}（{int(days)}天）",
        )
        request.save(update_fields=["approval"])
    return request


def on_access_event(approval: Approval, event: str, actor: User | None) -> None:
    if event != ApprovalStatus.APPROVED:
        return
    request = AccessRequest.objects.select_related("customer").get(pk=approval.object_id)
    now = timezone.now()
    AccessGrant.objects.create(
        customer=request.customer, user=request.requester, request=request, granted_by=actor,
        granted_at=now, expires_at=now + timedelta(days=request.days),
    )


def access_url(approval: Approval) -> str:
    return reverse("workflow:access_list")


def access_grants_expire(*, now: datetime | None = None) -> int:
    """Mark grants past their expiry (visibility already stops at expires_at; this keeps the list honest)."""
    now = now or timezone.now()
    return AccessGrant.objects.filter(expires_at__lte=now, expired_marked_at__isnull=True).update(
        expired_marked_at=now
    )
