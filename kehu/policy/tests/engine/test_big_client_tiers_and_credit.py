"""003 大客户综合管理制度 (supplier-side tiers) and 客户信用管理制度 (manual credit rating)."""

import pytest

from kehu.policy.engine import EvaluationError, Override, benefits_for
from kehu.policy.tests.engine.support import grade_one, pack


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (4999999, None),
        (5000000, "普通"),
        (19999999, "普通"),
        (20000000, "伙伴式"),
        (49999999, "伙伴式"),
        (50000000, "战略性"),
    ],
)
def test_supplier_tier_boundaries_of_article_5(amount, expected):
    assert grade_one("big-client-tiers", "supplier_tiers", {"purchase_from_client_year": amount}).grade == expected


def test_credit_rating_comes_from_the_manual_assessment():
    result = grade_one("credit-abcd", "credit_rating", attributes={"credit_rating": "B"})
    assert result.grade == "B"
    assert result.rule == "manual"


def test_unrated_customer_has_no_credit_grade():
    result = grade_one("credit-abcd", "credit_rating")
    assert result.grade is None
    assert "尚未评定" in result.explanation


def test_unknown_credit_rating_is_an_error():
    with pytest.raises(EvaluationError, match="不是方案 credit_rating 的等级"):
        grade_one("credit-abcd", "credit_rating", attributes={"credit_rating": "E"})


def test_credit_rating_override_wins():
    override = Override("D", reason="连续逾期", approver="授信额度管理小组")
    assert grade_one("credit-abcd", "credit_rating", attributes={"credit_rating": "A"}, override=override).grade == "D"


def test_class_d_gets_no_credit():
    assert benefits_for(pack("credit-abcd"), "credit_rating", "D").credit_limit.value == "不给予任何信用交易"


def test_credit_above_the_limit_goes_to_department_head_then_general_manager():
    chain = pack("credit-abcd").workflows.approval_chains["credit_over_limit"]
    assert [s.role for s in chain.steps] == ["salesperson", "department_head", "general_manager"]
