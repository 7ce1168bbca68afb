"""shandong-retail (highest criterion wins) and abcd-scoring (forced 20/30/40/10 distribution) through regrade."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kehu.policy.models import GradeAssignment
from kehu.policy.services import admin_value_set, manual_metric_set, regrade

MAY = date(2024, 5, 10)


def _grade(customer, scheme, pack="shandong-retail", period="2024-05"):
    return GradeAssignment.objects.get(customer=customer, pack_name=pack, scheme_code=scheme, period=period)


def test_shandong_highest_criterion_wins(make_customers, pickup):
    (c,) = make_customers(1, classifications={"customer_kind": "机构"})
    pickup(c, "3", MAY, group="gasoline")  # 中型 by gasoline
    pickup(c, "60", MAY, group="diesel")  # 大型 by diesel
    regrade(pack_name="shandong-retail", period="2024-05")
    size = _grade(c, "institution_size")
    assert size.grade == "大型"
    assert size.rule == "threshold:diesel_month_t"
    assert "多项标准取最高者" in size.explanation
    assert _grade(c, "management_level").grade == "地市级"


def test_shandong_exactly_2_tons_gasoline_is_medium(make_customers, pickup):
    (c,) = make_customers(1, classifications={"customer_kind": "机构"})
    pickup(c, "2", MAY, group="gasoline")
    regrade(pack_name="shandong-retail", period="2024-05")
    assert _grade(c, "institution_size").grade == "中型"


def test_shandong_size_does_not_apply_to_individuals(make_customers, pickup):
    (c,) = make_customers(1, classifications={"customer_kind": "个人"})
    pickup(c, "60", MAY, group="diesel")
    regrade(pack_name="shandong-retail", period="2024-05")
    assert _grade(c, "institution_size").grade is None
    assert _grade(c, "institution_size").rule == "not_applicable"


def test_shandong_framework_agreement_is_provincial(make_customers, groups):
    (c,) = make_customers(1, classifications={"customer_kind": "机构", "company_framework_agreement": True})
    regrade(pack_name="shandong-retail", period="2024-05")
    assert _grade(c, "management_level").grade == "省级"


WEIGHTS = {"sales_scale": 30, "payment_credit": 20, "profit_margin": 10, "order_volume": 10, "sales_model": 10,
           "brand_share": 10, "history": 5, "reputation": 5}


def test_forced_distribution_over_a_batch(make_customers, admin_user, groups):
    for key, value in WEIGHTS.items():
        admin_value_set(actor=admin_user, pack_name="abcd-scoring", key=f"abcd.weight.{key}", value=value)
    customers = make_customers(10)
    for i, c in enumerate(customers):
        for metric in ("f_sales_scale", "f_payment_credit", "f_profit_margin", "f_order_volume", "f_sales_model",
                       "f_brand_share", "f_history", "f_reputation"):
            manual_metric_set(actor=admin_user, customer=c, pack_name="abcd-scoring", metric=metric,
                              value=100 - i * 5)
    regrade(pack_name="abcd-scoring", period="2024")
    grades = [GradeAssignment.objects.get(customer=c, pack_name="abcd-scoring", period="2024").grade
              for c in customers]
    assert grades == ["A", "A", "B", "B", "B", "C", "C", "C", "C", "D"]
    top = GradeAssignment.objects.get(customer=customers[0], pack_name="abcd-scoring", period="2024")
    assert "强制分布" in top.explanation and "第 1 名" in top.explanation


def test_forced_distribution_tie_break_is_stable(make_customers, admin_user, groups):
    for key, value in WEIGHTS.items():
        admin_value_set(actor=admin_user, pack_name="abcd-scoring", key=f"abcd.weight.{key}", value=value)
    customers = make_customers(5)
    for c in customers:
        for metric in ("f_sales_scale", "f_payment_credit", "f_profit_margin", "f_order_volume", "f_sales_model",
                       "f_brand_share", "f_history", "f_reputation"):
            manual_metric_set(actor=admin_user, customer=c, pack_name="abcd-scoring", metric=metric, value=Decimal(80))
    regrade(pack_name="abcd-scoring", period="2024")
    first = dict(GradeAssignment.objects.filter(pack_name="abcd-scoring").values_list("customer_id", "grade"))
    regrade(pack_name="abcd-scoring", period="2024")
    assert dict(GradeAssignment.objects.filter(pack_name="abcd-scoring").values_list("customer_id", "grade")) == first
    assert sum(1 for g in first.values() if g == "A") == 1


def test_shaanxi_cement_volume_sums_bagged_and_bulk_cement(make_customers, pickup, admin_user):
    admin_value_set(actor=admin_user, pack_name="shaanxi-cement", key="shaanxi-cement.volume.medium_min", value=5000)
    admin_value_set(actor=admin_user, pack_name="shaanxi-cement", key="shaanxi-cement.volume.large_min", value=20000)
    both, bagged_only = make_customers(2)
    pickup(both, "3000", date(2024, 3, 1), group="cement-bagged")
    pickup(both, "2500", date(2024, 9, 1), group="cement-bulk")  # 5,500 t together: 中
    pickup(bagged_only, "3000", date(2024, 3, 1), group="cement-bagged")
    pickup(bagged_only, "9000", date(2024, 3, 1), group="gasoline")  # not cement: does not count
    regrade(pack_name="shaanxi-cement", period="2024")
    volume = _grade(both, "volume", pack="shaanxi-cement", period="2024")
    assert volume.grade == "中"
    assert Decimal(volume.metrics["cement_sales_year"]) == Decimal("5500")
    assert _grade(bagged_only, "volume", pack="shaanxi-cement", period="2024").grade == "小"


def test_shandong_card_criterion_counts_only_fuel_card_amounts(make_customers, pickup):
    gasoline_only, card = make_customers(2, classifications={"customer_kind": "机构"})
    # 1 t of gasoline at 150,000 元 is small by tonnage; its amount is no 不记名卡 purchase.
    pickup(gasoline_only, "1", MAY, group="gasoline", amount="150000")
    pickup(card, "150000", MAY, group="fuel-card", amount="150000")
    regrade(pack_name="shandong-retail", period="2024-05")
    size = _grade(gasoline_only, "institution_size")
    assert size.grade == "小型"
    assert Decimal(size.metrics["anonymous_card_year_amount"]) == 0
    assert _grade(gasoline_only, "management_level").grade == "站级"
    assert _grade(card, "institution_size").grade == "中型"
    assert _grade(card, "management_level").grade == "区县级"


def test_shandong_texts_built_on_read_match_the_engine(make_customers, pickup):
    from kehu.policy.engine import CustomerFacts, evaluate_scheme
    from kehu.policy.selectors import pack_get

    (framework,) = make_customers(1, classifications={"customer_kind": "机构", "company_framework_agreement": True})
    (person,) = make_customers(1, classifications={"customer_kind": "个人"})
    pickup(framework, "3", MAY, group="gasoline")
    regrade(pack_name="shandong-retail", period="2024-05")
    scheme = pack_get("shandong-retail").scheme("institution_size")
    level = pack_get("shandong-retail").scheme("management_level")
    zero = {"gasoline_month_t": Decimal("0.000"), "diesel_month_t": Decimal("0.000"),
            "anonymous_card_year_amount": Decimal("0.00")}
    size_facts = [
        CustomerFacts(framework.pk, {**zero, "gasoline_month_t": Decimal("3.000")},
                      {"customer_kind": "机构", "company_framework_agreement": True}),
        CustomerFacts(person.pk, zero, {"customer_kind": "个人"}),
    ]
    level_facts = [
        CustomerFacts(framework.pk, {**zero, "gasoline_month_t": Decimal("3.000")},
                      {"customer_kind": "机构", "company_framework_agreement": True, "institution_size": "中型"}),
    ]
    expected = [*evaluate_scheme(scheme, size_facts, "2024-05"), *evaluate_scheme(level, level_facts, "2024-05")]
    assert [r.rule for r in expected] == ["threshold:gasoline_month_t", "not_applicable",
                                          "condition:company_framework_agreement"]
    for result in expected:
        stored = _grade(result.customer_id, result.scheme)
        assert stored.grade == result.grade
        assert (stored.explanation, stored.to_next, stored.to_previous) == (
            result.explanation, result.to_next, result.to_previous)
