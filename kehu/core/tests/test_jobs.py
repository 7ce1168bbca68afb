"""The job runner: runs are recorded, a key applies once, failures are recorded with their message."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kehu.core.jobs import kehu_job, kehu_periodic_job, period_key
from kehu.core.models import JobRun, JobRunStatus, JobTrigger
from kehu.org.models import OrgUnit

pytestmark = pytest.mark.django_db

APPLIED: list[str] = []


@kehu_job(name="tests.add_unit")
def add_unit(*, key: str, code: str = "J1") -> dict:
    """Creates an org unit: a visible side effect to count."""
    APPLIED.append(key)
    OrgUnit.objects.create(code=f"{code}-{key}", name="任务测试", kind="department")
    return {"created": f"{code}-{key}"}


@kehu_job(name="tests.fails_half_way")
def fails_half_way() -> None:
    OrgUnit.objects.create(code="HALF", name="半途", kind="department")
    raise RuntimeError("上游接口超时")


@kehu_periodic_job(name="tests.daily", crontab=lambda dt: False, period="day")
def daily() -> str:
    return "done"


@pytest.fixture(autouse=True)
def _clear():
    APPLIED.clear()


def test_a_job_run_is_recorded_with_its_result():
    run = add_unit.run(key="a")
    run.refresh_from_db()
    assert run.status == JobRunStatus.OK
    assert run.result == {"created": "J1-a"}
    assert run.finished_at is not None and run.finished_at >= run.started_at


def test_running_twice_with_the_same_key_applies_once():
    first = add_unit.run(key="2026-11")
    second = add_unit.run(key="2026-11")
    assert APPLIED == ["2026-11"]
    assert OrgUnit.objects.filter(code="J1-2026-11").count() == 1
    assert first.status == JobRunStatus.OK
    assert second.status == JobRunStatus.SKIPPED
    assert "跳过" in second.message


def test_different_keys_each_apply():
    add_unit.run(key="k1")
    add_unit.run(key="k2")
    assert APPLIED == ["k1", "k2"]


def test_a_failing_job_records_failure_with_its_message():
    run = fails_half_way.run()
    run.refresh_from_db()
    assert run.status == JobRunStatus.FAILED
    assert "RuntimeError: 上游接口超时" in run.message


def test_a_failing_job_leaves_nothing_half_done():
    fails_half_way.run()
    assert not OrgUnit.objects.filter(code="HALF").exists()


def test_a_failed_key_may_be_run_again():
    @kehu_job(name="tests.flaky")
    def flaky(*, key: str) -> str:
        APPLIED.append(key)
        if len(APPLIED) == 1:
            raise ValueError("first try fails")
        return "ok"

    assert flaky.run(key="x").status == JobRunStatus.FAILED
    assert flaky.run(key="x").status == JobRunStatus.OK
    assert flaky.run(key="x").status == JobRunStatus.SKIPPED


def test_enqueue_runs_the_job_through_huey_and_records_it():
    add_unit.enqueue(key="q1", code="Q")
    run = JobRun.objects.get(name="tests.add_unit", idempotency_key="q1")
    assert run.trigger == JobTrigger.QUEUE
    assert run.args == {"code": "Q"}
    assert OrgUnit.objects.filter(code="Q-q1").exists()


def test_a_periodic_job_is_keyed_by_its_period():
    at = datetime(2026, 11, 23, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert period_key("day", at) == "2026-11-23"
    assert period_key("month", at) == "2026-11"
    assert period_key("week", at) == "2026-W48"


def test_the_period_is_taken_in_china_time():
    at = datetime(2026, 11, 22, 17, 30, tzinfo=ZoneInfo("UTC"))  # 01:30 on the 23rd in Shanghai
    assert period_key("day", at) == "2026-11-23"


def test_the_cli_runs_a_job_and_skips_a_repeated_key(capsys):
    call_command("kehu_job", "run", "tests.add_unit", "--key", "cli1", "--arg", "code=C")
    call_command("kehu_job", "run", "tests.add_unit", "--key", "cli1", "--arg", "code=C")
    out = capsys.readouterr().out
    assert "成功" in out and "跳过" in out
    assert OrgUnit.objects.filter(code="C-cli1").count() == 1
    assert JobRun.objects.get(name="tests.add_unit", status=JobRunStatus.OK).trigger == JobTrigger.CLI


def test_the_cli_reports_a_failed_job():
    with pytest.raises(CommandError, match="上游接口超时"):
        call_command("kehu_job", "run", "tests.fails_half_way")


def test_the_cli_refuses_an_unknown_job():
    with pytest.raises(CommandError, match="没有名为"):
        call_command("kehu_job", "run", "no.such.job")


def test_the_platform_prune_job_is_registered_and_runs():
    call_command("kehu_job", "run", "core.jobrun_prune", "--key", "2026-11-23")
    assert JobRun.objects.get(name="core.jobrun_prune").result["deleted"] == 0


def test_an_administrator_sees_job_runs_read_only(client, admin_user):
    add_unit.run(key="adm")
    client.force_login(admin_user)
    page = client.get(reverse("admin:core_jobrun_changelist"))
    assert page.status_code == 200
    assert "tests.add_unit" in page.content.decode()
    assert client.get(reverse("admin:core_jobrun_add")).status_code == 403
