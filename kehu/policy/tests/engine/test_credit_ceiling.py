"""003 客户信用管理制度 第6条 1.: an A-class customer's credit limit may not exceed its sales within the contract's
payment term. The pack rule (orders.credit_limit_ceiling), its validation, and the engine's evaluation."""

import textwrap
from datetime import date
from decimal import Decimal

import pytest

from kehu.policy.engine import PackError, load_pack, load_pack_text
from kehu.policy.engine.model import Citation
from kehu.policy.engine.orders import CreditCeilingFacts, CreditCeilingRule, PaymentTerm
from kehu.policy.tests.engine.support import POLICIES

D = Decimal
BASE = textwrap.dedent(
    """\
    pack: demo
    title: 示例办法
    company: 示例公司
    source_seed: demo.txt
    schemes:
      - code: credit
        name: 信用等级
        type: manual
        grade_attribute: credit
        article: 第5条
        grades: [D, C, B, A]
    """
)
RULE = CreditCeilingRule(("A",), "sales_within_payment_term", Citation("第6条 1."))
THREE_MONTHS = PaymentTerm("A", "deferred_3m", "交货日3个月内付款", Citation("一、4"), due_months=3)
THIRTY_DAYS = PaymentTerm("B", "deferred_30d", "远期30日内付款", Citation("一、4"), due_days=30)
CASH = PaymentTerm("C", "cash", "现款现货", Citation("一、4"))
PREPAY = PaymentTerm("D", "prepayment", "款到发货", Citation("一、4"), prepayment=True)


def load(orders: str):
    return load_pack_text(BASE + textwrap.dedent(orders), "demo.yaml")


def test_the_shipped_credit_pack_caps_a_class_limits_by_article_6_1():
    rule = load_pack(POLICIES / "credit-abcd.yaml").orders.credit_ceiling
    assert rule.grades == ("A",) and rule.basis == "sales_within_payment_term"
    assert rule.citation.article == "第6条 1."
    assert rule.citation.quote.endswith("但授信额度不超过合同所订立账期内的销售额。")


def test_a_ceiling_without_article_basis_or_with_an_unknown_grade_or_basis_is_reported_with_its_line():
    with pytest.raises(PackError) as exc:
        load("""\
            orders:
              scheme: credit
              credit_limit_ceiling: {grades: [E], basis: sales_last_year}
            """)
    text = str(exc.value)
    assert "demo.yaml:14" in text and "缺少条文引用 article" in text
    assert "没有等级 'E'" in text
    assert "未知的额度上限计算依据 'sales_last_year'" in text and "sales_within_payment_term" in text
    with pytest.raises(PackError) as exc:
        load("""\
            orders:
              scheme: credit
              credit_limit_ceiling: {grades: [A], article: 第6条 1.}
            """)
    assert "缺少必填项 'basis'" in str(exc.value)


def test_a_ceiling_must_name_the_scheme_its_grades_belong_to():
    with pytest.raises(PackError) as exc:
        load("""\
            orders:
              credit_limit_ceiling: {grades: [A], basis: sales_within_payment_term, article: 第6条 1.}
            """)
    assert "credit_limit_ceiling 按等级规定，须用 scheme 写明分级方案" in str(exc.value)


def test_three_months_counts_pickups_from_the_same_day_three_months_back_through_today():
    assert RULE.window(THREE_MONTHS, date(2026, 12, 7)) == (date(2026, 9, 7), date(2026, 12, 7))
    # 2-28 + 3 months is 5-28, already due on 5-31: the window starts on 3-1
    assert RULE.window(THREE_MONTHS, date(2026, 5, 31)) == (date(2026, 3, 1), date(2026, 5, 31))
    assert RULE.window(THIRTY_DAYS, date(2026, 12, 7)) == (date(2026, 11, 7), date(2026, 12, 7))


def test_no_deferred_term_means_no_window_and_a_zero_ceiling():
    for term in (CASH, PREPAY, None):
        result = RULE.evaluate(CreditCeilingFacts("A", D("0.01"), term, date(2026, 12, 7), D("5000")))
        assert result.window is None and result.ceiling == 0 and not result.allowed
        assert "没有账期" in result.explanation or term is None


def test_a_limit_exactly_at_the_sales_within_the_term_passes_one_cent_more_does_not():
    at = RULE.evaluate(CreditCeilingFacts("A", D("123456.78"), THREE_MONTHS, date(2026, 12, 7), D("123456.78")))
    assert at.allowed and at.ceiling == D("123456.78")
    assert at.explanation == ("A级客户的授信额度不超过合同所订立账期内的销售额：账期“交货日3个月内付款”，"
                              "2026-09-07 至 2026-12-07 提货金额 123,456.78 元，上限 123,456.78 元")
    over = RULE.evaluate(CreditCeilingFacts("A", D("123456.79"), THREE_MONTHS, date(2026, 12, 7), D("123456.78")))
    assert not over.allowed and over.citation.article == "第6条 1."


def test_the_rule_applies_only_to_the_grades_it_names():
    assert RULE.applies_to("A")
    assert not RULE.applies_to("B") and not RULE.applies_to(None)
