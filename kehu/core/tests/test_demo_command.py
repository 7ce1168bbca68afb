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
