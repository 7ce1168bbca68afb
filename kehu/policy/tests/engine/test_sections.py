"""The `figures` and `applications` pack sections (003 委建房, 铁路/电力大客户): validation with file and line,
eligibility at the boundaries 第五条 names, and the deadlines of 第二节 4 and 第八条/第十条/第十一条."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from kehu.policy.engine import AdminValueMissing, PackError, load_pack_text
from kehu.policy.engine.sections import add_period, figure_value, milestone_due, validity_end
from kehu.policy.tests.engine.support import pack

NEW_PACKS = ("commissioned-housing", "railway-big-client", "power-big-client")


def _weekdays(d: date) -> bool:
    return d.weekday() < 5


def _add_weekdays(d: date, n: int) -> date:
    while n:
        d += timedelta(days=1)
        n -= _weekdays(d)
    return d


@pytest.mark.parametrize("name", NEW_PACKS)
def test_new_packs_load_and_cite_every_rule(name):
    loaded = pack(name)
    assert all(f.citation.article for f in loaded.figures.values())
    for program in loaded.applications.values():
        assert program.citation.article
        assert all(m.citation.article for m in program.milestones)
        assert all(r.citation.article for r in program.eligibility)
    assert all(c.citation.article for c in loaded.workflows.approval_chains.values())


def test_housing_figures_come_from_the_articles():
    housing = pack("commissioned-housing")
    assert figure_value(housing, "min_payment_ratio_percent") == Decimal(50)
    assert housing.figures["min_payment_ratio_percent"].citation.article == "七、(一)5"
    assert figure_value(housing, "min_candidates") == 3
    assert figure_value(housing, "rename_fee_percent") == 50


def test_an_admin_set_figure_is_never_guessed():
    housing = pack("commissioned-housing")
    with pytest.raises(AdminValueMissing) as exc:
        figure_value(housing, "loan_conversion_fee")
    assert "housing.loan_conversion_fee" in str(exc.value) and "十、(二)4" in str(exc.value)
    assert figure_value(housing, "loan_conversion_fee", {"housing.loan_conversion_fee": Decimal(2000)}) == 2000
    slot = housing.figures["loan_conversion_fee"].value
    assert (slot.allowed_min, slot.allowed_max) == (1000, 3000)


def test_price_and_release_chains_follow_articles_seven_and_eight():
    chains = pack("commissioned-housing").workflows.approval_chains
    assert [s.role for s in chains["housing_price"].steps] == ["营销总监", "财务总监", "项目总", "总经理", "董事长"]
    assert [s.role for s in chains["housing_release"].steps] == ["营销总监", "财务总监", "项目总", "总经理"]
    assert [s.role for s in chains["housing_commissioner"].steps] == ["总经理", "董事长"]
    assert pack("commissioned-housing").workflows.deadlines["relation_paperwork"].amount == 5


RAILWAY_OK = {"key_enterprise": True, "obeys_railway_rules": True, "fmos_station": True, "independent_payer": True,
              "accepts_charter": True}


@pytest.mark.parametrize(("tons", "freight", "met"), [
    (Decimal("1000000"), None, True),                 # exactly 100万吨: 以上 includes the figure
    (Decimal("999999.999"), None, False),
    (None, Decimal("100000000"), True),               # exactly 1亿元
    (None, Decimal("99999999.99"), False),
    (Decimal("999999"), Decimal("100000000.01"), True),  # either criterion is enough
])
def test_railway_volume_condition_at_its_boundary(tons, freight, met):
    program = pack("railway-big-client").applications["railway_big_client"]
    results = {r.code: r for r in program.check_eligibility({**RAILWAY_OK, "annual_tons": tons,
                                                            "annual_freight_yuan": freight})}
    assert results["volume"].met is met
    assert results["volume"].article == "第五条3"


def test_every_railway_condition_must_hold_at_once():
    program = pack("railway-big-client").applications["railway_big_client"]
    facts = {**RAILWAY_OK, "annual_tons": Decimal(2_000_000), "fmos_station": False}
    failed = [r.code for r in program.check_eligibility(facts) if not r.met]
    assert failed == ["fmos"]


def test_railway_volume_form_falls_due_in_december_of_the_year_before():
    program = pack("railway-big-client").applications["railway_annual_volume"]
    due = {m.code: milestone_due(m, facts={"volume_year": 2027}, done_on={"received": date(2026, 11, 2)},
                                 add_working_days=_add_weekdays, is_working_day=_weekdays)
           for m in program.milestones}
    assert due == {"client_filed": date(2026, 12, 10), "bureau_signed": date(2026, 12, 20),
                   "ministry_signed": date(2026, 12, 31)}


@pytest.mark.parametrize(("sources", "days"), [("single", 20), ("dual", 30)])
def test_power_scheme_reply_counts_working_days_from_acceptance(sources, days):
    program = pack("power-big-client").applications["power_expansion"]
    received = date(2026, 11, 2)  # a Monday
    reply = program.milestone("scheme_reply")
    due = milestone_due(reply, facts={"power_sources": sources}, done_on={"received": received},
                        add_working_days=_add_weekdays, is_working_day=_weekdays)
    assert due == _add_weekdays(received, days)
    hand_on = milestone_due(program.milestone("handed_on"), facts={}, done_on={"received": received},
                            add_working_days=_add_weekdays, is_working_day=_weekdays)
    assert hand_on == date(2026, 11, 9)


def test_scheme_validity_one_year_high_voltage_three_months_low():
    validity = pack("power-big-client").applications["power_expansion"].milestone("scheme_reply").validity
    start = date(2026, 11, 30)
    assert validity_end(start, validity.period_for({"voltage": "high"})) == date(2027, 11, 30)
    assert validity_end(start, validity.period_for({"voltage": "low"})) == date(2027, 2, 28)
    assert (validity.request_before_days, validity.max_extensions) == (10, 1)


def test_a_calendar_day_period_ending_on_a_weekend_moves_to_monday():
    assert add_period(date(2026, 12, 2), 5, "calendar_days", add_working_days=_add_weekdays,
                      is_working_day=_weekdays) == date(2026, 12, 7)


BAD = """\
pack: bad
title: t
company: c
source_seed: s
figures:
  - {code: f1, name: 比例, value: 50, unit: "%"}
workflows:
  approval_chains:
    - {code: chain, name: c, article: 一, steps: [{role: r, action: a}]}
applications:
  - code: app
    name: 申请
    approval_kind: nochain
    article: 一
    fields:
      - {code: tons, label: 运量, type: decimal}
      - {code: kind, label: 类, type: choice}
    eligibility:
      - {code: e1, label: 运量, any: [{field: tons, min: 100}], article: 一}
      - {code: e2, label: 无字段, all: [{field: nope, equals: true}], article: 一}
    milestones:
      - {code: m1, name: 第一步, article: 一, due: {after: m9, amount: 5, unit: working_days}}
      - {code: m2, name: 第二步, role: r, article: 一, fee_from_attempt: 2}
"""


def test_section_errors_name_file_and_line():
    with pytest.raises(PackError) as exc:
        load_pack_text(BAD, "bad.yaml")
    found = {(i.line, i.message.split("：")[0]) for i in exc.value.issues}
    messages = "\n".join(str(i) for i in exc.value.issues)
    assert "bad.yaml:6:" in messages and "article" in messages          # figure without its article
    assert "bad.yaml:13:" in messages and "nochain" in messages         # unknown approval chain
    assert "bad.yaml:17:" in messages and "choices" in messages         # choice without choices
    assert "bad.yaml:19:" in messages and "min_inclusive" in messages   # bound without 含/不含
    assert "bad.yaml:20:" in messages and "nope" in messages            # unknown field
    assert "bad.yaml:22:" in messages and "m9" in messages              # due counts from an unknown milestone
    assert "role" in messages                                           # a person's milestone names who does it
    assert "bad.yaml:23:" in messages and "fee_from_attempt" in messages
    assert found


def test_a_pack_needs_schemes_figures_or_applications():
    with pytest.raises(PackError) as exc:
        load_pack_text("pack: x\ntitle: t\ncompany: c\nsource_seed: s\n", "x.yaml")
    assert "schemes" in str(exc.value) and "applications" in str(exc.value)
