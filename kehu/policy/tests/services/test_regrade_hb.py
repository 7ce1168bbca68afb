"""hb-chemicals 第九条 through the full regrade: pickup rows → one GROUP BY → engine → stored grade."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.customers.models import ArchiveEvent
from kehu.policy.models import CurrentGrade, GradeAssignment, RegradeRun
from kehu.policy.services import regrade

MAY = date(2024, 5, 10)


def test_exactly_1000_tons_is_one_star(make_customers, pickup, seed_grade, grade_of):
    (c,) = make_customers(1)
    seed_grade(c, "一星")
    pickup(c, "600", MAY)
    pickup(c, "400", date(2024, 5, 31))
    regrade(pack_name="hb-chemicals", period="2024-05")
    assert grade_of(c).grade == "一星"
    assert grade_of(c).metrics == {"polyolefin_pickup_month": "1000.000"}


def test_999_999_tons_is_ordinary(make_customers, pickup, seed_grade, grade_of):
    (c,) = make_customers(1)
    seed_grade(c, "一星")
    pickup(c, "999.999", MAY)
    regrade(pack_name="hb-chemicals", period="2024-05")
    assert grade_of(c).grade == "普通"
    assert grade_of(c).direction == "down"


def test_exactly_3000_tons_is_three_star(make_customers, pickup, seed_grade, grade_of):
    (c,) = make_customers(1)
    seed_grade(c, "二星")
    pickup(c, "3000", MAY)
    regrade(pack_name="hb-chemicals", period="2024-05")
    assert grade_of(c).grade == "三星"


def test_pickups_outside_the_month_do_not_count(make_customers, pickup, seed_grade, grade_of):
    (c,) = make_customers(1)
    seed_grade(c, "一星")
    pickup(c, "900", MAY)
    pickup(c, "500", date(2024, 4, 30))
    pickup(c, "500", date(2024, 6, 1))
    regrade(pack_name="hb-chemicals", period="2024-05")
    assert grade_of(c).grade == "普通"


def test_a_new_customer_is_auction_grade(make_customers, pickup, grade_of):
    (c,) = make_customers(1)
    pickup(c, "5000", MAY)
    regrade(pack_name="hb-chemicals", period="2024-05")
    assert grade_of(c).grade == "网拍"
    assert grade_of(c).direction == "new"
    assert "新开发客户" in grade_of(c).explanation


def test_grade_moves_one_step_per_period(make_customers, pickup, seed_grade, grade_of):
    (c,) = make_customers(1)
    seed_grade(c, "普通", period="2024-04")
    pickup(c, "3500", MAY)
    pickup(c, "3500", date(2024, 6, 5))
    regrade(pack_name="hb-chemicals", period="2024-05")
    regrade(pack_name="hb-chemicals", period="2024-06")
    may, june = grade_of(c, "2024-05"), grade_of(c, "2024-06")
    assert (may.grade, may.reached_grade) == ("一星", "三星")
    assert "依次升降" in may.explanation
    assert (june.previous_grade, june.grade) == ("一星", "二星")
    assert CurrentGrade.objects.get(customer=c).grade == "二星"


def test_running_the_same_period_twice_changes_nothing(make_customers, pickup, seed_grade):
    customers = make_customers(3)
    for c in customers:
        seed_grade(c, "一星")
    pickup(customers[0], "2500", MAY)
    pickup(customers[1], "10", MAY)
    first = regrade(pack_name="hb-chemicals", period="2024-05")
    rows_before = list(GradeAssignment.objects.order_by("pk").values())
    events_before = ArchiveEvent.objects.count()
    second = regrade(pack_name="hb-chemicals", period="2024-05")
    second.refresh_from_db()
    first.refresh_from_db()
    assert first.written == 3
    assert (second.written, second.unchanged) == (0, 3)
    assert list(GradeAssignment.objects.order_by("pk").values()) == rows_before
    assert ArchiveEvent.objects.count() == events_before


def test_rerunning_an_earlier_period_keeps_the_latest_as_current(make_customers, pickup, seed_grade):
    (c,) = make_customers(1)
    seed_grade(c, "一星", period="2024-04")
    pickup(c, "2100", MAY)
    pickup(c, "2100", date(2024, 6, 3))
    regrade(pack_name="hb-chemicals", period="2024-05")
    regrade(pack_name="hb-chemicals", period="2024-06")
    regrade(pack_name="hb-chemicals", period="2024-05")
    current = CurrentGrade.objects.get(customer=c)
    assert (current.period, current.grade) == ("2024-06", "二星")


def test_grade_changes_go_on_the_archive_timeline(make_customers, pickup, seed_grade):
    (c,) = make_customers(1)
    seed_grade(c, "一星")
    pickup(c, "2000", MAY)
    regrade(pack_name="hb-chemicals", period="2024-05")
    event = ArchiveEvent.objects.get(customer=c, kind="grade_change")
    assert "一星客户 → 二星客户" in event.summary
    assert event.data["article"] == "第九条"


def test_a_future_period_is_refused_and_nothing_is_written(make_customers):
    make_customers(2)
    with pytest.raises(ValidationError) as exc:
        regrade(pack_name="hb-chemicals", period="2999-01")
    assert "period" in exc.value.message_dict
    assert not GradeAssignment.objects.exists()
    assert not RegradeRun.objects.exists()


def test_a_malformed_period_is_refused(make_customers):
    with pytest.raises(ValidationError) as exc:
        regrade(pack_name="hb-chemicals", period="2024-13")
    assert "2026-10" in exc.value.message_dict["period"][0]


def test_a_metric_over_a_missing_product_group_is_refused(make_customers, seed_grade):
    (c,) = make_customers(1)
    seed_grade(c, "二星")
    with pytest.raises(ValidationError) as exc:
        regrade(pack_name="hb-chemicals", period="2024-05")  # no 聚烯烃 group exists (no `groups` fixture)
    assert "聚烯烃" in str(exc.value)
    assert GradeAssignment.objects.count() == 1


def test_a_malformed_pack_is_refused_with_file_and_line(make_customers, groups, seed_grade, settings, tmp_path):
    (c,) = make_customers(1)
    seed_grade(c, "二星")
    source = (settings.KEHU_POLICY_DIR / "hb-chemicals.yaml").read_text(encoding="utf-8")
    (tmp_path / "hb-chemicals.yaml").write_text(source.replace("grade: 一星\n", "grade: 四星\n", 1), encoding="utf-8")
    settings.KEHU_POLICY_DIR = tmp_path
    with pytest.raises(ValidationError) as exc:
        regrade(pack_name="hb-chemicals", period="2024-05")
    messages = exc.value.message_dict["pack"]
    assert any("hb-chemicals.yaml:" in m and "四星" in m for m in messages)
    assert GradeAssignment.objects.count() == 1
    assert CurrentGrade.objects.get(customer=c).grade == "二星"


@pytest.mark.parametrize("in_database", [True, False], ids=["graded-in-database", "graded-in-python"])
def test_an_interrupted_regrade_leaves_the_previous_state_intact(make_customers, pickup, seed_grade, monkeypatch,
                                                                  settings, in_database):
    settings.KEHU_REGRADE_IN_DATABASE = in_database
    customers = make_customers(4)
    for c in customers:
        seed_grade(c, "一星")
        pickup(c, "2500", MAY)
    from kehu.policy import grade_sql, services

    def after(real):
        def boom(*args, **kwargs):
            real(*args, **kwargs)
            raise RuntimeError("connection lost half-way")
        return boom

    # after the assignments and the events were inserted
    monkeypatch.setattr(services, "write_grade_events", after(services.write_grade_events))
    monkeypatch.setattr(grade_sql, "write_assignments_sql", after(grade_sql.write_assignments_sql))
    with pytest.raises(RuntimeError):
        regrade(pack_name="hb-chemicals", period="2024-05")
    assert not GradeAssignment.objects.filter(period="2024-05").exists()
    assert set(CurrentGrade.objects.values_list("period", "grade")) == {("2024-04", "一星")}
    assert not ArchiveEvent.objects.filter(kind="grade_change").exists()
    run = RegradeRun.objects.get()
    assert run.status == "failed" and "connection lost" in run.error


def test_query_count_does_not_grow_with_customers(make_customers, pickup, seed_grade, groups):
    def run_with(n):
        GradeAssignment.objects.all().delete()  # the current grades (a view over it) go with it
        customers = make_customers(n)
        for c in customers:
            seed_grade(c, "一星")
            pickup(c, "1500", MAY)
        with CaptureQueriesContext(connection) as ctx:
            regrade(pack_name="hb-chemicals", period="2024-05")
        return len(ctx.captured_queries)

    small = run_with(5)
    large = run_with(45)  # 50 customers in all
    assert small == large


def test_regrade_needs_permission(make_customers, am_user):
    from kehu.core.errors import ForbiddenError

    with pytest.raises(ForbiddenError):
        regrade(pack_name="hb-chemicals", period="2024-05", actor=am_user)


def test_texts_built_on_read_match_the_engine(make_customers, pickup, seed_grade, grade_of, manager_user):
    """Only the structured result is stored; the explanation page shows what the engine said at grading time."""
    from kehu.policy.engine import CustomerFacts, evaluate_scheme
    from kehu.policy.selectors import pack_get

    new, limited, below, steady = make_customers(4)
    seed_grade(limited, "普通")
    seed_grade(below, "一星")
    seed_grade(steady, "二星")
    pickup(new, "5000", MAY)
    pickup(limited, "3500", MAY)
    pickup(below, "10", MAY)
    pickup(steady, "2150", MAY)
    regrade(pack_name="hb-chemicals", period="2024-05")
    scheme = pack_get("hb-chemicals").scheme("polyolefin_star")
    facts = [
        CustomerFacts(new.pk, {"polyolefin_pickup_month": Decimal("5000.000")}),
        CustomerFacts(limited.pk, {"polyolefin_pickup_month": Decimal("3500.000")}, previous_grade="普通"),
        CustomerFacts(below.pk, {"polyolefin_pickup_month": Decimal("10.000")}, previous_grade="一星"),
        CustomerFacts(steady.pk, {"polyolefin_pickup_month": Decimal("2150.000")}, previous_grade="二星"),
    ]
    for expected in evaluate_scheme(scheme, facts, "2024-05"):
        stored = GradeAssignment.objects.get(customer_id=expected.customer_id, period="2024-05")
        assert stored.explanation_text == ""  # not stored …
        assert (stored.explanation, stored.to_next, stored.to_previous) == (  # … but shown the same
            expected.explanation, expected.to_next, expected.to_previous)
