"""000 第九条: polyolefin grades by single-month pickup tonnage, moved one step at a time."""

import pytest

from kehu.policy.engine import Override, benefits_for, dimension_benefits_for
from kehu.policy.tests.engine.support import grade_one, pack

METRIC = "polyolefin_pickup_month"


def star(tons, previous="二星", **kwargs):
    # previous 二星 is within one step of every threshold grade except 普通, so it does not mask boundaries
    return grade_one("hb-chemicals", "polyolefin_star", {METRIC: tons}, previous_grade=previous, **kwargs)


@pytest.mark.parametrize(
    ("tons", "previous", "expected"),
    [
        ("0", "普通", "普通"),
        ("999.999", "普通", "普通"),
        ("1000", "普通", "一星"),
        ("1999.999", "一星", "一星"),
        ("2000", "一星", "二星"),
        ("2999.999", "二星", "二星"),
        ("3000", "二星", "三星"),
        ("8000", "三星", "三星"),
    ],
)
def test_boundaries_of_article_9(tons, previous, expected):
    assert star(tons, previous).grade == expected


def test_exactly_3000_tons_is_three_star_because_yishang_includes_the_number():
    assert star("3000", "二星").grade == "三星"


def test_exactly_1000_tons_is_one_star():
    assert star("1000", "一星").grade == "一星"


def test_ordinary_customer_with_3500_tons_moves_to_one_star_only():
    result = star("3500", "普通")
    assert result.grade == "一星"
    assert result.reached_grade == "三星"
    assert result.movement_limited
    assert "依次升降" in result.explanation
    assert "由普通客户升为一星客户" in result.explanation


def test_three_star_customer_with_no_pickup_moves_down_one_step():
    assert star("0", "三星").grade == "二星"


def test_new_customer_without_history_is_online_auction():
    result = grade_one("hb-chemicals", "polyolefin_star", {METRIC: 5000}, previous_grade=None)
    assert result.grade == "网拍"
    assert result.rule == "condition:new_customer"
    assert "新开发客户" in result.explanation


def test_online_auction_customer_moves_up_to_ordinary_next_period():
    assert star("2500", "网拍").grade == "普通"


def test_direct_customer_is_managed_as_ordinary():
    assert star("5000", "三星", attributes={"sales_object": "直销客户"}).grade == "普通"


def test_missing_metric_counts_as_no_pickup():
    assert grade_one("hb-chemicals", "polyolefin_star", {}, previous_grade="普通").grade == "普通"


def test_explanation_quotes_the_range_and_article():
    result = star("2150", "二星")
    assert result.explanation == "单月聚烯烃提货量 2,150 吨，满足『大于等于2000吨而小于3000吨』（第九条），评为二星客户"
    assert result.article == "第九条"


def test_to_next_says_how_many_tons_are_missing():
    assert star("2150", "二星").to_next.startswith("单月聚烯烃提货量再增加 850 吨（达到 3,000 吨），即可升为三星客户")


def test_to_previous_says_how_far_it_may_fall():
    assert star("2150", "二星").to_previous.startswith(
        "若单月聚烯烃提货量低于 2,000 吨（减少超过 150 吨），将降为一星客户"
    )


def test_override_wins_and_explanation_names_reason_and_approver():
    override = Override(grade="三星", reason="战略合作，综合考核", approver="总经理 王某")
    result = star("10", "普通", override=override)
    assert result.grade == "三星"
    assert result.rule == "override"
    assert "战略合作，综合考核" in result.explanation
    assert "总经理 王某" in result.explanation


def test_override_without_reason_is_rejected():
    from kehu.policy.engine import EvaluationError

    with pytest.raises(EvaluationError, match="原因"):
        star("10", "普通", override=Override(grade="三星", reason=" ", approver="王某"))


def test_every_grade_is_prepayment_before_release():
    terms = benefits_for(pack("hb-chemicals"), "polyolefin_star", "三星")
    assert terms.payment_terms.value.startswith("款到发货")
    assert terms.payment_terms.citation.article == "第二条"


def test_direct_sales_come_first_in_resource_allocation():
    order = {
        value: dimension_benefits_for(pack("hb-chemicals"), "other_products_channel", value)["order_priority"].value
        for value in ("直销客户", "独家代理商", "经销商")
    }
    assert order == {"直销客户": 1, "独家代理商": 2, "经销商": 3}


def test_admission_chain_is_sales_then_finance_then_general_manager():
    chain = pack("hb-chemicals").workflows.approval_chains["admission"]
    assert [step.role for step in chain.steps] == ["sales_dept", "finance_dept", "general_manager"]
    assert chain.citation.article == "第七条"


def test_complaint_deadlines_are_1_and_3_working_days_extendable_to_7():
    deadlines = pack("hb-chemicals").workflows.deadlines
    assert (deadlines["complaint_general"].amount, deadlines["complaint_general"].unit) == (1, "working_days")
    assert deadlines["complaint_major"].amount == 3
    assert deadlines["complaint_major"].extension.max_amount == 7
