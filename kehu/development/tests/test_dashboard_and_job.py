"""The role dashboards read in a fixed number of queries; the pool sweep is a recorded daily job."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import kehu.development.tasks  # noqa: F401 - registers the job (huey imports tasks.py at start-up)
from kehu.core.jobs import job_get
from kehu.development.models import PoolReminder
from kehu.development.selectors import account_manager_today, manager_overview, pool_reminders_for
from kehu.policy.models import AdminValue

pytestmark = pytest.mark.django_db


def _customers(customer_factory, owner, unit, n):
    from kehu.sales.models import Pickup, Product
    from kehu.sales.services import product_catalogue_bootstrap

    product_catalogue_bootstrap()
    product = Product.objects.select_related("group").first()
    customers = [customer_factory(owner=owner, unit=unit) for _ in range(n)]
    Pickup.objects.bulk_create([
        Pickup(customer=c, product=product, product_group=product.group, quantity=Decimal(2), unit="t",
               base_quantity=Decimal(2), amount=Decimal(16000), picked_on=timezone.localdate() - timedelta(days=35),
               source="test", source_ref=f"T-{c.pk}") for c in customers])
    return customers


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_account_managers_day_does_not_grow_in_queries_with_his_customers(customer_factory, station_manager,
                                                                              sd):
    _customers(customer_factory, station_manager, sd["s1"], 2)
    account_manager_today(actor=station_manager)  # permissions and scope are cached on the user after one read
    few = _queries(lambda: account_manager_today(actor=station_manager))
    _customers(customer_factory, station_manager, sd["s1"], 30)
    many = _queries(lambda: account_manager_today(actor=station_manager))
    assert few == many
    day = account_manager_today(actor=station_manager)
    assert day["customer_count"] == 32 and Decimal(day["trend"]["quantity"][-2]) == Decimal("64.000")


def test_the_department_heads_overview_counts_customers_and_pool_per_sub_unit(customer_factory, retail_head,
                                                                              station_manager, sd):
    _customers(customer_factory, station_manager, sd["s1"], 3)
    customer_factory(owner=None, unit=sd["s3"])
    manager_overview(actor=retail_head)
    few = _queries(lambda: manager_overview(actor=retail_head))
    customer_factory(owner=None, unit=sd["s2"])
    assert _queries(lambda: manager_overview(actor=retail_head)) == few
    overview = manager_overview(actor=retail_head)
    assert {c["unit"].name: (c["customers"], c["pool"]) for c in overview["children"]} == {
        "历下区": (4, 1), "市中区": (1, 1)}
    assert overview["pool_total"] == 2


def test_a_reminder_disappears_once_the_customer_is_followed_up(customer_factory, station_manager, sd):
    from kehu.service.models import VisitReport

    customer = customer_factory(owner=station_manager, unit=sd["s1"])
    type(customer).objects.filter(pk=customer.pk).update(created_at=timezone.now() - timedelta(days=27))
    created = timezone.localdate() - timedelta(days=27)
    PoolReminder.objects.create(customer=customer, owner=station_manager, return_on=created + timedelta(days=30),
                                last_follow_up=created)
    assert [w.customer for w in pool_reminders_for(actor=station_manager)] == [customer]
    VisitReport.objects.create(customer=customer, visitor=station_manager, kind="onsite",
                               visited_on=timezone.localdate())
    assert pool_reminders_for(actor=station_manager) == []


def test_the_pool_sweep_is_a_daily_job_that_applies_once_per_day(customer_factory, sd):
    AdminValue.objects.create(pack_name="shandong-retail", key="sd.pool_days_without_follow_up", value=30)
    customer_factory(owner=None, unit=sd["s1"])
    job = job_get("development.pool_sweep")
    assert job.periodic
    first = job.run(key="2026-12-06")
    assert first.status == "ok" and first.result["no_owner"] == 1
    assert job.run(key="2026-12-06").status == "skipped"
