"""The optional `development` section: prospect surveys, plan targets, progress reports, the shared pool.
Errors name the file and the line; the shipped packs cite their articles and leave the pool's figures open."""

import textwrap

import pytest

from kehu.policy.engine import PackError, load_pack_text
from kehu.policy.engine.model import AdminValue

from .support import pack

HEAD = textwrap.dedent(
    """\
    pack: demo
    title: 示例办法
    company: 示例公司
    source_seed: demo.txt
    schemes:
      - {code: rating, name: 评级, type: manual, grade_attribute: rating, article: 第一条, grades: [甲, 乙]}
    """
)


def _line(section: str, marker: str) -> str:
    """`demo.yaml:<n>` of the first line of the whole pack text that contains `marker`."""
    lines = (HEAD + textwrap.dedent(section)).splitlines()
    return f"demo.yaml:{next(i for i, text in enumerate(lines, start=1) if marker in text)}"


def _load(section: str):
    return load_pack_text(HEAD + textwrap.dedent(section), "demo.yaml")


def _issues(section: str) -> list[str]:
    with pytest.raises(PackError) as exc:
        _load(section)
    return [str(issue) for issue in exc.value.issues]


def test_a_pack_without_the_section_has_no_development_rules():
    assert _load("").development is None


def test_shandong_retail_targets_are_the_minimums_of_6_5_3():
    dev = pack("shandong-retail").development
    targets = {t.code: t for t in dev.targets}
    assert (targets["institutional_per_county"].minimum, targets["institutional_per_county"].rule) == (1, "each")
    assert (targets["card_per_station"].minimum, targets["card_per_station"].rule) == (10, "average")
    assert all(t.citation.article == "6.5.3" for t in dev.targets)
    assert dev.plan.due.day_of_month == 25 and dev.plan.due.month_offset == -1
    assert dev.survey.months == (7, 12)


def test_hb_chemicals_plans_quarterly_per_account_manager_with_deadline_and_budget():
    dev = pack("hb-chemicals").development
    assert (dev.plan.period, dev.plan.lines_by, dev.plan.requires) == ("quarter", "assignee", ("deadline", "budget"))
    monthly = next(r for r in dev.progress_reports if r.code == "monthly_report")
    assert monthly.report_to == ("dept_manager", "general_manager")


@pytest.mark.parametrize("name", ["hb-chemicals", "shandong-retail"])
def test_the_pool_figures_are_left_to_the_administrator_because_no_regulation_gives_them(name):
    pool = pack(name).development.shared_pool
    assert all(isinstance(v, AdminValue) for v in (pool.days_without_follow_up, pool.reminder_days_before,
                                                    pool.claim_cap, pool.reclaim_wait_days))
    assert pool.resolve({}) == {"days_without_follow_up": None, "reminder_days_before": None, "claim_cap": None,
                                "reclaim_wait_days": None}


def test_fixed_pool_figures_are_whole_numbers():
    dev = _load("""\
        development:
          article: "6.5"
          shared_pool:
            days_without_follow_up: 30
            reminder_days_before: 5
            claim_cap: 10
            claim_cap_period: month
            reclaim_wait_days: 15
            article: 6.1.2
        """)
    assert dev.development.shared_pool.resolve({}) == {
        "days_without_follow_up": 30, "reminder_days_before": 5, "claim_cap": 10, "reclaim_wait_days": 15}


def test_a_missing_article_and_unknown_keys_are_reported_with_their_line():
    section = """\
        development:
          plan:
            period: month
            lines_by: unit
            article: 6.5.3
            deu: 25
        """
    issues = _issues(section)
    assert any(i.startswith(_line(section, "deu:")) and "deu" in i for i in issues)
    assert any(i.startswith(_line(section, "  plan:")) and "development 缺少条文引用" in i for i in issues)


def test_a_reminder_not_before_the_return_and_a_fractional_cap_are_refused():
    section = """\
        development:
          article: "6.5"
          shared_pool:
            days_without_follow_up: 10
            reminder_days_before: 10
            claim_cap: 2.5
            claim_cap_period: fortnight
            reclaim_wait_days: 0
            article: 6.1.2
        """
    issues = _issues(section)
    assert any(i.startswith(_line(section, "reminder_days_before")) and "须小于" in i for i in issues)
    assert any(i.startswith(_line(section, "claim_cap:")) and "应为整数" in i for i in issues)
    assert any(i.startswith(_line(section, "fortnight")) and "fortnight" in i for i in issues)


def test_targets_must_match_how_the_plan_is_broken_down():
    section = """\
        development:
          article: 第六条
          plan: {period: quarter, lines_by: assignee, article: 第六条}
          targets:
            - {code: t, category: institutional, per: county, minimum: 1, article: 6.5.3}
          prospect_survey: {months: [7, 13], article: 6.5.1}
        """
    issues = _issues(section)
    assert any(i.startswith(_line(section, "per: county")) and "lines_by" in i for i in issues)
    assert any(i.startswith(_line(section, "months: [7, 13]")) and "1–12" in i for i in issues)
