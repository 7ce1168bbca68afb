"""In-app notifications and e-mail, sent only after the transaction that caused them commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from kehu.org.models import User
from kehu.workflow.models import Notification

logger = logging.getLogger(__name__)


def _send_mails(messages: list[tuple[str, str, str, list[str]]]) -> None:
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:  # a mail server outage must not undo the committed business change
        logger.exception("could not send %d notification e-mails", len(messages))


def notify(
    users: Iterable[User], *, kind: str, title: str, body: str = "", url: str = "", email: bool = True
) -> list[Notification]:
    """One in-app notification per distinct active user, plus an e-mail after commit for those with an address."""
    distinct: dict[int, User] = {}
    for user in users:
        if user is not None and user.is_active:
            distinct.setdefault(user.pk, user)
    if not distinct:
        return []
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        [Notification(user=u, kind=kind, title=title[:200], body=body, url=url[:300], created_at=now)
         for u in distinct.values()]
    )
    if email:
        messages = [
            (f"[Kehu 客户] {title}", f"{body}\n\n{url}".strip(), settings.DEFAULT_FROM_EMAIL, [u.email])
            for u in distinct.values() if u.email
        ]
        if messages:
            transaction.on_commit(lambda: _send_mails(messages))
    return rows


def notification_mark_read(*, actor: User, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications (all, or the given ones) read."""
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
