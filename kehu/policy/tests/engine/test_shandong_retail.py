"""002 3.2 institutional size and 6.3 management levels: several criteria, the highest grade reached wins."""

import pytest

from kehu.policy.engine import benefits_for
from kehu.policy.tests.engine.support import grade_one, pack

INSTITUTION = {"customer_kind": "机构"}


def size(**metrics):
    return grade_one("shandong-retail", "institution_size", metrics, attributes=INSTITUTION)


def level(attributes=None, **metrics):
    return grade_one("shandong-retail", "management_level", metrics, attributes=attributes or {})


@pytest.mark.parametrize(
    ("tons", "expected"), [("0", "小型"), ("1.999", "小型"), ("2", "中型"), ("4.999", "中型"), ("5", "大型")]
)
def test_gasoline_boundaries_of_3_2(tons, expected):
    assert size(gasoline_month_t=tons).grade == expected


@pytest.mark.parametrize(("tons", "expected"), [("19.999", "小型"), ("20", "中型"), ("49.999", "中型"), ("50", "大型")])
def test_diesel_boundaries_of_3_2(tons, expected):
    assert size(diesel_month_t=tons).grade == expected


@pytest.mark.parametrize(
    ("amount", "expected"), [("99999.99", "小型"), ("100000", "中型"), ("999999.99", "中型"), ("1000000", "大型")]
)
def test_anonymous_card_boundaries_of_3_2(amount, expected):
    assert size(anonymous_card_year_amount=amount).grade == expected


def test_highest_criterion_wins_for_institution_size():
    result = size(gasoline_month_t="1", diesel_month_t="55", anonymous_card_year_amount="200000")
    assert result.grade == "大型"
    assert result.rule == "threshold:diesel_month_t"
    assert "多项标准取最高者" in result.explanation


def test_institution_size_does_not_apply_to_individuals():
    result = grade_one(
        "shandong-retail", "institution_size", {"diesel_month_t": 80}, attributes={"customer_kind": "个人"}
    )
    assert result.grade is None
    assert result.rule == "not_applicable"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("99999", "站级"),
        ("100000", "区县级"),
        ("999999", "区县级"),
        ("1000000", "地市级"),
        ("19999999.99", "地市级"),
        ("20000000", "省级"),
    ],
)
def test_anonymous_card_boundaries_of_6_3(amount, expected):
    assert level(anonymous_card_year_amount=amount).grade == expected


def test_highest_criterion_wins_for_management_level():
    assert level(gasoline_month_t="3", diesel_month_t="60", anonymous_card_year_amount="50000").grade == "地市级"


def test_to_next_lists_every_criterion_that_could_lift_the_grade():
    text = level(gasoline_month_t="3").to_next
    assert "汽油月需求量再增加 2 吨" in text
    assert "柴油月需求量再增加 50 吨" in text
    assert text.endswith("即可升为地市级客户")


def test_province_wide_framework_agreement_is_provincial():
    result = level({"company_framework_agreement": True}, gasoline_month_t="1")
    assert result.grade == "省级"
    assert result.article == "6.3.1.1.2"


def test_minimum_condition_does_not_lower_a_higher_grade():
    attributes = {"supply_agreement": True, "consumption_stable": True, "institution_size": "中型"}
    assert level(attributes, diesel_month_t="60").grade == "地市级"
    assert level(attributes, diesel_month_t="1").grade == "区县级"


def test_each_level_names_its_owning_org_unit():
    owners = {
        grade: benefits_for(pack("shandong-retail"), "management_level", grade).owner_org_unit.value
        for grade in ("省级", "地市级", "区县级", "站级")
    }
    assert owners == {
        "省级": "公司加管处",
        "地市级": "所属单位零售管理部门",
        "区县级": "片区经理",
        "站级": "加油站经理及站内员工",
    }


def test_monthly_forms_are_due_on_the_fifth():
    schedules = {s.code: s for s in pack("shandong-retail").workflows.schedules}
    assert schedules["grade_table"].day_of_month == 5
    assert schedules["development_plan"].day_of_month == 25
    assert schedules["prospect_survey"].months == (7, 12)
