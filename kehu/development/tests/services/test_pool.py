"""The shared pool (公海): return after the pack's days without follow-up (reminder before), claims within a cap,
a wait before re-claiming, everything in the archive's history; two people claiming at once — one wins."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from kehu.core.errors import ScopeError
from kehu.customers.models import ArchiveEvent, Customer
from kehu.customers.selectors import customer_get_for_actor
from kehu.development.models import PoolEntry, PoolReason, PoolReminder
from kehu.development.services import pool_claim, pool_release, pool_sweep
from kehu.development.services.pool import PoolTaken
from kehu.policy.models import AdminValue
from kehu.workflow.models import Notification

pytestmark = pytest.mark.django_db


def _set(**figures):
    for name, value in figures.items():
        AdminValue.objects.update_or_create(pack_name="shandong-retail", key=f"sd.pool_{name}",
                                            defaults={"value": value})


@pytest.fixture
def figures():
    _set(days_without_follow_up=30, reminder_days_before=5, claim_cap=2, reclaim_wait_days=15)


@pytest.fixture
def customer(customer_factory, station_manager, sd):
    return customer_factory(owner=station_manager, unit=sd["s1"], name="历下区某物流公司")


def _created(customer) -> object:
    return timezone.localtime(customer.created_at).date()


def test_exactly_the_packs_days_without_follow_up_return_a_customer_to_its_units_pool(figures, customer,
                                                                                      station_manager):
    day0 = _created(customer)
    assert pool_sweep(today=day0 + timedelta(days=29))["returned"] == 0
    result = pool_sweep(today=day0 + timedelta(days=30))
    assert result["returned"] == 1
    customer.refresh_from_db()
    assert customer.owner is None
    entry = PoolEntry.objects.get(customer=customer)
    assert (entry.reason, entry.previous_owner, entry.unit, entry.last_follow_up) == (
        PoolReason.NO_FOLLOW_UP, station_manager, customer.unit, day0)
    event = ArchiveEvent.objects.get(customer=customer, kind="pool_return")
    assert "连续 30 天无跟进" in event.summary and event.data == {"from": station_manager.pk, "to": None}
    latest = customer.history.order_by("-history_date").first()
    assert latest.owner_id is None and "退回所在单位公海" in latest.history_change_reason
    assert Notification.objects.filter(user=station_manager, kind="pool_return").exists()


def test_a_visit_report_is_a_follow_up_that_restarts_the_count(figures, customer, station_manager):
    from kehu.service.models import VisitReport

    day0 = _created(customer)
    VisitReport.objects.create(customer=customer, visitor=station_manager, kind="phone",
                               visited_on=day0 + timedelta(days=10))
    assert pool_sweep(today=day0 + timedelta(days=39))["returned"] == 0
    assert pool_sweep(today=day0 + timedelta(days=40))["returned"] == 1


def test_the_owner_is_reminded_the_packs_days_before_and_only_once(figures, customer, station_manager):
    day0 = _created(customer)
    assert pool_sweep(today=day0 + timedelta(days=24))["reminded"] == 0
    assert pool_sweep(today=day0 + timedelta(days=25))["reminded"] == 1
    assert pool_sweep(today=day0 + timedelta(days=26))["reminded"] == 0
    reminder = PoolReminder.objects.get()
    assert reminder.return_on == day0 + timedelta(days=30)
    notes = Notification.objects.filter(user=station_manager, kind="pool_reminder")
    assert notes.count() == 1 and str(day0 + timedelta(days=30)) in notes.get().title


def test_an_ownerless_customer_is_recorded_in_the_pool_once(customer_factory, sd):
    orphan = customer_factory(owner=None, unit=sd["s2"])
    assert pool_sweep()["no_owner"] == 1
    assert pool_sweep()["no_owner"] == 0
    entry = PoolEntry.objects.get(customer=orphan)
    assert (entry.reason, entry.unit, entry.pack_name) == (PoolReason.NO_OWNER, sd["s2"], "shandong-retail")
    assert ArchiveEvent.objects.filter(customer=orphan, kind="pool_enter").count() == 1


def test_unset_figures_return_nobody_and_cap_nobody(customer, station_manager2):
    day0 = _created(customer)
    result = pool_sweep(today=day0 + timedelta(days=400))
    assert result["returned"] == 0 and "未设定" in result["packs"]["shandong-retail"]


def _pooled(customer_factory, unit, n):
    customers = [customer_factory(owner=None, unit=unit) for _ in range(n)]
    pool_sweep()
    return customers


def test_a_claim_makes_the_claimer_the_owner_and_is_recorded(figures, customer_factory, station_manager, sd):
    [c] = _pooled(customer_factory, sd["s1"], 1)
    claimed = pool_claim(actor=station_manager, customer_id=c.pk, reason="熟悉该单位")
    assert claimed.owner == station_manager
    entry = PoolEntry.objects.get(customer=c)
    assert (entry.claimed_by, entry.claimed_at is not None) == (station_manager, True)
    event = ArchiveEvent.objects.get(customer=c, kind="pool_claim")
    assert "从历下第一加油站公海领取" in event.summary and event.reason == "熟悉该单位"
    assert c.history.order_by("-history_date").first().history_user == station_manager


def test_a_claim_above_the_cap_is_refused_and_changes_nothing(figures, customer_factory, station_manager, sd):
    a, b, c = _pooled(customer_factory, sd["s1"], 3)
    pool_claim(actor=station_manager, customer_id=a.pk)
    pool_claim(actor=station_manager, customer_id=b.pk)  # exactly the cap of 2
    with pytest.raises(ValidationError) as exc:
        pool_claim(actor=station_manager, customer_id=c.pk)
    assert "本月您已领取 2 个公海客户，已达每人上限 2 个（管理员设定 sd.pool_claim_cap）" in exc.value.messages[0]
    c.refresh_from_db()
    assert c.owner is None and not ArchiveEvent.objects.filter(customer=c, kind="pool_claim").exists()


def test_whoever_lost_a_customer_waits_before_claiming_it_again(figures, customer, station_manager):
    pool_release(actor=station_manager, customer_id=customer.pk, reason="客户搬迁，暂无需求")
    with pytest.raises(ValidationError) as exc:
        pool_claim(actor=station_manager, customer_id=customer.pk)
    assert "须满 15 天" in exc.value.messages[0]
    PoolEntry.objects.filter(customer=customer).update(entered_at=timezone.now() - timedelta(days=15))
    assert pool_claim(actor=station_manager, customer_id=customer.pk).owner == station_manager


def test_the_wait_binds_only_the_person_who_lost_it(figures, customer, station_manager, station_manager2, make_user,
                                                  sd):
    pool_release(actor=station_manager, customer_id=customer.pk, reason="调岗")
    colleague = make_user("account_manager", sd["s1"], username="zhan1b")
    assert pool_claim(actor=colleague, customer_id=customer.pk).owner == colleague


def test_a_claim_outside_ones_unit_is_not_found_and_a_taken_customer_names_its_owner(
        figures, customer_factory, station_manager, station_manager2, retail_head, sd):
    [c] = _pooled(customer_factory, sd["s1"], 1)
    with pytest.raises(ScopeError):
        pool_claim(actor=station_manager2, customer_id=c.pk)  # 历下第二加油站 cannot reach 第一加油站's pool
    pool_claim(actor=station_manager, customer_id=c.pk)
    with pytest.raises(PoolTaken, match="已被 历下一站经理 领取"):
        pool_claim(actor=retail_head, customer_id=c.pk)  # the city's head reaches every station's pool


def test_releasing_needs_a_reason(figures, customer, station_manager):
    with pytest.raises(ValidationError):
        pool_release(actor=station_manager, customer_id=customer.pk, reason=" ")
    customer.refresh_from_db()
    assert customer.owner == station_manager


def test_a_claimer_may_open_a_pool_archive_before_claiming(figures, customer_factory, station_manager, sd):
    [c] = _pooled(customer_factory, sd["s1"], 1)
    assert customer_get_for_actor(actor=station_manager, pk=c.pk) == c
    with pytest.raises(ScopeError):
        customer_get_for_actor(actor=station_manager, pk=c.pk, for_update=True)  # editing needs the claim


def _race(targets):
    barrier = threading.Barrier(len(targets))
    outcomes: list[object] = []

    def run(actor, customer_id):
        try:
            barrier.wait(timeout=10)
            pool_claim(actor=actor, customer_id=customer_id)
            outcomes.append(("ok", actor.pk))
        except (PoolTaken, ValidationError) as exc:
            outcomes.append(("refused", exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_people_claiming_one_customer_at_once_one_wins(on_postgres, figures, customer_factory, station_manager,
                                                           retail_head, sd):
    [c] = _pooled(customer_factory, sd["s1"], 1)
    outcomes = _race([(station_manager, c.pk), (retail_head, c.pk)])
    wins = [who for state, who in outcomes if state == "ok"]
    refusals = [exc for state, exc in outcomes if state == "refused"]
    assert len(wins) == 1 and len(refusals) == 1 and isinstance(refusals[0], PoolTaken)
    c.refresh_from_db()
    assert c.owner_id == wins[0]
    assert ArchiveEvent.objects.filter(customer=c, kind="pool_claim").count() == 1
    assert PoolEntry.objects.get(customer=c).claimed_by_id == wins[0]


@pytest.mark.django_db(transaction=True)
def test_one_person_claiming_two_customers_at_once_stays_within_the_cap(on_postgres, customer_factory,
                                                                      station_manager, sd):
    _set(days_without_follow_up=30, reminder_days_before=5, claim_cap=1, reclaim_wait_days=15)
    a, b = _pooled(customer_factory, sd["s1"], 2)
    outcomes = _race([(station_manager, a.pk), (station_manager, b.pk)])
    assert sorted(state for state, _x in outcomes) == ["ok", "refused"]
    assert Customer.objects.filter(owner=station_manager).count() == 1
