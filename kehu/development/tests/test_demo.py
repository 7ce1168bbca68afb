"""The demo's 山东 retail network has stations, counties, prospects, an approved plan with computed completion,
000's quarterly plan, and customers in the shared pool — loaded through the services, once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kehu.development.models import DevelopmentPlan, PlanStatus, PoolEntry, Prospect
from kehu.development.selectors import plan_completion
from kehu.org.models import OrgUnit, User

pytestmark = pytest.mark.django_db


def test_the_demo_loads_the_retail_networks_development_once():
    out = StringIO()
    call_command("kehu_demo", customers=20, stdout=out)
    assert "潜在客户 5 个、开户 1 个" in out.getvalue()
    assert OrgUnit.objects.filter(code__startswith="SD-01-", kind="station").count() == 8
    city_plan = DevelopmentPlan.objects.get(unit__code="SD-01")
    assert city_plan.status == PlanStatus.APPROVED and city_plan.pack_name == "shandong-retail"
    rows = plan_completion(actor=User.objects.get(username="lingshou"), period=timezone.localdate().replace(day=1))
    lixia = next(r for r in rows if r.unit_name == "历下区" and r.category == "institutional")
    assert (lixia.target, lixia.admitted) == (1, 1)
    assert DevelopmentPlan.objects.get(unit__code="HB-SALES").status == PlanStatus.PUBLISHED
    assert PoolEntry.objects.filter(claimed_at__isnull=True, unit__code="SD-01-01-S1").count() == 2
    counts = (Prospect.objects.count(), DevelopmentPlan.objects.count(), PoolEntry.objects.count())
    call_command("kehu_demo", customers=20, stdout=StringIO())
    assert (Prospect.objects.count(), DevelopmentPlan.objects.count(), PoolEntry.objects.count()) == counts
