"""002 附录6 / 附录4 / 附录3: the month's tracking of institutional customers and churn with its reasons."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from kehu.core.errors import ServiceError
from kehu.reports.selectors import report_compute
from kehu.reports.services import report_submit

TODAY = date(2026, 12, 6)
NOV_END = date(2026, 11, 30)


def _table(report, index=0):
    table = report.result.tables[index]
    names = [c.title for c in table.columns]
    return [dict(zip(names, row, strict=True)) for row in table.rows]


def _by_code(report, index=0):
    return {r["客户编码"]: r for r in _table(report, index)}


@pytest.fixture
def churn_rules(superuser):
    from kehu.policy.services import admin_value_set

    admin_value_set(actor=superuser, pack_name="shandong-retail", key="sd.churn_no_pickup_days", value=90)
    admin_value_set(actor=superuser, pack_name="shandong-retail", key="sd.churn_volume_drop_percent", value=30)


def _compute(sd, code, **kw):
    return report_compute(actor=sd["province_head"], code=code, period=kw.pop("period", "2026-11"), today=TODAY, **kw)


# ----- 附录6 ---------------------------------------------------------------------------------------------------


def test_tracking_detail_gives_volumes_interval_comparisons_and_visits(sd, institution, pickup, churn_rules):
    from kehu.service.models import VisitReport

    c = institution("跟踪客户")
    pickup(c, "2", date(2026, 11, 2))
    pickup(c, "3", date(2026, 11, 12), group="diesel")
    pickup(c, "1", date(2026, 11, 22))
    pickup(c, "5000", date(2026, 11, 23), group="fuel-card")
    pickup(c, "4", date(2026, 10, 15))
    pickup(c, "12", date(2025, 11, 15), group="diesel")
    VisitReport.objects.create(customer=c, visitor=sd["am"], visited_on=date(2026, 11, 8))
    row = _by_code(_compute(sd, "sd_tracking_detail"))[c.code]
    assert (row["汽油（吨）"], row["柴油（吨）"], row["油品合计（吨）"]) == (Decimal("3.000"), Decimal("3.000"),
                                                                        Decimal("6.000"))
    assert row["不记名卡（元）"] == Decimal("5000.00")
    assert row["加油次数"] == 3 and row["平均间隔（天）"] == Decimal("10.0")
    assert row["最后加油日期"] == date(2026, 11, 22)
    assert row["上月（吨）"] == Decimal("4.000") and row["环比（%）"] == Decimal("50.0")
    assert row["去年同月（吨）"] == Decimal("12.000") and row["同比（%）"] == Decimal("-50.0")
    assert row["回访次数"] == 1
    assert row["客户动态"].startswith("流失：加油量同比下降")  # 50 % down ≥ 30 %


def test_tracking_detail_without_churn_rules_says_they_are_not_set(sd, institution, pickup):
    c = institution()
    pickup(c, "2", date(2026, 11, 2))
    report = _compute(sd, "sd_tracking_detail")
    assert _by_code(report)[c.code]["客户动态"] == "正常（流失标准未设定）"
    assert any("流失判定标准尚未设定" in n and "sd.churn_no_pickup_days" in n for n in report.result.notes)


def test_tracking_detail_takes_the_same_queries_for_any_number_of_customers(sd, institution, pickup, churn_rules,
                                                                            django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pickup(institution(), "2", date(2026, 11, 2))
    _compute(sd, "sd_tracking_detail")
    with CaptureQueriesContext(connection) as one:
        _compute(sd, "sd_tracking_detail")
    for n in range(25):
        c = institution(f"客户{n}")
        pickup(c, "1", date(2026, 11, 3))
        pickup(c, "1", date(2025, 11, 3), group="diesel")
    with django_assert_num_queries(len(one.captured_queries)):
        report = _compute(sd, "sd_tracking_detail")
    assert len(report.result.tables[0].rows) == 26


# ----- 附录4 ---------------------------------------------------------------------------------------------------


def test_tracking_summary_adds_up_per_county(sd, institution, pickup, regrade_sd, churn_rules):
    a = institution("历下甲", unit="station1")
    b = institution("历下乙", unit="lixia")
    z = institution("章丘甲", unit="station2")
    pickup(a, "6", date(2026, 11, 2))
    pickup(b, "1", date(2026, 11, 3), group="diesel")
    pickup(z, "2", date(2025, 11, 3))
    regrade_sd("2026-11")
    report = _compute(sd, "sd_tracking_summary", unit_id=sd["city"].pk)
    rows = {r["单位"]: r for r in _table(report)}
    assert set(rows) == {"历下区", "章丘区"}
    lixia = rows["历下区"]
    assert (lixia["机构客户数"], lixia["大型"], lixia["小型"], lixia["本月加油客户"]) == (2, 1, 1, 2)
    assert lixia["合计（吨）"] == Decimal("7.000")
    zq = rows["章丘区"]
    assert (zq["本月未加油"], zq["本月流失"], zq["去年同月（吨）"]) == (1, 1, Decimal("2.000"))
    assert report.result.tables[0].totals[2] == 3


# ----- 附录3 ---------------------------------------------------------------------------------------------------


def test_churn_form_without_its_parameters_has_no_data_and_cannot_be_submitted(sd, institution):
    institution()
    report = _compute(sd, "sd_churn_statistics")
    assert "sd.churn_no_pickup_days" in report.result.source_missing
    with pytest.raises(ServiceError) as err:
        report_submit(actor=sd["province_head"], code="sd_churn_statistics", period="2026-11", today=TODAY)
    assert "暂无数据来源" in err.value.message


def test_exactly_90_days_without_pickup_is_on_the_churn_form_with_the_reason(sd, institution, pickup, churn_rules):
    gone = institution("九十天客户")
    pickup(gone, "3", NOV_END - timedelta(days=90))
    stays = institution("八十九天客户")
    pickup(stays, "3", NOV_END - timedelta(days=89))
    rows = _by_code(_compute(sd, "sd_churn_statistics"))
    assert set(rows) == {gone.code}
    row = rows[gone.code]
    assert row["未加油天数"] == 90 and row["流失类型"] == "连续未加油"
    assert "已连续 90 天未提货" in row["流失原因（判定依据）"] and "6.6.1" in row["流失原因（判定依据）"]


def test_exactly_30_percent_down_is_churn_and_less_is_not(sd, institution, pickup, churn_rules):
    down = institution("下降三成")
    pickup(down, "7", date(2026, 11, 10))
    pickup(down, "10", date(2025, 11, 10))
    almost = institution("下降不足三成")
    pickup(almost, "7.001", date(2026, 11, 10))
    pickup(almost, "10", date(2025, 11, 10))
    rows = _by_code(_compute(sd, "sd_churn_statistics"))
    assert set(rows) == {down.code}
    assert rows[down.code]["同比下降（%）"] == Decimal("30.0")
    assert "下降 30.0%" in rows[down.code]["流失原因（判定依据）"]


def test_the_churn_summary_counts_per_unit_and_reason(sd, institution, pickup, churn_rules):
    a = institution("甲", unit="station1")
    pickup(a, "3", NOV_END - timedelta(days=100))
    b = institution("乙", unit="station1")
    pickup(b, "1", date(2026, 11, 3))
    pickup(b, "5", date(2025, 11, 3))
    institution("丙", unit="station1")
    report = _compute(sd, "sd_churn_statistics")
    (summary,) = _table(report, 1)
    assert summary["机构客户数"] == 3 and summary["流失户数"] == 2
    assert summary["其中连续未加油"] == 1 and summary["其中加油量同比下降"] == 1
    assert summary["流失率（%）"] == Decimal("66.7") and summary["减少加油量（吨）"] == Decimal("4.000")


def test_individual_customers_are_not_on_the_institutional_churn_form(sd, institution, pickup, churn_rules):
    person = institution("个人", kind="个人")
    pickup(person, "3", NOV_END - timedelta(days=95))
    assert _table(_compute(sd, "sd_churn_statistics")) == []


