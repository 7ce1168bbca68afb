"""Scheduled jobs, recorded as JobRun rows (kehu.core.jobs) with the day as idempotency key. The job bodies are
also idempotent by their own records: running one twice the same day suspends once and notifies once."""

from __future__ import annotations

from huey import crontab

from kehu.core.jobs import kehu_periodic_job


@kehu_periodic_job(name="workflow.qualification_expiry", crontab=crontab(hour="1", minute="10"), period="day",
                   label="资质到期检查（000 第十五条）")
def qualification_expiry_daily():
    """Reminders 30/7/1 days before expiry, suspension after, lifting after a verified renewal."""
    from kehu.workflow.services import qualification_expiry_run

    return qualification_expiry_run().__dict__


@kehu_periodic_job(name="workflow.access_grants_expire", crontab=crontab(minute="*/30"), period="hour",
                   label="档案查阅授权到期（001 第九条）")
def access_grants_expire_job():
    """Mark expired archive-access grants (visibility already stops at expires_at)."""
    from kehu.workflow.services import access_grants_expire

    return {"expired": access_grants_expire()}


@kehu_periodic_job(name="workflow.approval_overdue", crontab=crontab(hour="8", minute="30"), period="day",
                   label="审批步骤逾期提醒与升级")
def approval_overdue_daily():
    """Remind holders of overdue approval steps; escalate to their managers after a further working day."""
    from kehu.workflow.services import approval_overdue_run

    return approval_overdue_run().__dict__
