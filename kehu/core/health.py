"""Health checks for a load balancer or an orchestrator.

`/healthz` says the process answers (no database, no session, no login): a failing one means "restart me".
`/readyz` says this instance can serve: the database answers, the job queue answers, and the working-day calendar
knows the current year (every deadline needs it). A failing one means "send no traffic here for now" and names
what is not ready, so the operator sees why without reading logs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

# A probe must answer quickly even when what it checks hangs.
QUEUE_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    ms: float


def _timed(name: str, probe: Callable[[], str]) -> Check:
    start = time.perf_counter()
    try:
        detail, ok = probe(), True
    except Exception as exc:  # a probe reports every failure, it never raises
        detail, ok = f"{type(exc).__name__}: {exc}".strip()[:300], False
    return Check(name=name, ok=ok, detail=detail, ms=round((time.perf_counter() - start) * 1000, 1))


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _queue() -> str:
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        return "immediate"
    redis_url = getattr(settings, "REDIS_URL", "")
    if redis_url:
        # A client of its own with a short timeout: huey's client waits indefinitely on a hung server.
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=QUEUE_TIMEOUT_SECONDS,
                                      socket_timeout=QUEUE_TIMEOUT_SECONDS)
        try:
            client.ping()
            pending = client.llen(HUEY.storage.queue_key)
        finally:
            client.close()
        return f"redis, {pending} pending"
    return f"{type(HUEY).__name__}, {HUEY.pending_count()} pending"


def _calendar() -> str:
    from kehu.workdays.calendar import CalendarYearMissing, year_data

    year = timezone.localdate().year
    data = year_data(year)  # raises CalendarYearMissing with the administrator's instructions
    try:
        year_data(year + 1)
        following = f"{year + 1} known"
    except CalendarYearMissing:
        following = f"{year + 1} not yet entered"
    return f"{year} ({data.source}); {following}"


READINESS_CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("database", _database),
    ("queue", _queue),
    ("calendar", _calendar),
)


def readiness() -> tuple[bool, list[Check]]:
    checks = [_timed(name, probe) for name, probe in READINESS_CHECKS]
    return all(c.ok for c in checks), checks
