"""Background and scheduled jobs on huey, each run recorded as a `JobRun` an administrator can see.

Declare a job in your app's `tasks.py` (huey imports every app's tasks.py at start-up):

    from huey import crontab
    from kehu.core.jobs import kehu_job, kehu_periodic_job

    @kehu_periodic_job(name="qualifications.expiry_check", crontab=crontab(hour=1, minute=0), period="day")
    def expiry_check(*, key):            # `key` is optional: declare it to receive the idempotency key
        ...
        return {"suspended": 12}         # the result summary shown in the admin (JSON-serialisable)

    @kehu_job(name="reports.monthly_export")
    def monthly_export(*, month: str):
        ...

    monthly_export.enqueue(key="2026-11", month="2026-11")   # background (huey worker); use on_commit in services
    monthly_export.run(key="2026-11", month="2026-11")       # now, in this process
    # CLI: manage.py kehu_job run reports.monthly_export --key 2026-11 --arg month=2026-11

Idempotency: a run with a key applies at most once per (job, key). A periodic job's key is its period
("2026-11-23" for period="day"), so two schedulers or a retry on the same day do not apply it twice.
The job body runs in one transaction with the "ok" record: either both are saved or neither is.
"""

from __future__ import annotations

import inspect
import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from kehu.core.logs import database_unavailable, request_id_var
from kehu.core.models import JobRun, JobRunStatus, JobTrigger

logger = logging.getLogger("kehu.jobs")

_MESSAGE_MAX = 4000


class JobError(Exception):
    """A job run failed; the JobRun holds the message."""


class UnknownJob(KeyError):
    pass


def period_key(period: str | Callable[[datetime], str], now: datetime | None = None) -> str:
    """The idempotency key of a scheduled run: the period it belongs to, in local (Asia/Shanghai) time."""
    now = timezone.localtime(now or timezone.now())
    if callable(period):
        return period(now)
    formats = {"minute": "%Y-%m-%dT%H:%M", "hour": "%Y-%m-%dT%H", "day": "%Y-%m-%d", "month": "%Y-%m",
               "year": "%Y"}
    if period == "week":
        year, week, _ = now.isocalendar()
        return f"{year}-W{week:02d}"
    if period not in formats:
        raise ValueError(f"unknown period {period!r}: use one of {sorted([*formats, 'week'])} or a callable")
    return now.strftime(formats[period])


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    return str(value)


@dataclass
class Job:
    name: str
    func: Callable[..., Any]
    label: str = ""
    crontab: Callable | None = None
    period: str | Callable[[datetime], str] = "minute"
    retries: int = 0
    retry_delay: int = 60
    _takes_key: bool = field(default=False, repr=False)
    _huey_task: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._takes_key = "key" in inspect.signature(self.func).parameters

    @property
    def periodic(self) -> bool:
        return self.crontab is not None

    def __call__(self, *args, **kwargs):
        """The plain function, unrecorded (for unit tests of the job's logic)."""
        return self.func(*args, **kwargs)

    def run(self, *, key: str = "", trigger: str = JobTrigger.DIRECT, **kwargs) -> JobRun:
        """Run now in this process and record it; returns the JobRun (status ok, failed or skipped)."""
        return job_execute(self, key=key, trigger=trigger, kwargs=kwargs)

    def enqueue(self, *, key: str = "", **kwargs):
        """Queue for a huey worker (runs immediately in tests). Call from transaction.on_commit in services."""
        return self._huey_task(key=key, kwargs=kwargs)

    def huey_task_for(self, huey) -> Any:
        """Register this job on another huey instance (e.g. a RedisHuey in tests); returns the task."""
        return _make_huey_task(huey, self)


REGISTRY: dict[str, Job] = {}


def job_get(name: str) -> Job:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownJob(name) from None


def _worker_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _claim(job: Job, key: str, trigger: str, kwargs: dict) -> tuple[JobRun, bool]:
    """Insert the run. With a key, the partial unique constraint lets only one running-or-ok run exist."""
    args = _json_safe(kwargs)
    try:
        with transaction.atomic():
            run = JobRun.objects.create(name=job.name, idempotency_key=key, args=args, trigger=trigger,
                                        status=JobRunStatus.RUNNING, worker=_worker_label())
        return run, True
    except IntegrityError:
        previous = (JobRun.objects.filter(name=job.name, idempotency_key=key,
                                          status__in=[JobRunStatus.RUNNING, JobRunStatus.OK])
                    .order_by("-started_at").first())
        when = timezone.localtime(previous.started_at).strftime("%Y-%m-%d %H:%M:%S") if previous else "?"
        state = previous.get_status_display() if previous else ""
        now = timezone.now()
        run = JobRun.objects.create(
            name=job.name, idempotency_key=key, args=args, trigger=trigger, status=JobRunStatus.SKIPPED,
            started_at=now, finished_at=now, worker=_worker_label(),
            message=f"同一幂等键已于 {when} 执行（{state}），本次跳过。",
            result={"previous_run": previous.pk} if previous else None,
        )
        return run, False


def job_execute(job: Job, *, key: str = "", trigger: str = JobTrigger.DIRECT, kwargs: dict | None = None) -> JobRun:
    """Run `job` once for `key` and record the run. Never raises for a failure of the job itself."""
    kwargs = dict(kwargs or {})
    run, claimed = _claim(job, key, trigger, kwargs)
    if not claimed:
        return run
    call_kwargs = {**kwargs, "key": key} if job._takes_key else kwargs
    token = request_id_var.set(f"job:{job.name}:{run.pk}")
    started = time.perf_counter()
    logger.info("job %s started", job.name, extra={"job": job.name, "run": run.pk, "key": key})
    try:
        with transaction.atomic():
            result = job.func(**call_kwargs)
            run.status = JobRunStatus.OK
            run.result = _json_safe(result)
            run.finished_at = timezone.now()
            run.message = ""
            run.save(update_fields=["status", "result", "finished_at", "message"])
    except Exception as exc:  # a failing job is recorded, not propagated
        tb = traceback.format_exc(limit=8)
        run.finished_at = timezone.now()
        run.result = None
        if database_unavailable(exc):
            logger.error("job %s (key %r) interrupted: database unavailable", job.name, key, exc_info=True)
            run.status = JobRunStatus.INTERRUPTED
            run.message = (f"数据库连接中断，任务未完成（事务已回滚），可重试。\n"
                           f"{type(exc).__name__}: {exc}")[:_MESSAGE_MAX]
            _save_when_database_is_back(run)
        else:
            logger.exception("job %s (key %r) failed", job.name, key)
            run.status = JobRunStatus.FAILED
            run.message = f"{type(exc).__name__}: {exc}\n\n{tb}"[:_MESSAGE_MAX]
            run.save(update_fields=["status", "finished_at", "message", "result"])
    else:
        logger.info("job %s ok", job.name, extra={"job": job.name, "run": run.pk, "key": key,
                                                   "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    finally:
        request_id_var.reset(token)
    return run


# How long a worker that lost the database keeps trying to record that its run was interrupted (a restart of
# PostgreSQL takes seconds). After that the run stays "running" until jobruns_mark_interrupted finds its process.
RECORD_RETRY_SECONDS = 120


def record_when_database_is_back(write: Callable[[], Any], *, what: str) -> bool:
    """Run `write` (recording a failure); when the database is not answering, reconnect and try again for up to
    RECORD_RETRY_SECONDS (a PostgreSQL restart takes seconds). False when it could not be recorded."""
    from django.db import connection

    deadline = time.monotonic() + RECORD_RETRY_SECONDS
    while True:
        try:
            if not connection.in_atomic_block:
                connection.close()  # drop the dead connection; the next query opens a new one
            write()
            return True
        except Exception as exc:
            if not database_unavailable(exc) or time.monotonic() > deadline:
                logger.error("%s could not be recorded: %s", what, exc)
                return False
            time.sleep(2)


def _save_when_database_is_back(run: JobRun) -> None:
    record_when_database_is_back(
        lambda: run.save(update_fields=["status", "finished_at", "message", "result"]),
        what=f"job run {run.pk} (interrupted)")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def jobruns_mark_interrupted() -> int:
    """Runs still "running" whose worker process on this machine no longer exists were interrupted (the process was
    killed or crashed; its transaction was rolled back). Marks them so, which frees their key for a retry.
    Called when a worker starts, every few minutes by core.jobrun_recover, and by `kehu_job recover`."""
    host = socket.gethostname()
    now = timezone.now()
    marked = 0
    for run in JobRun.objects.filter(status=JobRunStatus.RUNNING, worker__startswith=f"{host}:"):
        pid_text = run.worker.rsplit(":", 1)[-1]
        if not pid_text.isdigit() or int(pid_text) == os.getpid() or _pid_alive(int(pid_text)):
            continue
        marked += JobRun.objects.filter(pk=run.pk, status=JobRunStatus.RUNNING).update(
            status=JobRunStatus.INTERRUPTED, finished_at=now,
            message=f"执行进程 {run.worker} 已不存在（被终止或崩溃），任务未完成，事务已回滚，可重试。")
    if marked:
        logger.warning("%d job run(s) marked interrupted", marked)
    return marked


def job_retry(run: JobRun, *, now: bool = False) -> JobRun | Any:
    """Run an interrupted or failed run again with the same key and arguments: queued (default) or now."""
    if run.status not in (JobRunStatus.INTERRUPTED, JobRunStatus.FAILED):
        raise JobError(f"只能重试已中断或失败的任务（#{run.pk} 为“{run.get_status_display()}”）")
    job = job_get(run.name)
    kwargs = dict(run.args or {})
    if now:
        return job.run(key=run.idempotency_key, trigger=JobTrigger.CLI, **kwargs)
    return job.enqueue(key=run.idempotency_key, **kwargs)


def _close_stale_connections() -> None:
    """Like djhuey's db_task: a worker drops broken or expired connections around each job — but never inside
    a transaction (immediate mode in tests, or a job executed from within a request)."""
    if not transaction.get_connection().in_atomic_block:
        close_old_connections()


def _make_huey_task(huey, job: Job):
    task_name = f"kehu_job:{job.name}"

    def _queued(key: str = "", kwargs: dict | None = None, trigger: str = JobTrigger.QUEUE) -> int:
        _close_stale_connections()
        try:
            run = job_execute(job, key=key, trigger=trigger, kwargs=kwargs)
        finally:
            _close_stale_connections()
        if run.status == JobRunStatus.FAILED:
            # Let huey's retries and error signals see the failure too.
            raise JobError(run.message.splitlines()[0] if run.message else job.name)
        return run.pk

    return huey.task(retries=job.retries, retry_delay=job.retry_delay, name=task_name)(_queued)


def _make_huey_periodic(huey, job: Job):
    def _scheduled() -> int:
        _close_stale_connections()
        try:
            run = job_execute(job, key=period_key(job.period), trigger=JobTrigger.SCHEDULE)
        finally:
            _close_stale_connections()
        return run.pk

    return huey.periodic_task(job.crontab, name=f"kehu_periodic:{job.name}")(_scheduled)


def _default_huey():
    from huey.contrib.djhuey import HUEY

    return HUEY


def _register(job: Job) -> Job:
    if job.name in REGISTRY and REGISTRY[job.name].func is not job.func:
        raise ValueError(f"job {job.name!r} is declared twice")
    huey = _default_huey()
    job._huey_task = _make_huey_task(huey, job)
    if job.periodic:
        _make_huey_periodic(huey, job)
    REGISTRY[job.name] = job
    return job


def kehu_job(*, name: str, label: str = "", retries: int = 0, retry_delay: int = 60) -> Callable[..., Job]:
    """Declare a background job (run by `.enqueue()`, `.run()` or `manage.py kehu_job run <name>`)."""

    def deco(func: Callable[..., Any]) -> Job:
        return _register(Job(name=name, func=func, label=label or (func.__doc__ or "").strip().split("\n")[0],
                             retries=retries, retry_delay=retry_delay))

    return deco


def kehu_periodic_job(*, name: str, crontab: Callable, period: str | Callable[[datetime], str] = "minute",
                      label: str = "", retries: int = 0, retry_delay: int = 60) -> Callable[..., Job]:
    """Declare a scheduled job. `period` ("minute", "hour", "day", "week", "month", "year" or a callable on the
    local time) makes the idempotency key, so a job applies once per period whoever runs it."""

    def deco(func: Callable[..., Any]) -> Job:
        return _register(Job(name=name, func=func, label=label or (func.__doc__ or "").strip().split("\n")[0],
                             crontab=crontab, period=period, retries=retries, retry_delay=retry_delay))

    return deco
