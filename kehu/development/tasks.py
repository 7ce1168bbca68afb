"""Scheduled job of the shared pool (公海), recorded as a JobRun with the day as idempotency key."""

from __future__ import annotations

from huey import crontab

from kehu.core.jobs import kehu_periodic_job


@kehu_periodic_job(name="development.pool_sweep", crontab=crontab(hour="2", minute="20"), period="day",
                   label="公海：无人跟进的客户退回公海、提前提醒客户经理")
def pool_sweep_daily():
    """Ownerless customers enter their unit's pool; customers without a follow-up for the pack's days return there;
    their 客户经理 are reminded the pack's days before."""
    from kehu.development.services import pool_sweep

    return pool_sweep()
