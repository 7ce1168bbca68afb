"""002 附录5 机构客户月度等级管理表: the month's grades from the policy app, last month's, and the movement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kehu.reports.selectors import report_compute

TODAY = date(2026, 12, 6)


def _rows(report):
    detail = report.result.tables[0]
    names = [c.title for c in detail.columns]
    return {row[1]: dict(zip(names, row, strict=True)) for row in detail.rows}


@pytest.fixture
def graded(sd, institution, pickup, regrade_sd):
    big = institution("大客户")
    rising = institution("升级客户", unit="station2")
    person = institution("个人客户", kind="个人")
    pickup(big, "60", date(2026, 10, 3), group="diesel")
    pickup(big, "55", date(2026, 11, 3), group="diesel")
    pickup(rising, "1", date(2026, 10, 9))
    pickup(rising, "3", date(2026, 11, 9))
    pickup(rising, "1.5", date(2026, 11, 19))
    pickup(person, "80", date(2026, 11, 2), group="diesel")
    regrade_sd("2026-10", "2026-11")
    return {"big": big, "rising": rising, "person": person}


def test_grades_previous_grades_and_movement_of_institutional_customers(graded, sd):
    report = report_compute(actor=sd["province_head"], code="sd_grade_table", period="2026-11", today=TODAY)
    rows = _rows(report)
    assert set(rows) == {graded["big"].code, graded["rising"].code}  # 个人客户 are not on the institutional form
    big = rows[graded["big"].code]
    assert big["本月规模"] == "大型" and big["本月级别"] == "地市级"
    assert big["柴油月需求量（吨）"] == Decimal("55.000")
    assert big["等级变动"] == "不变"
    rising = rows[graded["rising"].code]
    assert (rising["上月规模"], rising["本月规模"]) == ("小型", "中型")
    assert rising["汽油月需求量（吨）"] == Decimal("4.500")
    assert "规模升级（小型→中型）" in rising["等级变动"]
    assert "级别升级（站级→区县级）" in rising["等级变动"]


def test_grade_summary_counts_each_grade_now_and_last_month(graded, sd):
    report = report_compute(actor=sd["province_head"], code="sd_grade_table", period="2026-11", today=TODAY)
    summary = {(r[0], r[1]): r[2:] for r in report.result.tables[1].rows}
    assert summary[("机构客户规模（3.2）", "中型机构客户")] == [0, 1, 1, 0]
    assert summary[("机构客户规模（3.2）", "小型机构客户")] == [1, 0, 0, 0]
    assert summary[("客户管理级别（6.3）", "地市级客户")] == [1, 1, 0, 0]


def test_a_county_unit_sees_only_its_subtree(graded, sd):
    report = report_compute(actor=sd["province_head"], code="sd_grade_table", period="2026-11",
                            unit_id=sd["zhangqiu"].pk, today=TODAY)
    assert set(_rows(report)) == {graded["rising"].code}


def test_an_account_manager_sees_only_his_own_customers(graded, sd, institution, pickup, regrade_sd):
    own = institution("本人客户", owner=sd["am"])
    pickup(own, "2", date(2026, 11, 5))
    regrade_sd("2026-11")
    report = report_compute(actor=sd["am"], code="sd_grade_table", period="2026-11", today=TODAY)
    assert set(_rows(report)) == {own.code}


def test_another_city_head_cannot_pick_this_city(graded, sd):
    from kehu.core.errors import ServiceError

    with pytest.raises(ServiceError) as err:
        report_compute(actor=sd["qd_head"], code="sd_grade_table", period="2026-11", unit_id=sd["city"].pk,
                       today=TODAY)
    assert err.value.field == "unit"


def test_an_ungraded_month_says_so(sd, institution):
    institution()
    report = report_compute(actor=sd["province_head"], code="sd_grade_table", period="2026-08", today=TODAY)
    assert report.result.tables[0].rows == []
    assert "尚未按 shandong-retail 评定" in report.result.notes[0]


def test_the_form_takes_the_same_queries_for_one_customer_or_many(sd, institution, pickup, regrade_sd,
                                                                  django_assert_num_queries):
    first = institution()
    pickup(first, "3", date(2026, 11, 3))
    regrade_sd("2026-11")
    actor = sd["province_head"]
    report_compute(actor=actor, code="sd_grade_table", period="2026-11", today=TODAY)  # warm caches (scope, pack)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        report_compute(actor=actor, code="sd_grade_table", period="2026-11", today=TODAY)
    for n in range(30):
        c = institution(f"批量客户{n}")
        pickup(c, str(n), date(2026, 11, 4))
    regrade_sd("2026-11")
    with django_assert_num_queries(len(one.captured_queries)):
        report = report_compute(actor=actor, code="sd_grade_table", period="2026-11", today=TODAY)
    assert len(report.result.tables[0].rows) == 31
