"""001: the regulation names 大/中/小 but gives no figures, so an administrator must set them."""

from decimal import Decimal

import pytest

from kehu.policy.engine import AdminValueMissing, CustomerFacts, EvaluationError, evaluate_scheme
from kehu.policy.tests.engine.support import grade_one, pack

ADMIN = {"shaanxi-cement.volume.medium_min": 5000, "shaanxi-cement.volume.large_min": 20000}


def test_volume_scheme_without_admin_values_is_a_clear_error():
    with pytest.raises(AdminValueMissing) as raised:
        grade_one("shaanxi-cement", "volume", {"cement_sales_year": 100})
    message = str(raised.value)
    assert "shaanxi-cement.volume.medium_min" in message
    assert "shaanxi-cement.volume.large_min" in message
    assert "第六条" in message


def test_volume_scheme_missing_one_admin_value_names_only_that_one():
    with pytest.raises(AdminValueMissing) as raised:
        grade_one("shaanxi-cement", "volume", {}, admin_values={"shaanxi-cement.volume.medium_min": 5000})
    assert [key for key, _, _ in raised.value.missing] == ["shaanxi-cement.volume.large_min"]


@pytest.mark.parametrize(("tons", "expected"), [(4999, "小"), (5000, "中"), (19999, "中"), (20000, "大")])
def test_volume_uses_the_administrator_figures(tons, expected):
    assert grade_one("shaanxi-cement", "volume", {"cement_sales_year": tons}, admin_values=ADMIN).grade == expected


def test_admin_values_in_the_wrong_order_are_rejected():
    wrong = {"shaanxi-cement.volume.medium_min": 20000, "shaanxi-cement.volume.large_min": 5000}
    with pytest.raises(EvaluationError, match="请检查设定"):
        grade_one("shaanxi-cement", "volume", {"cement_sales_year": 1}, admin_values=wrong)


def test_top_20_buyers_are_selected_for_the_satisfaction_survey():
    scheme = pack("shaanxi-cement").scheme("satisfaction_survey_top20")
    facts = [CustomerFacts(f"K{i:03}", {"purchase_amount_year": Decimal(i * 1000)}) for i in range(1, 51)]
    results = evaluate_scheme(scheme, facts, "2024")
    chosen = {r.customer_id for r in results if r.grade == "前20名"}
    assert chosen == {f"K{i:03}" for i in range(31, 51)}


def test_quality_complaint_types_follow_article_19():
    names = [t.name for t in pack("shaanxi-cement").workflows.complaint_types]
    assert names == ["袋数不足", "袋重异议", "破损过大", "受潮结块", "散装亏吨超标", "水泥质量问题"]


def test_our_fault_solution_is_due_in_3_working_days_and_logging_the_same_day():
    deadlines = pack("shaanxi-cement").workflows.deadlines
    assert (deadlines["complaint_solution_our_fault"].amount, deadlines["complaint_solution_our_fault"].unit) == (
        3,
        "working_days",
    )
    assert deadlines["complaint_logging"].unit == "same_day"


def test_category_dimension_has_the_seven_values_of_article_6():
    values = pack("shaanxi-cement").dimensions["category"].value_codes()
    assert values == ("集团内部", "国资委系统", "战略合作伙伴", "商混站", "中间商", "重点工程", "其他")
