"""`./kehuctl demo` loads a company a new user can explore: customers, pickups, grades, approvals."""

from io import StringIO

import pytest
from django.core.management import call_command

from kehu.customers.models import Customer
from kehu.policy.models import CurrentGrade
from kehu.sales.models import Pickup
from kehu.workflow.models import AdmissionApplication

pytestmark = pytest.mark.django_db


def test_demo_loads_customers_pickups_grades_and_waiting_admissions():
    call_command("kehu_demo", customers=40, stdout=StringIO())
    # --customers is the number to have at least: apps' demo loaders add their own (a converted prospect …).
    assert Customer.objects.filter(code__lte="KH00000040").count() == 40 <= Customer.objects.count()
    assert Pickup.objects.filter(source="demo").exists()
    grades = set(CurrentGrade.objects.values_list("grade", flat=True))
    assert {"普通", "一星", "二星", "三星"} <= grades
    assert AdmissionApplication.objects.filter(approval__status="pending").exists()


def test_running_the_demo_twice_adds_nothing():
    call_command("kehu_demo", customers=20, stdout=StringIO())
    counts = (Customer.objects.count(), Pickup.objects.count(), AdmissionApplication.objects.count())
    call_command("kehu_demo", customers=20, stdout=StringIO())
    assert (Customer.objects.count(), Pickup.objects.count(), AdmissionApplication.objects.count()) == counts


def test_the_demo_has_last_months_forms_due_and_one_submitted_then_corrected():
    from django.utils import timezone

    from kehu.org.models import User
    from kehu.reports.models import ReportSubmission
    from kehu.reports.selectors import reports_due

    call_command("kehu_demo", customers=20, stdout=StringIO())
    versions = list(ReportSubmission.objects.filter(report_code="sd_grade_table").order_by("version"))
    assert [(s.version, s.is_current) for s in versions] == [(1, False), (2, True)]
    assert versions[1].supersedes_id == versions[0].pk and versions[1].correction_reason
    assert versions[0].data != versions[1].data  # the late pickup changed the figures; version 1 kept them
    due = {r.definition.code: r for r in reports_due(actor=User.objects.get(username="admin"))}
    assert {"sd_tracking_detail", "sd_tracking_summary", "sd_churn_statistics", "sd_plan_completion"} <= set(due)
    assert "sd_grade_table" not in due
    assert all(r.due.day.day == 5 for code, r in due.items() if code.startswith("sd_"))
    assert due["sd_tracking_detail"].period.end < timezone.localdate()
