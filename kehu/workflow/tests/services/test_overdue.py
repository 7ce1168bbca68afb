from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

import kehu.workflow.tasks  # noqa: F401 - registers the jobs
from kehu.core.jobs import job_execute, job_get
from kehu.workflow.models import Notification, StepOverdueNotice, StepStatus
from kehu.workflow.selectors import inbox_counts, steps_overdue_for
from kehu.workflow.services import admission_apply, approval_overdue_run, approval_step_decide
from kehu.workflow.tests.conftest import DIRECT_CONDITIONS

SH = ZoneInfo("Asia/Shanghai")
DUE = datetime(2025, 6, 3, 10, 0, tzinfo=SH)  # Tuesday, a working day
NEXT_MORNING = datetime(2025, 6, 4, 8, 30, tzinfo=SH)  # overdue, but not yet a further working day
TWO_DAYS_LATER = datetime(2025, 6, 5, 8, 30, tzinfo=SH)  # more than one working day past the due moment


@pytest.fixture
def overdue_step(am_user, prospect, reviewers):
    app = admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    step = app.approval.steps.get(status=StepStatus.PENDING)
    step.due_at = DUE
    step.save(update_fields=["due_at"])
    return step


def _kinds(user):
    return list(Notification.objects.filter(user=user, kind__startswith="approval_o").values_list("kind", flat=True))


def test_a_step_past_its_due_time_is_listed_as_overdue(am_user, prospect, reviewers, sales_reviewer):
    app = admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    app.approval.steps.filter(status=StepStatus.PENDING).update(due_at=timezone.now() - timedelta(hours=1))
    assert steps_overdue_for(sales_reviewer).count() == 1
    assert inbox_counts(sales_reviewer).overdue == 1


def test_nothing_is_sent_before_the_due_moment(overdue_step, sales_reviewer):
    result = approval_overdue_run(now=DUE - timedelta(minutes=1))
    assert (result.overdue, result.reminded) == (0, 0)
    assert _kinds(sales_reviewer) == []


def test_the_step_holder_is_reminded_once_the_due_moment_has_passed(overdue_step, sales_reviewer):
    result = approval_overdue_run(now=NEXT_MORNING)
    assert (result.reminded, result.escalated) == (1, 0)
    note = Notification.objects.get(user=sales_reviewer, kind="approval_overdue")
    assert "审批已逾期" in note.title and "2025-06-03 10:00" in note.body


def test_the_reminder_is_e_mailed_after_commit(overdue_step, sales_reviewer, mailoutbox,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        approval_overdue_run(now=NEXT_MORNING)
    assert [m.to for m in mailoutbox] == [["xs@example.com"]]
    assert "审批已逾期" in mailoutbox[0].subject


def test_running_twice_the_same_day_reminds_once(overdue_step, sales_reviewer):
    approval_overdue_run(now=NEXT_MORNING)
    second = approval_overdue_run(now=NEXT_MORNING + timedelta(hours=2))
    assert second.reminded == 0
    assert _kinds(sales_reviewer) == ["approval_overdue"]


def test_the_managers_are_told_after_a_further_working_day(overdue_step, sales_reviewer, manager_user):
    sales_reviewer.manager = manager_user
    sales_reviewer.save(update_fields=["manager"])
    approval_overdue_run(now=NEXT_MORNING)
    assert Notification.objects.filter(user=manager_user, kind="approval_escalated").count() == 0
    result = approval_overdue_run(now=TWO_DAYS_LATER)
    assert (result.reminded, result.escalated) == (0, 1)
    note = Notification.objects.get(user=manager_user, kind="approval_escalated")
    assert "钱审核" in note.body  # names the holder who let it slip
    assert approval_overdue_run(now=TWO_DAYS_LATER + timedelta(days=1)).escalated == 0


def test_a_weekend_does_not_count_as_the_further_working_day(overdue_step, sales_reviewer, manager_user):
    friday_due = datetime(2025, 6, 6, 10, 0, tzinfo=SH)
    overdue_step.due_at = friday_due
    overdue_step.save(update_fields=["due_at"])
    sales_reviewer.manager = manager_user
    sales_reviewer.save(update_fields=["manager"])
    monday = datetime(2025, 6, 9, 8, 30, tzinfo=SH)
    assert approval_overdue_run(now=monday).escalated == 0  # Friday 10:00 + 1 working day = Monday 10:00
    assert approval_overdue_run(now=datetime(2025, 6, 10, 8, 30, tzinfo=SH)).escalated == 1


def test_without_a_manager_the_head_of_the_holders_unit_is_told(overdue_step, sales_reviewer, make_user, org):
    head = make_user("dept_manager", "sales", username="xsbzz", display_name="周部长")
    org["sales"].head = head
    org["sales"].save(update_fields=["head"])
    approval_overdue_run(now=TWO_DAYS_LATER)
    assert Notification.objects.filter(user=head, kind="approval_escalated").count() == 1


def test_nothing_is_sent_on_a_non_working_day(overdue_step, sales_reviewer):
    saturday = datetime(2025, 6, 7, 9, 0, tzinfo=SH)
    result = approval_overdue_run(now=saturday)
    assert result.skipped_non_working_day is True
    assert _kinds(sales_reviewer) == []


def test_a_decided_step_is_not_chased(overdue_step, sales_reviewer):
    approval_step_decide(actor=sales_reviewer, step=overdue_step, decision="approve")
    result = approval_overdue_run(now=NEXT_MORNING)
    assert result.overdue == 0  # the next step's due date is not set (the administrator has set no limit)
    assert StepOverdueNotice.objects.count() == 0


def test_the_daily_job_is_registered_and_applies_once_per_day(overdue_step, sales_reviewer):
    job = job_get("workflow.approval_overdue")
    first = job_execute(job, key="2025-06-04")
    second = job_execute(job, key="2025-06-04")
    assert (first.status, second.status) == ("ok", "skipped")
