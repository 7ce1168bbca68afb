"""Platform jobs. Other apps declare theirs in their own tasks.py with kehu.core.jobs.kehu_job / kehu_periodic_job."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab

from kehu.core.jobs import jobruns_mark_interrupted, kehu_job, kehu_periodic_job
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


@kehu_periodic_job(name="core.jobrun_recover", crontab=crontab(minute="*/5"), period="minute")
def jobrun_recover() -> dict:
    """把执行进程已不存在的任务标记为已中断 / mark runs whose worker process died as interrupted."""
    return {"interrupted": jobruns_mark_interrupted()}


def _on_worker_start() -> None:
    # A consumer that starts after a crash marks the dead consumer's runs at once, not at the next 5-minute tick.
    from django.db import close_old_connections

    try:
        jobruns_mark_interrupted()
    finally:
        close_old_connections()


def _register_startup_hook() -> None:
    from huey.contrib.djhuey import HUEY

    if not HUEY.immediate:
        HUEY.on_startup(name="kehu-jobrun-recover")(_on_worker_start)


_register_startup_hook()
