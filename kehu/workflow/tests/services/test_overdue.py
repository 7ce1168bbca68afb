from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kehu.workflow.models import StepStatus
from kehu.workflow.selectors import inbox_counts, steps_overdue_for
from kehu.workflow.services import admission_apply
from kehu.workflow.tests.conftest import DIRECT_CONDITIONS


def test_a_step_past_its_due_time_is_listed_as_overdue(am_user, prospect, reviewers, sales_reviewer):
    app = admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    app.approval.steps.filter(status=StepStatus.PENDING).update(due_at=timezone.now() - timedelta(hours=1))
    assert steps_overdue_for(sales_reviewer).count() == 1
    assert inbox_counts(sales_reviewer).overdue == 1
