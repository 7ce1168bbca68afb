"""The scheduled jobs are registered and idempotent per day."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

import kehu.workflow.tasks  # noqa: F401 - registers the jobs (huey imports tasks.py at start-up)
from kehu.core.jobs import job_execute, job_get
from kehu.customers.models import CustomerStatus
from kehu.customers.tests.factories import QualificationFactory


def test_the_expiry_job_applies_once_per_day(active_customer, sales_reviewer):
    QualificationFactory(customer=active_customer, expires_on=timezone.localdate() - timedelta(days=1),
                         verified_at=timezone.now())
    job = job_get("workflow.qualification_expiry")
    first = job_execute(job, key="2025-06-02")
    second = job_execute(job, key="2025-06-02")
    active_customer.refresh_from_db()
    assert active_customer.status == CustomerStatus.SUSPENDED
    assert (first.status, second.status) == ("ok", "skipped")  # the second run did not apply again


def test_the_access_expiry_job_is_registered(db):
    run = job_execute(job_get("workflow.access_grants_expire"), key="t")
    assert run.result == {"expired": 0}
