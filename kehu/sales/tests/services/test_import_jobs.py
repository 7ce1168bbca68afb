"""Import jobs whose worker died: heartbeat, shown as interrupted, retry."""

import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from kehu.core.errors import ServiceError
from kehu.sales.models import ImportJob, ImportStatus, Pickup
from kehu.sales.services import (
    STALE_AFTER,
    _Heartbeat,
    import_job_retry,
    import_jobs_mark_interrupted,
    import_progress_path,
)
from kehu.sales.tests.conftest import HEADER


def _job(user, *, status=ImportStatus.RUNNING, silent_for=timedelta(0), content=None) -> ImportJob:
    job = ImportJob(original_name="p.csv", created_by=user, status=status)
    body = content or ("\ufeff" + ",".join(HEADER) + "\r\nC001,客户,PE-LLDP,1,吨,10,2024-03-01,JN-01,R1\r\n")
    job.file.save("p.csv", ContentFile(body.encode()), save=False)
    job.save()
    past = timezone.now() - silent_for
    ImportJob.objects.filter(pk=job.pk).update(created_at=past, started_at=past, heartbeat_at=past)
    job.refresh_from_db()
    import_progress_path(job.pk).unlink(missing_ok=True)
    return job


@pytest.fixture
def clerk(make_user):
    return make_user("sales_reviewer", "sales", username="clerk")


def test_a_running_job_silent_longer_than_the_limit_is_shown_as_interrupted(client, clerk, catalogue, customers):
    job = _job(clerk, silent_for=STALE_AFTER + timedelta(minutes=1))
    client.force_login(clerk)
    page = client.get(reverse("sales:import_job", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.INTERRUPTED
    assert "已中断" in page and "重新导入" in page and "hx-trigger" not in page


def test_a_running_job_with_a_recent_heartbeat_stays_running(client, clerk, catalogue, customers):
    job = _job(clerk, silent_for=STALE_AFTER - timedelta(seconds=30))
    client.force_login(clerk)
    page = client.get(reverse("sales:import_job", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING and "hx-trigger" in page


def test_a_fresh_progress_file_counts_as_a_sign_of_life(clerk, catalogue, customers):
    job = _job(clerk, silent_for=STALE_AFTER * 3)
    path = import_progress_path(job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"phase": "read", "percent": 10}')
    assert import_jobs_mark_interrupted() == 0
    path.unlink()


def test_the_sweep_marks_only_silent_running_jobs(clerk, catalogue, customers):
    silent = _job(clerk, silent_for=STALE_AFTER * 2)
    alive = _job(clerk)
    done = _job(clerk, status=ImportStatus.SUCCEEDED, silent_for=STALE_AFTER * 2)
    assert import_jobs_mark_interrupted() == 1
    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses == {silent.pk: ImportStatus.INTERRUPTED, alive.pk: ImportStatus.RUNNING,
                        done.pk: ImportStatus.SUCCEEDED}


def test_an_interrupted_import_can_be_retried_and_loads_the_file(client, clerk, catalogue, customers,
                                                                  django_capture_on_commit_callbacks):
    job = _job(clerk, status=ImportStatus.INTERRUPTED)
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("sales:import_retry", args=[job.pk]))
    assert resp.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and job.attempts == 1
    assert list(Pickup.objects.values_list("source_ref", flat=True)) == ["R1"]


def test_a_silent_running_job_can_be_retried_directly(clerk, catalogue, customers, django_capture_on_commit_callbacks):
    job = _job(clerk, silent_for=STALE_AFTER * 2)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_retry(actor=clerk, job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED


def test_a_finished_import_cannot_be_retried(clerk, catalogue, customers):
    job = _job(clerk, status=ImportStatus.SUCCEEDED)
    with pytest.raises(ServiceError):
        import_job_retry(actor=clerk, job=job)


def test_a_live_running_import_cannot_be_retried(clerk, catalogue, customers):
    job = _job(clerk)
    with pytest.raises(ServiceError):
        import_job_retry(actor=clerk, job=job)


def test_a_heartbeat_touches_the_progress_file(clerk, catalogue, customers):
    job = _job(clerk)
    path = import_progress_path(job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    old = time.time() - 600
    import os

    os.utime(path, (old, old))
    _Heartbeat(job.pk).beat()
    assert path.stat().st_mtime > old + 500
    path.unlink()


@pytest.mark.django_db(transaction=True)
def test_the_worker_thread_sets_the_heartbeat_while_the_import_runs(on_postgres, make_user, catalogue, customers):
    """PostgreSQL: the beat is written in the thread's own connection, visible while the import's transaction
    is still open."""
    clerk = make_user("sales_reviewer", "sales", username="clerk")
    job = _job(clerk, silent_for=timedelta(minutes=10))
    before = job.heartbeat_at
    with _Heartbeat(job.pk, interval=0.05):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.heartbeat_at > before:
                break
            time.sleep(0.05)
    assert job.heartbeat_at > before
