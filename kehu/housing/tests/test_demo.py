"""The housing demo goes through the services and loads once."""

from datetime import date

import pytest

from kehu.core.demo import demo_org_load
from kehu.housing.demo import load_demo
from kehu.housing.models import FormKind, Project, SelectionTicket, UnitStatus, Voucher

pytestmark = pytest.mark.django_db


def test_demo_has_a_commissioned_project_with_list_tickets_and_a_reversal():
    demo_org_load()
    message = load_demo(today=date(2026, 12, 7))
    assert "泉城华苑" in message and "关系房未载入" not in message
    project = Project.objects.get(code="QCHY")
    assert project.commissioners.get(status="selected").buyers.count() == 6
    assert SelectionTicket.objects.filter(project=project, kind=FormKind.RED).count() == 1
    assert Voucher.objects.filter(project=project).count() == 1
    assert project.units.filter(status=UnitStatus.RETAIL_SOLD).count() == 1
    assert project.units.filter(status=UnitStatus.RELATION).count() == 1
    counts = (SelectionTicket.objects.count(), Voucher.objects.count())
    assert load_demo(today=date(2026, 12, 7)) == ""
    assert (SelectionTicket.objects.count(), Voucher.objects.count()) == counts
