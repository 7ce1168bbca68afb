"""Platform jobs. Other apps declare theirs in their own tasks.py with kehu.core.jobs.kehu_job / kehu_periodic_job."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab

from kehu.core.jobs import kehu_job, kehu_periodic_job
from kehu.core.models import JobRun

JOBRUN_KEEP_DAYS = 180


@kehu_periodic_job(name="core.jobrun_prune", crontab=crontab(hour=3, minute=30), period="day")
def jobrun_prune(*, keep_days: int = JOBRUN_KEEP_DAYS) -> dict:
    """清理半年前的任务运行记录 / delete job runs older than `keep_days` days."""
    cutoff = timezone.now() - timedelta(days=int(keep_days))
    deleted, _ = JobRun.objects.filter(started_at__lt=cutoff).delete()
    return {"deleted": deleted, "before": cutoff.date().isoformat()}


@kehu_job(name="core.ping")
def ping() -> dict:
    """检查任务队列是否在工作 / proves a worker picks up and records jobs."""
    return {"pong": timezone.now().isoformat()}
