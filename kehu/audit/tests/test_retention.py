"""Audit records are kept at least six months and cannot be changed or deleted inside that period."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import transaction
from django.utils import timezone

from kehu.audit import retention
from kehu.audit.retention import AuditRecordProtected, audit_prune, months_before, retention_cutoff
from kehu.core.models import JobRunStatus
from kehu.customers.models import ArchiveEvent, Customer, CustomerRead
from kehu.customers.services import archive_event_record, customer_read_record, customer_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(am_user, customer_factory):
    customer = customer_factory(owner=am_user, name="济南鲁兴塑料制品有限公司")
    customer_update(actor=am_user, customer=customer, expected_version=1, address="济南市历下区", reason="地址变更")
    customer_read_record(customer=customer, actor=am_user, channel="page")
    archive_event_record(customer=customer, actor=am_user, kind="handover", summary="移交")
    return customer


def _age(model, field: str, pk: int, when: datetime) -> None:
    # Test set-up only: a queryset update is the one way to backdate a row (and why the guard is an ORM guard).
    model._default_manager.filter(pk=pk).update(**{field: when})


def _local(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, datetime.min.time()))


def test_a_history_row_cannot_be_edited(archive):
    row = Customer.history.filter(id=archive.pk).latest("history_date")
    row.history_change_reason = "改写原因"
    with pytest.raises(AuditRecordProtected, match="审计记录不可修改"):
        row.save()
    assert Customer.history.get(history_id=row.history_id).history_change_reason == "地址变更"


def test_a_read_log_entry_cannot_be_edited_or_deleted(archive, am_user):
    read = CustomerRead.objects.get(customer=archive)
    read.channel = "api"
    with pytest.raises(AuditRecordProtected):
        read.save()
    # A refused delete aborts the transaction it runs in (Django deletes inside one): a savepoint per attempt.
    with pytest.raises(AuditRecordProtected, match="保存期内不可删除"), transaction.atomic():
        read.delete()
    with pytest.raises(AuditRecordProtected), transaction.atomic():
        CustomerRead.objects.filter(customer=archive).delete()
    assert CustomerRead.objects.filter(customer=archive, channel="page").count() == 1


def test_deleting_a_customer_would_take_its_read_log_and_is_refused(archive):
    with pytest.raises(AuditRecordProtected), transaction.atomic():
        archive.delete()
    assert Customer.objects.filter(pk=archive.pk).exists()
    assert CustomerRead.objects.filter(customer=archive).exists() and ArchiveEvent.objects.filter(customer=archive)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 12, 6), 6, date(2026, 6, 6)),
    (date(2026, 8, 31), 6, date(2026, 2, 28)),
    (date(2026, 3, 31), 12, date(2025, 3, 31)),
    (date(2027, 1, 15), 6, date(2026, 7, 15)),
])
def test_months_before_counts_calendar_months(day, months, expected):
    assert months_before(day, months) == expected


def test_pruning_refuses_any_date_inside_the_retention_period(archive, settings):
    settings.KEHU_AUDIT_RETENTION_MONTHS = 6
    cutoff = retention_cutoff()
    with pytest.raises(AuditRecordProtected, match="拒绝清理"):
        audit_prune(before=cutoff + timedelta(days=1))
    assert CustomerRead.objects.count() == 1


def test_a_setting_below_six_months_does_not_shorten_the_period(archive, settings):
    settings.KEHU_AUDIT_RETENTION_MONTHS = 1
    today = timezone.localdate()
    assert retention_cutoff(today) == months_before(today, 6)
    with pytest.raises(AuditRecordProtected):
        audit_prune(before=today - timedelta(days=60))


def test_pruning_deletes_only_rows_older_than_the_period(archive, am_user, settings):
    settings.KEHU_AUDIT_RETENTION_MONTHS = 6
    cutoff = retention_cutoff()
    kept = CustomerRead.objects.get(customer=archive)
    _age(CustomerRead, "at", kept.pk, _local(cutoff))  # the first day of the period: kept
    customer_read_record(customer=archive, actor=am_user, channel="api")
    old = CustomerRead.objects.get(customer=archive, channel="api")
    _age(CustomerRead, "at", old.pk, _local(cutoff) - timedelta(seconds=1))  # the last second before: pruned
    old_history = Customer.history.filter(id=archive.pk).earliest("history_date")
    _age(Customer.history.model, "history_date", old_history.history_id, _local(cutoff - timedelta(days=400)))

    dry = audit_prune(dry_run=True)
    assert dry["deleted"] == {"customers.HistoricalCustomer": 1, "customers.CustomerRead": 1}
    assert CustomerRead.objects.count() == 2

    result = audit_prune()
    assert result["deleted"] == {"customers.HistoricalCustomer": 1, "customers.CustomerRead": 1}
    assert list(CustomerRead.objects.values_list("pk", flat=True)) == [kept.pk]
    assert Customer.history.filter(id=archive.pk).count() == 1  # the edit inside the period is kept


def test_the_prune_job_records_a_refusal(archive):
    from kehu.audit.tasks import audit_prune_job

    run = audit_prune_job.run(before=timezone.localdate().isoformat())
    assert run.status == JobRunStatus.FAILED and "拒绝清理" in run.message
    assert CustomerRead.objects.count() == 1


def test_the_system_refuses_to_start_with_less_than_six_months(settings):
    settings.KEHU_AUDIT_RETENTION_MONTHS = 5
    with pytest.raises(SystemCheckError, match=r"audit\.E001"):
        call_command("check")
    settings.KEHU_AUDIT_RETENTION_MONTHS = 6
    assert retention.check_retention_setting() == []


def test_every_history_table_is_an_audit_record():
    from django.apps import apps

    history = {m for m in apps.get_models() if m.__name__.startswith("Historical")}
    assert history and history <= retention.audit_models()
