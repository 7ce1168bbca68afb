"""002 附录7 《零售客户开发计划完成统计表》 (kehu.reports) prints the development plans' completion: one line per county
(机构客户) and per station (个人卡客户), counted from admitted customers."""

from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.development.services import LineInput, development_plan_save, development_plan_submit
from kehu.reports.selectors import report_compute

pytestmark = pytest.mark.django_db


def _form(report):
    names = [c.title for c in report.result.tables[0].columns]
    return [dict(zip(names, row, strict=True)) for row in report.result.tables[0].rows]


def test_the_form_lists_each_county_and_station_with_target_admitted_and_rate(retail_head, station_manager, sd,
                                                                              approved_admission):
    start = timezone.localdate().replace(day=1)
    lines = [LineInput(category="institutional", target=2, unit=sd["lixia"]),
             LineInput(category="institutional", target=1, unit=sd["shizhong"]),
             *[LineInput(category="card", target=10, unit=sd[s]) for s in ("s1", "s2", "s3")]]
    development_plan_submit(actor=retail_head, plan=development_plan_save(
        actor=retail_head, unit=sd["city"], period_start=start, lines=lines))
    approved_admission(unit=sd["s1"], kind="enterprise", applicant=station_manager)
    for _ in range(4):
        approved_admission(unit=sd["s1"], kind="individual", applicant=station_manager)

    report = report_compute(actor=retail_head, code="sd_plan_completion", period=f"{start:%Y-%m}",
                            unit_id=sd["city"].pk)

    assert report.result.source_missing == ""
    rows = {r["单位"]: r for r in _form(report)}
    assert (rows["历下区"]["机构客户计划"], rows["历下区"]["机构客户完成"], rows["历下区"]["机构客户完成率（%）"]) == \
        (2, 1, Decimal("50.0"))
    assert rows["历下区"]["个人卡客户计划"] is None
    assert (rows["历下第一加油站"]["个人卡客户计划"], rows["历下第一加油站"]["个人卡客户完成"],
            rows["历下第一加油站"]["个人卡客户完成率（%）"]) == (10, 4, Decimal("40.0"))
    assert rows["历下第一加油站"]["备注"] == "历下区"
    assert rows["市中区"]["机构客户完成"] == 0 and rows["市中第一加油站"]["个人卡客户完成"] == 0
    totals = report.result.tables[0].totals
    assert totals[2:8] == [3, 1, Decimal("33.3"), 30, 4, Decimal("13.3")]
