from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.customers.services import archive_event_record

FUTURE_TOLERANCE = timedelta(minutes=5)


def now() -> datetime:
    return timezone.now()


def moment(value: datetime | None, field: str, *, label: str = "时间") -> datetime:
    """A moment supplied by the user (tz-aware, not in the future), or now."""
    if value is None:
        return now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now() + FUTURE_TOLERANCE:
        raise ValidationError({field: f"{label}不能晚于当前时间。"})
    return value


def archive(customer, actor, kind: str, summary: str, reason: str = "", **data) -> None:
    archive_event_record(customer=customer, actor=actor, kind=kind, summary=summary, reason=reason, data=data)
