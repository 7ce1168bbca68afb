"""003 广东省邮政函件大客户管理办法: tiers by yearly revenue, 0.9–0.8 coefficient for group 2/3 cities."""

import pytest

from kehu.policy.engine import EvaluationError, benefits_for
from kehu.policy.tests.engine.support import grade_one, pack

COEFFICIENTS = {"guangdong-post.coefficient.group2": "0.9", "guangdong-post.coefficient.group3": "0.8"}


def tier(revenue, **kwargs):
    return grade_one("guangdong-post", "letter_tiers", {"letter_revenue_year": revenue}, **kwargs)


@pytest.mark.parametrize(
    ("revenue", "expected"),
    [
        (9999, None),
        (10000, "VIP"),
        (199999, "VIP"),
        (200000, "黄金"),
        (1999999, "黄金"),
        (2000000, "白金"),
        (4999999, "白金"),
        (5000000, "钻石"),
    ],
)
def test_boundaries_of_chapter_2(revenue, expected):
    assert tier(revenue).grade == expected


def test_below_10000_is_not_a_big_client():
    result = tier(5000)
    assert result.grade is None
    assert "未达到" in result.explanation


def test_smaller_city_group_uses_the_coefficient_on_the_vip_entry_line():
    result = tier(8000, region_group="第三组", admin_values=COEFFICIENTS)
    assert result.grade == "VIP"
    assert "系数 0.8" in result.explanation


def test_coefficient_group_2_is_0_9():
    assert tier(8999, region_group="第二组", admin_values=COEFFICIENTS).grade is None
    assert tier(9000, region_group="第二组", admin_values=COEFFICIENTS).grade == "VIP"


def test_group_1_city_is_not_scaled():
    assert tier(9000, region_group="第一组", admin_values=COEFFICIENTS).grade is None


def test_unset_coefficient_means_the_standard_applies_unscaled():
    assert tier(9000, region_group="第三组").grade is None


def test_coefficient_outside_0_8_to_0_9_is_rejected():
    with pytest.raises(EvaluationError, match="超出条文允许的范围"):
        tier(9000, region_group="第三组", admin_values={"guangdong-post.coefficient.group3": "0.7"})


def test_registered_upstream_client_is_diamond():
    assert tier(0, attributes={"provincial_crm_upstream": True}).grade == "钻石"


def test_diamond_is_owned_by_the_provincial_big_client_centre():
    assert benefits_for(pack("guangdong-post"), "letter_tiers", "钻石").owner_org_unit.value == "省函件集邮局大客户中心"
