"""Qualification expiry (000 第十五条) across a simulated calendar: reminders 30/7/1 days before, suspension,
renewal lifting it, and a job that may run twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from kehu.customers.models import CustomerStatus, LicenceType
from kehu.customers.tests.factories import QualificationFactory
from kehu.workflow.models import ExpirySuspension, Notification, QualificationNotice
from kehu.workflow.services import qualification_expiry_run, qualification_renewal_check

EXPIRES = date(2025, 7, 31)


@pytest.fixture
def licensed(active_customer):
    QualificationFactory(customer=active_customer, licence_type=LicenceType.BUSINESS_LICENCE, expires_on=EXPIRES,
                         verified_at=timezone.now())
    return active_customer


def _owner_notices(customer):
    return Notification.objects.filter(user=customer.owner, kind="qualification_expiry")


def test_owner_and_sales_are_reminded_30_7_and_1_days_before(licensed, sales_reviewer):
    for day in range(60, -1, -1):
        qualification_expiry_run(today=EXPIRES - timedelta(days=day))
    kinds = sorted(QualificationNotice.objects.values_list("kind", flat=True))
    assert kinds == ["d1", "d30", "d7"]
    assert _owner_notices(licensed).count() == 3
    assert Notification.objects.filter(user=sales_reviewer, kind="qualification_expiry").count() == 3


def test_running_the_job_twice_notifies_once(licensed, sales_reviewer):
    qualification_expiry_run(today=EXPIRES - timedelta(days=30))
    second = qualification_expiry_run(today=EXPIRES - timedelta(days=30))
    assert second.notices == 0 and second.notifications == 0
    assert _owner_notices(licensed).count() == 1


def test_the_customer_is_still_active_on_the_expiry_day(licensed):
    qualification_expiry_run(today=EXPIRES)
    licensed.refresh_from_db()
    assert licensed.status == CustomerStatus.ACTIVE


def test_the_day_after_expiry_the_customer_is_suspended_once(licensed, sales_reviewer):
    first = qualification_expiry_run(today=EXPIRES + timedelta(days=1))
    second = qualification_expiry_run(today=EXPIRES + timedelta(days=2))
    licensed.refresh_from_db()
    assert licensed.status == CustomerStatus.SUSPENDED
    assert (first.suspended, second.suspended) == (1, 0)
    assert ExpirySuspension.objects.filter(customer=licensed).count() == 1
    assert licensed.events.filter(summary__contains="暂停业务").count() == 1
    assert licensed.history.first().history_change_reason.startswith("资质到期")


def test_a_verified_renewal_lifts_the_suspension(licensed):
    qualification_expiry_run(today=EXPIRES + timedelta(days=1))
    QualificationFactory(customer=licensed, licence_type=LicenceType.BUSINESS_LICENCE,
                         expires_on=EXPIRES + timedelta(days=3650), verified_at=timezone.now())
    assert qualification_renewal_check(licensed, today=EXPIRES + timedelta(days=3)) is True
    licensed.refresh_from_db()
    assert licensed.status == CustomerStatus.ACTIVE
    assert ExpirySuspension.objects.get(customer=licensed).lifted_at is not None


def test_an_unverified_renewal_does_not_lift_it(licensed):
    qualification_expiry_run(today=EXPIRES + timedelta(days=1))
    QualificationFactory(customer=licensed, licence_type=LicenceType.BUSINESS_LICENCE,
                         expires_on=EXPIRES + timedelta(days=3650))
    assert qualification_renewal_check(licensed, today=EXPIRES + timedelta(days=3)) is False
    licensed.refresh_from_db()
    assert licensed.status == CustomerStatus.SUSPENDED


def test_the_daily_job_also_lifts_when_the_renewal_hook_was_not_called(licensed):
    qualification_expiry_run(today=EXPIRES + timedelta(days=1))
    QualificationFactory(customer=licensed, licence_type=LicenceType.BUSINESS_LICENCE,
                         expires_on=EXPIRES + timedelta(days=3650), verified_at=timezone.now())
    result = qualification_expiry_run(today=EXPIRES + timedelta(days=2))
    licensed.refresh_from_db()
    assert result.lifted == 1 and licensed.status == CustomerStatus.ACTIVE


def test_a_renewed_qualification_gets_no_reminders(licensed):
    QualificationFactory(customer=licensed, licence_type=LicenceType.BUSINESS_LICENCE,
                         expires_on=EXPIRES + timedelta(days=3650), verified_at=timezone.now())
    qualification_expiry_run(today=EXPIRES - timedelta(days=7))
    assert not QualificationNotice.objects.exists()


def test_a_disqualified_customer_is_not_reinstated_by_a_renewal(licensed):
    licensed.status = CustomerStatus.DISQUALIFIED
    licensed.save()
    QualificationFactory(customer=licensed, licence_type=LicenceType.BUSINESS_LICENCE,
                         expires_on=EXPIRES + timedelta(days=3650), verified_at=timezone.now())
    assert qualification_renewal_check(licensed, today=EXPIRES + timedelta(days=3)) is False


def test_the_job_runs_in_a_fixed_number_of_queries(customer_factory, am_user, django_assert_max_num_queries):
    for i in range(8):
        c = customer_factory(owner=am_user, name=f"客户{i}")
        QualificationFactory(customer=c, expires_on=EXPIRES, verified_at=timezone.now())
    with django_assert_max_num_queries(30):
        result = qualification_expiry_run(today=EXPIRES + timedelta(days=1))
    assert result.suspended == 8


def test_uploading_a_verified_renewal_in_the_archive_lifts_the_suspension_at_once(active_customer, am_user):
    from kehu.customers.services import qualification_save

    today = timezone.localdate()
    QualificationFactory(customer=active_customer, licence_type=LicenceType.BUSINESS_LICENCE,
                         expires_on=today - timedelta(days=1), verified_at=timezone.now())
    qualification_expiry_run(today=today)
    active_customer.refresh_from_db()
    assert active_customer.status == CustomerStatus.SUSPENDED

    qualification_save(actor=am_user, customer=active_customer, licence_type=LicenceType.BUSINESS_LICENCE,
                       number="RENEWED-1", issued_on=today, expires_on=today + timedelta(days=3650), verified=True)
    active_customer.refresh_from_db()
    assert active_customer.status == CustomerStatus.ACTIVE
