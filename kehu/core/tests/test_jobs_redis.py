"""Redis mode: a RedisHuey queue carries a job to a worker, which runs and records it."""

from __future__ import annotations

import os
import uuid

import pytest

from kehu.core.jobs import kehu_job
from kehu.core.models import JobRun, JobRunStatus, JobTrigger

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("KEHU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@kehu_job(name="tests.redis_echo")
def redis_echo(*, word: str) -> dict:
    return {"echo": word}


@pytest.fixture
def redis_huey():
    import redis
    from huey import RedisHuey

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but Redis is not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    huey = RedisHuey(name=f"kehu-test-{uuid.uuid4().hex[:8]}", url=REDIS_URL, immediate=False)
    yield huey
    huey.flush()


def test_a_job_queued_on_redis_is_run_by_a_worker_and_recorded(redis_huey):
    task = redis_echo.huey_task_for(redis_huey)
    task(key="r1", kwargs={"word": "你好"})
    assert redis_huey.pending_count() == 1
    assert not JobRun.objects.filter(name="tests.redis_echo").exists()  # queued, not yet run

    redis_huey.execute(redis_huey.dequeue())  # what a consumer process does

    run = JobRun.objects.get(name="tests.redis_echo")
    assert (run.status, run.trigger, run.result) == (JobRunStatus.OK, JobTrigger.QUEUE, {"echo": "你好"})
    assert redis_huey.pending_count() == 0


def test_a_repeated_key_on_redis_applies_once(redis_huey):
    task = redis_echo.huey_task_for(redis_huey)
    task(key="same", kwargs={"word": "a"})
    task(key="same", kwargs={"word": "a"})
    redis_huey.execute(redis_huey.dequeue())
    redis_huey.execute(redis_huey.dequeue())
    statuses = sorted(JobRun.objects.filter(name="tests.redis_echo").values_list("status", flat=True))
    assert statuses == [JobRunStatus.OK, JobRunStatus.SKIPPED]
