"""The optional `orders:` section (issue 11): parsed into OrderRules, validated with file and line."""

import textwrap

import pytest

from kehu.policy.engine import PackError, load_pack, load_pack_text
from kehu.policy.tests.engine.support import POLICIES

BASE = textwrap.dedent(
    """\
    pack: demo
    title: 示例办法
    company: 示例公司
    source_seed: demo.txt
    dimensions:
      - {code: channel, name: 类别, article: 第十条, values: [直销客户, 经销商]}
    schemes:
      - code: abcd
        name: 分级
        type: manual
        grade_attribute: abcd
        article: 一、2
        grades: [D, C, B, A]
    """
)


def load(orders: str):
    return load_pack_text(BASE + textwrap.dedent(orders), "demo.yaml")


def test_the_shipped_packs_declare_terms_credit_and_allocation():
    abcd = load_pack(POLICIES / "abcd-scoring.yaml").orders
    assert [t.code for t in abcd.payment_terms] == ["deferred_3m", "deferred_30d", "cash", "prepayment"]
    assert abcd.term_stepped_down(abcd.payment_terms[0], 1).grade == "B"
    assert abcd.term_stepped_down(abcd.payment_terms[3], 1).code == "prepayment"  # never past the strictest
    assert abcd.review_skip_below_amount.value.key == "orders.review_skip_below_yuan"
    credit = load_pack(POLICIES / "credit-abcd.yaml").orders
    assert credit.no_credit.grades == ("D",) and credit.no_credit.citation.article == "第6条"
    allocation = load_pack(POLICIES / "hb-chemicals.yaml").orders.allocation
    assert [(t.value, t.rule) for t in allocation.tiers] == [("直销客户", "guarantee"), ("独家代理商", "priority"),
                                                             ("经销商", "priority")]


def test_an_unknown_grade_a_duplicate_term_and_a_prepayment_with_a_due_date_are_reported_with_lines():
    with pytest.raises(PackError) as exc:
        load("""\
            orders:
              scheme: abcd
              payment_terms:
                - {grade: A, code: t1, name: 三个月, due_months: 3, article: 一、4}
                - {grade: E, code: t1, name: 重复, article: 一、4}
                - {grade: D, code: pre, name: 款到发货, prepayment: true, due_days: 5, article: 一、4}
            """)
    text = str(exc.value)
    assert "demo.yaml:18" in text and "没有等级 'E'" in text
    assert "付款方式 't1' 重复" in text
    assert "demo.yaml:19" in text and "不能同时规定付款期限" in text


def test_allocation_tiers_must_name_the_dimensions_values_and_known_measures():
    with pytest.raises(PackError) as exc:
        load("""\
            orders:
              allocation:
                dimension: channel
                window_months: 3
                article: 第三条
                tiers:
                  - {value: 代理商, rule: guarantee, article: 第三条}
                  - {value: 经销商, rule: priority, rank_by: [volume], article: 第十条}
            """)
    text = str(exc.value)
    assert "没有取值 '代理商'" in text and "未知的指标 'volume'" in text


def test_administrator_figures_are_listed_for_the_administrator():
    pack = load("""\
        orders:
          over_limit: {general_manager_above_percent: {admin_set: x.margin, purpose: 比例}, article: 第7条}
        """)
    assert [v.key for v in pack.orders.admin_values_needed()] == ["x.margin"]
