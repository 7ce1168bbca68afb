"""Inquiries and letters (询价及函电), each answered within the grading pack's deadline (003 一、6: 24 小时)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kehu.core.errors import ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.selectors import customer_get_for_actor
from kehu.customers.services import archive_event_record
from kehu.orders.models import Inquiry, InquiryChannel
from kehu.orders.packs import order_packs
from kehu.org.models import User
from kehu.policy.engine import due_at

DEADLINE_CODE = "inquiry_reply"


def inquiry_deadline(received_at: datetime) -> tuple[datetime, str]:
    """(due time, "pack article") of an inquiry received at `received_at`, from the grading pack's deadline."""
    from kehu.workdays.calendar import is_working_day

    pack = order_packs().grading
    deadline = pack.workflows.deadlines.get(DEADLINE_CODE)
    if deadline is None:
        raise ServiceError(f"政策包 {pack.name} 没有规定询价答复时限（{DEADLINE_CODE}）。", code="no_deadline")
    due = due_at(deadline, timezone.localtime(received_at), is_working_day, pack.workflows.company_hours)
    return due, f"{pack.name} {deadline.citation.article}"


@transaction.atomic
def inquiry_register(*, actor: User, customer_id: int, subject: str, content: str = "",
                     channel: str = InquiryChannel.PRICE, received_at: datetime | None = None) -> Inquiry:
    require_perm(actor, "orders.add_inquiry")
    customer = customer_get_for_actor(actor=actor, pk=customer_id)
    subject = (subject or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = "请填写询价或函电的事由。"
    if channel not in InquiryChannel.values:
        errors["channel"] = "请选择类型。"
    now = timezone.now()
    received_at = received_at or now
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > now + timedelta(minutes=5):
        errors["received_at"] = "收到时间不能晚于现在。"
    if errors:
        raise ValidationError(errors)
    due, article = inquiry_deadline(received_at)
    inquiry = Inquiry(customer=customer, channel=channel, subject=subject[:200], content=content or "",
                      received_at=received_at, due_at=due, deadline_article=article, created_by=actor)
    inquiry._history_user = actor
    inquiry.save()
    return inquiry


@transaction.atomic
def inquiry_answer(*, actor: User, inquiry_id: int, answer: str, answered_at: datetime | None = None) -> Inquiry:
    require_perm(actor, "orders.change_inquiry")
    from kehu.orders.selectors import inquiry_get

    inquiry = inquiry_get(actor=actor, pk=inquiry_id)
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.answered_at is not None:
        raise ServiceError("该询价已答复。", code="already_answered")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "请填写答复内容。"})
    now = timezone.now()
    answered_at = answered_at or now
    if answered_at > now + timedelta(minutes=5) or answered_at < inquiry.received_at:
        raise ValidationError({"answered_at": "答复时间须在收到时间之后、且不晚于现在。"})
    inquiry.answer, inquiry.answered_at, inquiry.answered_by = answer, answered_at, actor
    inquiry._history_user = actor
    inquiry.save()
    late = "" if inquiry.answered_on_time else "（超过答复时限）"
    archive_event_record(customer=inquiry.customer, actor=actor, kind="inquiry_answered",
                         summary=f"答复询价：{inquiry.subject}{late}"[:300], data={"inquiry": inquiry.pk})
    return inquiry
