"""Symposiums and customer gatherings (000 第十三条; 001 第十四条二) and gift requests (001 第十四条一).

Gift approval goes through kehu.workflow's generic approvals: gift_request_submit starts the pack's `gift` chain
(001 第十四条一: 市场营销部负责人同意; built-in chain when the pack has none) and `on_gift_approval_event`
(registered in apps.py with register_kind("gift", ...)) writes the outcome back on the request.
gift_request_decide remains for requests that carry no workflow approval (approval_ref empty).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kehu.core.errors import ScopeError, ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.selectors import customer_get_for_actor
from kehu.org.models import User
from kehu.service.grades import customer_grades
from kehu.service.models import CustomerEvent, EventInvitee, EventKind, EventStatus, GiftRequest, GiftStatus
from kehu.service.services.common import archive


@transaction.atomic
def event_create(*, actor: User, kind: str, title: str, planned_on: date | None, location: str = "",
                 agenda: str = "") -> CustomerEvent:
    require_perm(actor, "service.add_customerevent", "您没有筹备客户座谈会的权限。")
    errors = {}
    if kind not in EventKind.values:
        errors["kind"] = ["请选择活动类型。"]
    if not (title or "").strip():
        errors["title"] = ["请填写主题。"]
    if planned_on is None:
        errors["planned_on"] = ["请填写计划日期。"]
    if errors:
        raise ValidationError(errors)
    return CustomerEvent.objects.create(kind=kind, title=title.strip(), planned_on=planned_on,
                                        location=(location or "").strip(), agenda=(agenda or "").strip(),
                                        organiser=actor)


def _event(actor, event_id: int) -> CustomerEvent:
    require_perm(actor, "service.change_customerevent", "您没有维护客户座谈会的权限。")
    event = CustomerEvent.objects.select_for_update().filter(pk=event_id).first()
    if event is None:
        raise ScopeError("活动不存在。")
    return event


@transaction.atomic
def event_invite(*, actor: User, event_id: int, customer_ids: list[int] | None = None,
                 grades: list[str] | None = None) -> int:
    """Invite by list and/or by grade ("scheme:grade", e.g. 重要客户、大客户 per 001 第十四条二)."""
    from kehu.service.selectors import visible_customers

    event = _event(actor, event_id)
    if event.status != EventStatus.PLANNED:
        raise ServiceError("活动已举行或已取消，不能再邀请。", code="state")
    visible = visible_customers(actor)
    chosen: dict[int, str] = {}
    if customer_ids:
        for cid in visible.filter(pk__in=customer_ids).values_list("pk", flat=True):
            chosen[cid] = "指定名单"
    if grades:
        ids = list(visible.values_list("pk", flat=True))
        for cid, gl in customer_grades(ids, event.planned_on.year).items():
            hit = set(gl) & set(grades)
            if hit:
                chosen.setdefault(cid, "按等级：" + "、".join(sorted(hit)))
    if not chosen:
        raise ValidationError({"customers": "没有符合条件的客户（名单或等级），或客户不在您的管理范围内。"})
    existing = set(event.invitees.values_list("customer_id", flat=True))
    rows = [EventInvitee(event=event, customer_id=cid, reason=r[:100]) for cid, r in chosen.items()
            if cid not in existing]
    EventInvitee.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def event_record(*, actor: User, event_id: int, attended_ids: list[int], minutes: str,
                 follow_up_actions: str = "") -> CustomerEvent:
    """The event was held: attendance, minutes (000 第十三条(四) 做好记录并归档) and follow-up actions."""
    event = _event(actor, event_id)
    if event.planned_on > timezone.localdate():
        raise ValidationError({"minutes": "活动日期尚未到，不能登记为已举行。"})
    if not (minutes or "").strip():
        raise ValidationError({"minutes": "请填写会议记录。"})
    attended = set(attended_ids or ())
    invitees = list(event.invitees.select_related("customer"))
    for inv in invitees:
        inv.attended = inv.customer_id in attended
    EventInvitee.objects.bulk_update(invitees, ["attended"])
    event.minutes = minutes.strip()
    event.follow_up_actions = (follow_up_actions or "").strip()
    event.status = EventStatus.HELD
    event.save()
    for inv in invitees:
        if inv.attended:
            archive(inv.customer, actor, f"event.{event.kind}", f"出席{event.get_kind_display()}：{event.title}",
                    event_id=event.pk)
    return event


@transaction.atomic
def gift_request_submit(*, actor: User, customer_id: int | None, item: str, quantity: int, amount: Decimal,
                        reason: str, event_id: int | None = None) -> GiftRequest:
    require_perm(actor, "service.add_giftrequest", "您没有申请赠送礼品的权限。")
    errors = {}
    if not customer_id:
        errors["customer"] = ["请选择客户。"]
    if not (item or "").strip():
        errors["item"] = ["请填写礼品名称。"]
    if not (reason or "").strip():
        errors["reason"] = ["请说明赠送理由（特殊客户）。"]
    if amount is None or amount < 0:
        errors["amount"] = ["金额不能为负数。"]
    if errors:
        raise ValidationError(errors)
    customer = customer_get_for_actor(actor=actor, pk=customer_id)
    gift = GiftRequest.objects.create(customer=customer, item=item.strip(), quantity=quantity, amount=amount,
                                      reason=reason.strip(), requested_by=actor, event_id=event_id)
    from kehu.workflow.services import approval_submit

    approval = approval_submit(actor=actor, subject=gift, kind="gift", customer=customer,
                               title=f"赠送礼品：{gift.item} ×{quantity}（{amount} 元）· {customer.name}")
    gift.approval_ref = str(approval.pk)
    gift.save(update_fields=["approval_ref"])
    archive(customer, actor, "gift.requested", f"申请赠送礼品：{gift.item} ×{quantity}（{amount} 元），待审批",
            gift.reason, gift_id=gift.pk)
    return gift


@transaction.atomic
def gift_request_decide(*, actor: User, gift_id: int, approve: bool, comment: str = "") -> GiftRequest:
    """经市场营销部负责人同意后办理 (001 第十四条一)."""
    require_perm(actor, "service.approve_giftrequest", "赠送礼品须经市场营销部负责人同意。")
    gift = GiftRequest.objects.select_for_update().filter(pk=gift_id).select_related("customer").first()
    if gift is None:
        raise ScopeError("礼品申请不存在。")
    if gift.status != GiftStatus.PENDING:
        raise ServiceError("该申请已审批。", code="state")
    if gift.approval_ref:
        raise ServiceError("该申请在审批中心按审批链办理，请在“审批”中处理。", code="workflow")
    if gift.requested_by_id == actor.pk:
        raise ServiceError("不能审批本人提交的申请。", code="self_approval")
    gift.status = GiftStatus.APPROVED if approve else GiftStatus.REJECTED
    gift.decided_by, gift.decided_at, gift.decision_comment = actor, timezone.now(), (comment or "")[:300]
    gift.save()
    archive(gift.customer, actor, "gift.decided", f"礼品赠送申请{gift.get_status_display()}：{gift.item}", comment,
            gift_id=gift.pk)
    return gift


def on_gift_approval_event(approval, event: str, actor) -> None:
    """kehu.workflow calls this inside its transaction on submitted / approved / rejected / returned / withdrawn."""
    if event not in ("approved", "rejected", "withdrawn"):
        return
    gift = GiftRequest.objects.select_for_update().filter(pk=approval.object_id).select_related("customer").first()
    if gift is None or gift.status != GiftStatus.PENDING:
        return
    gift.status = GiftStatus.APPROVED if event == "approved" else GiftStatus.REJECTED
    gift.decided_by, gift.decided_at = actor, timezone.now()
    gift.decision_comment = "审批链：" + {"approved": "同意", "rejected": "驳回", "withdrawn": "申请人撤回"}[event]
    gift.save()
