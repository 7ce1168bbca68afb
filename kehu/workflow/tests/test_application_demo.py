"""The applications demo goes through the services and loads once."""

from datetime import date

import pytest

from kehu.core.demo import demo_customers_load, demo_org_load
from kehu.workflow.application_demo import load_demo
from kehu.workflow.models import Application, ApplicationStatus, MilestoneStatus

pytestmark = pytest.mark.django_db


def test_demo_has_a_railway_application_at_the_ministry_and_an_approved_power_scheme():
    demo_org_load()
    demo_customers_load(count=3, today=date(2026, 12, 7))
    assert "铁路大客户申请" in load_demo(today=date(2026, 12, 7))
    railway = Application.objects.get(program_code="railway_big_client")
    assert railway.status == ApplicationStatus.IN_APPROVAL
    assert railway.approval.steps.get(status="pending").role_code == "railway_ministry"
    power = Application.objects.get(program_code="power_expansion")
    scheme = power.milestones.get(code="scheme_reply")
    assert scheme.status == MilestoneStatus.DONE and scheme.valid_until
    assert load_demo(today=date(2026, 12, 7)) == ""
    assert Application.objects.count() == 2
