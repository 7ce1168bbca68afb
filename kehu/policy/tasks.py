"""The monthly regrade: on the 1st at 02:30 every active pack is graded for the month just ended."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

logger = logging.getLogger(__name__)


def regrade_previous_month() -> list[int]:
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from kehu.policy.periods import previous_month
    from kehu.policy.selectors import active_pack_names
    from kehu.policy.services import regrade

    period = previous_month(timezone.localdate()).key
    runs = []
    for pack_name in active_pack_names():
        try:
            runs.append(regrade(pack_name=pack_name, period=period, trigger="schedule").pk)
        except ValidationError as exc:
            # One pack's bad input (missing administrator value …) does not stop the others; the run is logged.
            logger.error("regrade %s %s refused: %s", pack_name, period, exc)
    return runs


@db_periodic_task(crontab(day="1", hour="2", minute="30"), name="policy.monthly_regrade")
def monthly_regrade() -> list[int]:
    return regrade_previous_month()


@db_task(name="policy.regrade")
def regrade_task(pack_name: str, period: str, actor_id: int | None = None) -> int:
    from kehu.org.models import User
    from kehu.policy.services import regrade

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return regrade(pack_name=pack_name, period=period, actor=actor, trigger="queue").pk
