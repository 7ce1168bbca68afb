"""003 客户分级管理制度: 100-point score, forced 20/30/40/10 distribution, terms per class."""

from collections import Counter
from decimal import Decimal

import pytest

from kehu.policy.engine import AdminValueMissing, CustomerFacts, EvaluationError, benefits_for, evaluate_scheme
from kehu.policy.tests.engine.support import pack

FACTORS = (
    "sales_scale",
    "payment_credit",
    "profit_margin",
    "order_volume",
    "sales_model",
    "brand_share",
    "history",
    "reputation",
)
WEIGHTS = dict(zip((f"abcd.weight.{f}" for f in FACTORS), (20, 20, 15, 10, 10, 10, 5, 10), strict=True))


def scheme():
    return pack("abcd-scoring").scheme("abcd")


def scored(customer_id, score, sales="0"):
    return CustomerFacts(customer_id, {"score": Decimal(score), "sales_amount_year": Decimal(sales)})


def test_forced_distribution_is_20_30_40_10():
    facts = [scored(f"K{i:04}", i) for i in range(1000)]
    counts = Counter(r.grade for r in evaluate_scheme(scheme(), facts, "2024"))
    assert counts == {"A": 200, "B": 300, "C": 400, "D": 100}


def test_highest_scores_are_class_a():
    facts = [scored(f"K{i:02}", i) for i in range(10)]
    grades = {r.customer_id: r.grade for r in evaluate_scheme(scheme(), facts, "2024")}
    assert (grades["K09"], grades["K08"], grades["K07"], grades["K04"], grades["K00"]) == ("A", "A", "B", "C", "D")


def test_equal_scores_are_split_by_yearly_sales_then_customer_code():
    facts = [
        scored("K3", 90, "100"),
        scored("K1", 90, "500"),
        scored("K2", 90, "100"),
        scored("K4", 10),
        scored("K5", 5),
    ]
    results = {r.customer_id: r for r in evaluate_scheme(scheme(), facts, "2024")}
    # 5 customers: A = round(1.0) = 1, A+B = round(2.5) = 3, A+B+C = round(4.5) = 5
    assert results["K1"].grade == "A"
    assert (results["K2"].grade, results["K3"].grade) == ("B", "B")
    assert "同分依次按上一年度销售额、客户编号" in results["K2"].explanation


def test_band_sizes_round_half_up_on_cumulative_shares_and_add_up():
    facts = [scored(f"K{i}", i) for i in range(7)]
    counts = Counter(r.grade for r in evaluate_scheme(scheme(), facts, "2024"))
    # cumulative 20/50/90 % of 7 = 1.4, 3.5, 6.3 → 1, 4, 6, rest 7
    assert counts == {"A": 1, "B": 3, "C": 2, "D": 1}


def test_score_is_computed_from_weighted_factors():
    facts = [
        CustomerFacts("K1", {**{f"f_{f}": Decimal(100) for f in FACTORS}}),
        CustomerFacts("K2", {**{f"f_{f}": Decimal(0) for f in FACTORS}}),
    ]
    results = {r.customer_id: r for r in evaluate_scheme(scheme(), facts, "2024", admin_values=WEIGHTS)}
    assert "综合积分 100，" in results["K1"].explanation
    assert "排第 1 名" in results["K1"].explanation
    assert "综合积分 0，" in results["K2"].explanation


def test_weights_are_required_when_the_score_must_be_computed():
    facts = [CustomerFacts("K1", {f"f_{f}": Decimal(50) for f in FACTORS})]
    with pytest.raises(AdminValueMissing, match=r"abcd\.weight\.sales_scale"):
        evaluate_scheme(scheme(), facts, "2024")


def test_weights_not_adding_to_100_are_rejected():
    facts = [CustomerFacts("K1", {f"f_{f}": Decimal(50) for f in FACTORS})]
    with pytest.raises(EvaluationError, match="合计应为 100"):
        evaluate_scheme(scheme(), facts, "2024", admin_values={**WEIGHTS, "abcd.weight.history": 6})


def test_to_next_names_the_rank_to_reach():
    facts = [scored(f"K{i:02}", i) for i in range(10)]
    by_id = {r.customer_id: r for r in evaluate_scheme(scheme(), facts, "2024")}
    assert by_id["K07"].to_next.startswith("排名须进入前 2 名")


@pytest.mark.parametrize(
    ("grade", "discount", "surcharge", "lead_time"),
    [
        ("A", Decimal(5), None, 20),
        ("B", Decimal(3), None, 30),
        ("C", Decimal(0), None, 40),
        ("D", None, Decimal(5), None),
    ],
)
def test_terms_per_class(grade, discount, surcharge, lead_time):
    terms = benefits_for(pack("abcd-scoring"), "abcd", grade)
    assert (terms.discount_cap_percent.value if terms.discount_cap_percent else None) == discount
    assert (terms.surcharge_percent.value if terms.surcharge_percent else None) == surcharge
    assert (terms.lead_time_days.value if terms.lead_time_days else None) == lead_time


def test_only_class_a_may_insert_rush_orders():
    policies = {g: benefits_for(pack("abcd-scoring"), "abcd", g).rush_orders.value for g in "ABCD"}
    assert policies == {"A": "allowed", "B": "case_by_case", "C": "not_allowed", "D": "not_allowed"}


def test_class_a_is_visited_every_quarter():
    assert benefits_for(pack("abcd-scoring"), "abcd", "A").visits_per_year.value == 4


def test_two_late_payments_in_a_quarter_lower_payment_terms_one_step():
    terms = benefits_for(pack("abcd-scoring"), "abcd", "A", metrics={"late_payments_quarter": Decimal(2)})
    assert terms.payment_terms.value == benefits_for(pack("abcd-scoring"), "abcd", "B").payment_terms.value
    assert terms.payment_terms.citation.article == "一、4"
    assert terms.adjustments


def test_one_late_payment_keeps_the_payment_terms():
    terms = benefits_for(pack("abcd-scoring"), "abcd", "A", metrics={"late_payments_quarter": Decimal(1)})
    assert terms.payment_terms.value.startswith("交货日3个月内")


def test_benefits_for_unknown_grade_is_an_error():
    with pytest.raises(EvaluationError, match="没有等级"):
        benefits_for(pack("abcd-scoring"), "abcd", "E")
