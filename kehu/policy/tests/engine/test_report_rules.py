"""The pack's `reports` section: churn rules (validated with file and line) and their evaluation at the boundaries."""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from decimal import Decimal

import pytest

from kehu.policy.engine import AdminValueMissing, PackError, load_pack, load_pack_text
from kehu.policy.engine.reports import ChurnFacts, churn_reasons

BASE = textwrap.dedent(
    """\
    pack: demo
    title: 示例办法
    company: 示例公司
    source_seed: demo.txt
    schemes:
      - code: stars
        name: 星级
        type: manual
        article: 第九条
        grades: [A, B]
        grade_attribute: star
    """
)

CHURN = textwrap.dedent(
    """\
    reports:
      churn:
        name: 流失
        article: 6.6.2
        applies_when: {attribute: customer_kind, equals: 机构}
        product_groups: [汽油, 柴油]
        rules:
          - {code: gap, kind: no_pickup_days, label: 连续未提货, days: 90, article: 6.6.1}
          - {code: drop, kind: volume_drop_percent, label: 同比下降, percent: 30, article: 6.6.1}
    """
)


def _spec(text: str = CHURN):
    return load_pack_text(BASE + text, "demo.yaml").reports.churn


def _issues(text: str) -> list[str]:
    with pytest.raises(PackError) as err:
        load_pack_text(BASE + text, "demo.yaml")
    return [str(i) for i in err.value.issues]


def test_the_shipped_packs_declare_their_report_rules():
    sd = load_pack("policies/shandong-retail.yaml").reports
    assert [r.kind for r in sd.churn.rules] == ["no_pickup_days", "volume_drop_percent"]
    assert {v.key for v in sd.admin_values_needed()} == {"sd.churn_no_pickup_days", "sd.churn_volume_drop_percent"}
    hb = load_pack("policies/hb-chemicals.yaml").reports
    assert {d.report for d in hb.due_days} == {"hb_review_quarter", "hb_review_half_year", "hb_review_year"}


def test_a_pack_without_the_section_has_none():
    assert load_pack_text(BASE, "demo.yaml").reports is None


def test_an_unknown_rule_kind_names_file_and_line():
    issues = _issues(CHURN.replace("kind: volume_drop_percent", "kind: volume_down"))
    assert any(i.startswith("demo.yaml:") and "volume_down" in i and "流失判定方式" in i for i in issues)


def test_a_rule_without_article_is_refused():
    issues = _issues(CHURN.replace(", article: 6.6.1}", "}", 1))
    assert any("条文引用" in i for i in issues)


def test_a_percent_above_100_is_refused():
    issues = _issues(CHURN.replace("percent: 30", "percent: 130"))
    assert any("不能超过 100" in i for i in issues)


def test_a_fractional_day_count_is_refused():
    issues = _issues(CHURN.replace("days: 90", "days: 90.5"))
    assert any("整数天" in i for i in issues)


def test_a_typo_in_the_section_is_reported_with_its_line():
    issues = _issues(CHURN.replace("  churn:", "  chrun:"))
    line = BASE.count("\n") + 2
    assert any(i.startswith(f"demo.yaml:{line}:") and "chrun" in i for i in issues)


def test_an_admin_set_threshold_must_be_supplied():
    spec = _spec(CHURN.replace("days: 90", "days: {admin_set: demo.gap_days}"))
    with pytest.raises(AdminValueMissing) as err:
        churn_reasons(spec, [], period_start=date(2026, 11, 1), period_end=date(2026, 11, 30))
    assert "demo.gap_days" in str(err.value)


NOV_START, NOV_END = date(2026, 11, 1), date(2026, 11, 30)


def _reasons(last_pickup=None, quantity="0", last_year="0"):
    facts = ChurnFacts(1, last_pickup, Decimal(quantity), Decimal(last_year))
    return churn_reasons(_spec(), [facts], period_start=NOV_START, period_end=NOV_END)


def test_exactly_90_days_without_pickup_is_churn():
    (reason,) = _reasons(last_pickup=NOV_END - timedelta(days=90))
    assert reason.rule == "gap" and reason.value == 90
    assert "已连续 90 天未提货" in reason.text and "6.6.1" in reason.text


def test_89_days_without_pickup_is_not_churn():
    assert _reasons(last_pickup=NOV_END - timedelta(days=89)) == []


def test_a_gap_that_reached_90_days_last_month_is_not_counted_again():
    # 90 days were reached on 2026-10-31: that was October's churn.
    assert _reasons(last_pickup=date(2026, 10, 31) - timedelta(days=90)) == []
    assert len(_reasons(last_pickup=date(2026, 11, 1) - timedelta(days=90))) == 1


def test_exactly_30_percent_down_on_the_same_month_last_year_is_churn():
    (reason,) = _reasons(last_pickup=date(2026, 11, 20), quantity="7", last_year="10")
    assert reason.rule == "drop" and reason.value == Decimal("30.0")
    assert "下降 30.0%" in reason.text


def test_just_under_30_percent_down_is_not_churn():
    assert _reasons(last_pickup=date(2026, 11, 20), quantity="7.001", last_year="10") == []


def test_no_pickups_last_year_is_no_drop():
    assert _reasons(last_pickup=date(2026, 11, 20), quantity="0", last_year="0") == []


def test_both_reasons_are_given_when_both_hold():
    reasons = _reasons(last_pickup=NOV_END - timedelta(days=95), quantity="0", last_year="12")
    assert {r.rule for r in reasons} == {"gap", "drop"}
