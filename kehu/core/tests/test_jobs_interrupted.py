"""A job whose worker is killed, or loses the database, shows as interrupted (not "running" forever) and can be
retried with the same key; nothing of the interrupted run was applied."""

from __future__ import annotations

import os
import socket
import subprocess

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from kehu.core.jobs import JobError, job_retry, jobruns_mark_interrupted, kehu_job
from kehu.core.models import JobRun, JobRunStatus
from kehu.org.models import OrgUnit

pytestmark = pytest.mark.django_db

ATTEMPTS: list[str] = []


@kehu_job(name="tests.add_unit_once")
def add_unit_once(*, key: str, code: str) -> dict:
    ATTEMPTS.append(key)
    OrgUnit.objects.create(code=code, name="中断测试", kind="department")
    return {"created": code}


@kehu_job(name="tests.loses_database")
def loses_database(*, code: str) -> None:
    OrgUnit.objects.create(code=code, name="半途", kind="department")
    exc = OperationalError("terminating connection due to administrator command")
    exc.__cause__ = psycopg.errors.AdminShutdown("terminating connection due to administrator command")
    raise exc


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _running(worker: str, key: str = "2026-12") -> JobRun:
    return JobRun.objects.create(name="tests.add_unit_once", idempotency_key=key, args={"code": "U1"},
                                 status=JobRunStatus.RUNNING, worker=worker)


def test_a_run_whose_worker_process_died_is_marked_interrupted_and_its_key_runs_again():
    host = socket.gethostname()
    dead = _running(f"{host}:{_dead_pid()}")
    # while it counts as running, the key is taken
    assert add_unit_once.run(key="2026-12", code="U1").status == JobRunStatus.SKIPPED

    assert jobruns_mark_interrupted() == 1
    dead.refresh_from_db()
    assert dead.status == JobRunStatus.INTERRUPTED and dead.finished_at is not None
    assert "已不存在" in dead.message

    retried = job_retry(dead, now=True)
    assert retried.status == JobRunStatus.OK and retried.idempotency_key == "2026-12"
    assert OrgUnit.objects.filter(code="U1").count() == 1


def test_runs_of_live_processes_and_of_other_machines_are_left_alone():
    host = socket.gethostname()
    alive = _running(f"{host}:{os.getppid()}", key="a")
    elsewhere = _running(f"other-host:{_dead_pid()}", key="b")
    assert jobruns_mark_interrupted() == 0
    for run in (alive, elsewhere):
        run.refresh_from_db()
        assert run.status == JobRunStatus.RUNNING


def test_a_job_that_loses_the_database_is_interrupted_and_leaves_nothing_half_done():
    run = loses_database.run(code="HALF-DB")
    assert run.status == JobRunStatus.INTERRUPTED
    assert "数据库连接中断" in JobRun.objects.get(pk=run.pk).message
    assert not OrgUnit.objects.filter(code="HALF-DB").exists()


def test_only_interrupted_or_failed_runs_are_retried():
    ok = add_unit_once.run(key="k1", code="U2")
    with pytest.raises(JobError, match="只能重试"):
        job_retry(ok)


def test_the_cli_recovers_and_retries(capsys):
    dead = _running(f"{socket.gethostname()}:{_dead_pid()}", key="cli")
    call_command("kehu_job", "recover")
    assert "1" in capsys.readouterr().out
    call_command("kehu_job", "retry", str(dead.pk), "--now")
    assert "成功" in capsys.readouterr().out
    with pytest.raises(CommandError, match="只能重试"):
        call_command("kehu_job", "retry", str(JobRun.objects.filter(status=JobRunStatus.OK).first().pk))
