"""Grading inside the database (grade_sql) stores exactly what grading in Python stores.

Random populations around every boundary the articles name (999.999 / 1000 / 1999.999 / 2000 / 3000 t; 2 / 5 t of
gasoline, 20 / 50 t of diesel, 10万 / 100万 / 2000万元 of anonymous cards), with previous grades, classifications,
overrides and suspended or churned customers, are graded both ways and every stored field is compared: grade,
previous and reached grade, direction, rule, article, quote, metrics, override, current grade, the explanation
built on read, and the grade-change events on the archive timeline.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.customers.models import ArchiveEvent, CustomerStatus
from kehu.policy.models import CurrentGrade, GradeAssignment, GradeOverride
from kehu.policy.services import regrade

HB_TONS = ["0", "0.001", "999.999", "1000", "1000.001", "1999.999", "2000", "2999.999", "3000", "4500"]
HB_GRADES = [None, "网拍", "普通", "一星", "二星", "三星"]
GASOLINE = ["0", "1.999", "2", "4.999", "5", "8"]
DIESEL = ["0", "19.999", "20", "49.999", "50", "70"]
CARD = ["0", "99999.99", "100000", "999999.99", "1000000", "19999999.99", "20000000"]
SHANDONG_LEVELS = [None, "站级", "区县级", "地市级", "省级"]


def _stored(pack: str, period: str) -> dict:
    rows = {}
    for a in GradeAssignment.objects.filter(pack_name=pack, period=period).select_related("override__approver"):
        rows[(a.customer_id, a.scheme_code)] = (
            a.grade, a.previous_grade, a.reached_grade, a.direction, a.rule, a.article, a.quote, a.pack_version,
            a.override_id, {k: Decimal(str(v)) for k, v in a.metrics.items()}, a.explanation, a.to_next,
            a.to_previous,
        )
    current = set(CurrentGrade.objects.filter(pack_name=pack).values_list("customer_id", "scheme_code", "period",
                                                                             "grade"))
    events = sorted(
        (e.customer_id, e.summary, e.data["scheme"], e.data["grade"], e.data["previous_grade"], e.data["rule"],
         e.data["article"], tuple(sorted((k, Decimal(str(v))) for k, v in e.data["metrics"].items())))
        for e in ArchiveEvent.objects.filter(kind="grade_change")
    )
    # Rows graded in the database carry no Python fingerprint: proof of which path wrote them.
    fingerprints = {bool(f) for f in GradeAssignment.objects.filter(pack_name=pack, period=period)
                    .values_list("fingerprint", flat=True)}
    return {"rows": rows, "current": current, "events": events, "fingerprinted": fingerprints}


def _grade_both_ways(settings, pack: str, period: str) -> tuple[dict, dict]:
    """Grade in the database, keep what was stored, put the previous state back (the current grades are a view over
    the history: deleting the period's rows restores them), grade in Python."""
    settings.KEHU_REGRADE_IN_DATABASE = True
    regrade(pack_name=pack, period=period)
    in_database = _stored(pack, period)
    GradeAssignment.objects.filter(pack_name=pack, period=period).delete()
    # Archive events are audit records the ORM refuses to delete (kehu/audit/retention.py): the reset goes below it.
    events = ArchiveEvent.objects.filter(kind="grade_change")
    events._raw_delete(events.db)
    settings.KEHU_REGRADE_IN_DATABASE = False
    regrade(pack_name=pack, period=period)
    in_python = _stored(pack, period)
    return in_database, in_python


def _assert_same(in_database: dict, in_python: dict) -> None:
    assert (in_database["fingerprinted"], in_python["fingerprinted"]) == ({False}, {True})
    assert in_database["rows"].keys() == in_python["rows"].keys()
    for key, row in in_python["rows"].items():
        assert in_database["rows"][key] == row, key
    assert in_database["current"] == in_python["current"]
    assert in_database["events"] == in_python["events"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hb_chemicals_in_the_database_matches_python(settings, make_customers, pickup, seed_grade, am_user, seed):
    rng = random.Random(seed)
    customers = make_customers(60)
    for i, c in enumerate(customers):
        if i % 13 == 5:
            c.status = CustomerStatus.SUSPENDED
        elif i % 17 == 3:
            c.status = CustomerStatus.CHURNED
        if rng.random() < 0.15:
            c.classifications = {"sales_object": "直销客户"}
        elif rng.random() < 0.1:
            c.classifications = {"sales_form": "网拍"}
        c.save()
        previous = rng.choice(HB_GRADES)
        if previous is not None or rng.random() < 0.3:
            seed_grade(c, previous, period="2024-04")
        for _ in range(rng.randrange(3)):
            pickup(c, rng.choice(HB_TONS), date(2024, 5, rng.randrange(1, 31)))
        if rng.random() < 0.3:
            pickup(c, rng.choice(HB_TONS), date(2024, 6, 2))  # outside the month: never counted
        if rng.random() < 0.08:
            GradeOverride.objects.create(customer=c, pack_name="hb-chemicals", scheme_code="polyolefin_star",
                                         grade=rng.choice(HB_GRADES[1:]), reason="年度战略客户", approver=am_user,
                                         approved_on=date(2024, 5, 2), created_by=am_user)
    in_database, in_python = _grade_both_ways(settings, "hb-chemicals", "2024-05")
    assert len(in_python["rows"]) > 40
    rules = {row[4] for row in in_python["rows"].values()}
    assert rules >= {"condition:new_customer", "threshold:polyolefin_pickup_month", "override"}
    _assert_same(in_database, in_python)


@pytest.mark.parametrize("seed", [4, 5])
def test_shandong_retail_in_the_database_matches_python(settings, make_customers, pickup, seed_grade, am_user,
                                                        seed):
    rng = random.Random(seed)
    customers = make_customers(60)
    flags = ("province_wide_unified_purchase", "company_framework_agreement", "unit_supply_agreement",
             "supply_agreement", "consumption_stable")
    for i, c in enumerate(customers):
        classifications = {"customer_kind": "机构" if i % 3 else "个人"}
        for flag in flags:
            if rng.random() < 0.2:
                classifications[flag] = True
        if i % 11 == 4:
            classifications["supply_agreement"] = "true"  # a string is not the boolean the pack asks for
        c.classifications = classifications
        c.save()
        if rng.random() < 0.6:
            seed_grade(c, rng.choice(SHANDONG_LEVELS), period="2024-04", pack="shandong-retail",
                       scheme="management_level")
        pickup(c, rng.choice(GASOLINE), date(2024, 5, 3), group="gasoline")
        pickup(c, rng.choice(DIESEL), date(2024, 5, 9), group="diesel")
        if rng.random() < 0.5:
            pickup(c, "1", date(2024, 2, 1), group="fuel-card", amount=rng.choice(CARD))  # the year counts
        if rng.random() < 0.08:
            GradeOverride.objects.create(customer=c, pack_name="shandong-retail", scheme_code="management_level",
                                         grade="省级", reason="省公司直供", approver=am_user,
                                         approved_on=date(2024, 5, 2), created_by=am_user)
    in_database, in_python = _grade_both_ways(settings, "shandong-retail", "2024-05")
    rules = {row[4] for row in in_python["rows"].values()}
    assert "not_applicable" in rules and any(r.startswith("condition:") for r in rules)
    _assert_same(in_database, in_python)


def test_running_a_period_again_in_the_database_writes_nothing(settings, make_customers, pickup, seed_grade):
    settings.KEHU_REGRADE_IN_DATABASE = True
    customers = make_customers(5)
    for c in customers:
        seed_grade(c, "一星")
        pickup(c, "2500", date(2024, 5, 6))
    first = regrade(pack_name="hb-chemicals", period="2024-05")
    again = regrade(pack_name="hb-chemicals", period="2024-05")
    assert (first.written, first.moved_up) == (5, 5)
    assert (again.written, again.unchanged) == (0, 5)
    assert ArchiveEvent.objects.filter(kind="grade_change").count() == 5
    # One customer's pickups change: only that row is rewritten, and its new grade goes on the timeline.
    pickup(customers[0], "600", date(2024, 5, 7))
    third = regrade(pack_name="hb-chemicals", period="2024-05")
    assert (third.written, third.unchanged) == (1, 4)
    assert GradeAssignment.objects.get(customer=customers[0], period="2024-05").grade == "二星"
    assert ArchiveEvent.objects.filter(kind="grade_change").count() == 5  # 一星 → 二星 either way: one event


def test_back_filling_an_earlier_period_in_the_database_reads_the_history(settings, make_customers, pickup,
                                                                           seed_grade):
    settings.KEHU_REGRADE_IN_DATABASE = True
    (c,) = make_customers(1)
    seed_grade(c, "一星", period="2024-03")
    pickup(c, "3500", date(2024, 4, 8))
    pickup(c, "3500", date(2024, 5, 8))
    regrade(pack_name="hb-chemicals", period="2024-05")  # previous = 一星 (2024-03) → 二星
    regrade(pack_name="hb-chemicals", period="2024-04")  # back-fill: previous is still 2024-03's 一星
    april = GradeAssignment.objects.get(customer=c, period="2024-04")
    assert (april.previous_grade, april.grade, april.reached_grade) == ("一星", "二星", "三星")
    current = CurrentGrade.objects.get(customer=c)
    assert (current.period, current.grade) == ("2024-05", "二星")  # a later current grade stays


def test_the_grade_change_event_explains_the_rule(settings, make_customers, pickup, seed_grade):
    settings.KEHU_REGRADE_IN_DATABASE = True
    (c,) = make_customers(1)
    seed_grade(c, "普通")
    pickup(c, "3000", date(2024, 5, 20))
    regrade(pack_name="hb-chemicals", period="2024-05")
    event = ArchiveEvent.objects.get(customer=c, kind="grade_change")
    assert event.summary == "聚烯烃客户分级升级：普通客户 → 一星客户（2024年5月）"
    assert event.reason.startswith("单月聚烯烃提货量 3000 吨，满足『3000吨以上』（第九条）")
    assert "达到三星客户标准" in event.reason and "由普通客户升为一星客户" in event.reason
    assert event.data["metrics"] == {"polyolefin_pickup_month": "3000.000"}
    assert event.at <= timezone.now()


@pytest.mark.parametrize("in_database", [True, False], ids=["graded-in-database", "graded-in-python"])
def test_an_override_the_pack_no_longer_knows_stops_the_regrade_only_for_graded_customers(
    settings, make_customers, pickup, am_user, in_database
):
    from django.core.exceptions import ValidationError

    settings.KEHU_REGRADE_IN_DATABASE = in_database
    active, churned = make_customers(2)
    churned.status = CustomerStatus.CHURNED
    churned.save()
    GradeOverride.objects.create(customer=churned, pack_name="hb-chemicals", scheme_code="polyolefin_star",
                                 grade="四星", reason="旧版政策包", approver=am_user, approved_on=date(2024, 1, 2))
    assert regrade(pack_name="hb-chemicals", period="2024-05").status == "succeeded"  # churned: not graded
    GradeOverride.objects.create(customer=active, pack_name="hb-chemicals", scheme_code="polyolefin_star",
                                 grade="四星", reason="旧版政策包", approver=am_user, approved_on=date(2024, 1, 2))
    with pytest.raises(ValidationError) as exc:
        regrade(pack_name="hb-chemicals", period="2024-06")
    assert "四星" in str(exc.value.message_dict["pack"])
    assert not GradeAssignment.objects.filter(period="2024-06").exists()
