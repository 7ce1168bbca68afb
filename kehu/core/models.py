"""Platform records: the runs of background and scheduled jobs."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobRunStatus(models.TextChoices):
    RUNNING = "running", _("运行中")
    OK = "ok", _("成功")
    FAILED = "failed", _("失败")
    SKIPPED = "skipped", _("已跳过（重复）")
    # The worker died (killed, crashed) or lost the database mid-run: the job's transaction was rolled back,
    # nothing of it was applied, and the same key may run again.
    INTERRUPTED = "interrupted", _("已中断（可重试）")


class JobTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("定时")
    QUEUE = "queue", _("后台队列")
    CLI = "cli", _("命令行")
    DIRECT = "direct", _("程序调用")


class JobRun(models.Model):
    """One run of a job. A job with an idempotency key applies at most once per key: while one run of
    (name, key) is running or has succeeded, another run of the same key is recorded as skipped."""

    name = models.CharField(_("任务"), max_length=100, db_index=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=200, blank=True, default="")
    args = models.JSONField(_("参数"), default=dict, blank=True)
    trigger = models.CharField(_("触发方式"), max_length=20, choices=JobTrigger.choices, default=JobTrigger.DIRECT)
    status = models.CharField(_("状态"), max_length=20, choices=JobRunStatus.choices, default=JobRunStatus.RUNNING)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    message = models.TextField(_("信息"), blank=True)
    result = models.JSONField(_("结果摘要"), null=True, blank=True)
    worker = models.CharField(_("执行进程"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("任务运行记录")
        verbose_name_plural = _("任务运行记录")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["name", "-started_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "idempotency_key"],
                condition=Q(status__in=["running", "ok"]) & ~Q(idempotency_key=""),
                name="core_jobrun_once_per_key",
            )
        ]

    def __str__(self) -> str:
        key = f" [{self.idempotency_key}]" if self.idempotency_key else ""
        return f"{self.name}{key} {self.get_status_display()}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
