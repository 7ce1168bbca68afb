"""Development plans: 002 6.5.3 (≥1 institutional client per county, ≥10 card clients per station on average,
due on the 25th) and 000 第六条 (quarterly, per 客户经理, with deadline and budget); completion is counted from
approved admission applications, never typed in."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.core.demo import make_uscc
from kehu.core.errors import ForbiddenError, ServiceError
from kehu.development.models import PlanStatus
from kehu.development.selectors import plan_completion
from kehu.development.services import (
    LineInput,
    development_plan_save,
    development_plan_submit,
    plan_regulation_lines,
    progress_report_submit,
    prospect_convert,
    prospect_create,
)
from kehu.workflow.models import Notification, StepStatus
from kehu.workflow.services import approval_step_decide
from kehu.workflow.services.admission import admission_submit

pytestmark = pytest.mark.django_db

JAN = date(2027, 1, 1)


def _sd_lines(sd, *, county=(1, 1), cards=(10, 10, 10)):
    return [LineInput(category="institutional", target=county[0], unit=sd["lixia"]),
            LineInput(category="institutional", target=county[1], unit=sd["shizhong"]),
            *[LineInput(category="card", target=n, unit=sd[s]) for n, s in zip(cards, ("s1", "s2", "s3"),
                                                                                strict=True)]]


def _errors(exc) -> str:
    return "\n".join(exc.value.message_dict.get("lines", []) + exc.value.message_dict.get("unit", [])
                     + exc.value.message_dict.get("period_start", []))


def test_the_regulation_prefills_one_institutional_client_per_county_and_ten_card_clients_per_station(sd):
    lines = plan_regulation_lines(unit=sd["city"])
    assert [(ln.category, ln.unit.name, ln.target) for ln in lines] == [
        ("institutional", "历下区", 1), ("institutional", "市中区", 1),
        ("card", "历下第一加油站", 10), ("card", "历下第二加油站", 10), ("card", "市中第一加油站", 10)]


def test_the_monthly_plan_is_due_on_the_25th_of_the_month_before(retail_head, sd):
    plan = development_plan_save(actor=retail_head, unit=sd["city"], period_start=JAN, lines=_sd_lines(sd))
    assert (plan.period, plan.period_end, plan.due_on, plan.pack_name) == (
        "month", date(2027, 1, 31), date(2026, 12, 25), "shandong-retail")
    assert plan.lines.count() == 5 and plan.history.count() == 1


def test_every_county_needs_at_least_one_institutional_client(retail_head, sd):
    with pytest.raises(ValidationError) as exc:
        development_plan_save(actor=retail_head, unit=sd["city"], period_start=JAN,
                              lines=_sd_lines(sd, county=(1, 0)))
    assert "每个区县不少于1个（6.5.3），本行为0个" in _errors(exc)
    lines = [ln for ln in _sd_lines(sd) if ln.unit != sd["shizhong"]]
    with pytest.raises(ValidationError) as exc:
        development_plan_save(actor=retail_head, unit=sd["city"], period_start=JAN, lines=lines)
    assert "以下区县没有计划：市中区" in _errors(exc)


def test_card_clients_are_ten_per_station_on_average_not_at_every_station(retail_head, sd):
    plan = development_plan_save(actor=retail_head, unit=sd["city"], period_start=JAN,
                                 lines=_sd_lines(sd, cards=(5, 5, 20)))
    assert sum(ln.target for ln in plan.lines.filter(category="card")) == 30
    with pytest.raises(ValidationError) as exc:
        development_plan_save(actor=retail_head, unit=sd["city"], period_start=date(2027, 2, 1),
                              lines=_sd_lines(sd, cards=(5, 5, 19)))
    assert "3座加油站合计至少30个，计划合计29个" in _errors(exc)


def test_card_targets_go_to_stations_and_institutional_targets_to_counties(retail_head, sd):
    lines = [*_sd_lines(sd), LineInput(category="card", target=10, unit=sd["lixia"])]
    with pytest.raises(ValidationError) as exc:
        development_plan_save(actor=retail_head, unit=sd["city"], period_start=JAN, lines=lines)
    assert "应按加油站安排（6.5.3），“历下区”是区县" in _errors(exc)


def test_a_plan_for_a_unit_the_user_does_not_manage_is_refused_and_nothing_saved(station_manager, manager_user, sd):
    from kehu.development.models import DevelopmentPlan

    with pytest.raises(ForbiddenError):  # a station's 客户经理 compiles no plans
        development_plan_save(actor=station_manager, unit=sd["city"], period_start=JAN, lines=_sd_lines(sd))
    with pytest.raises(ValidationError) as exc:  # the head of another department
        development_plan_save(actor=manager_user, unit=sd["city"], period_start=JAN, lines=_sd_lines(sd))
    assert "您不管理“济南分公司”" in exc.value.message_dict["unit"][0]
    assert not DevelopmentPlan.objects.exists()


def test_a_plan_starts_on_the_first_of_its_month_and_not_in_an_ended_month(retail_head, sd):
    with pytest.raises(ValidationError) as exc:
        development_plan_save(actor=retail_head, unit=sd["city"], period_start=date(2027, 1, 2), lines=_sd_lines(sd))
    assert "须从月的第一天开始" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        development_plan_save(actor=retail_head, unit=sd["city"], period_start=date(2026, 1, 1), lines=_sd_lines(sd))
    assert "已结束" in _errors(exc)


def test_the_plan_is_sent_to_the_station_management_department_which_approves_it(retail_head, jiaguan, sd):
    plan = development_plan_save(actor=retail_head, unit=sd["city"], period_start=JAN, lines=_sd_lines(sd))
    plan = development_plan_submit(actor=retail_head, plan=plan)
    assert plan.status == PlanStatus.SUBMITTED and plan.approval.chain_code == "development_plan"
    step = plan.approval.steps.get(status=StepStatus.PENDING)
    assert step.role_code == "station_mgmt" and Notification.objects.filter(user=jiaguan).exists()
    with pytest.raises(ServiceError, match="不能再次报送"):
        development_plan_submit(actor=retail_head, plan=plan)
    approval_step_decide(actor=jiaguan, step=step, decision="approve", comment="同意")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_a_returned_plan_can_be_corrected_and_sent_again(retail_head, jiaguan, sd):
    plan = development_plan_submit(actor=retail_head, plan=development_plan_save(
        actor=retail_head, unit=sd["city"], period_start=JAN, lines=_sd_lines(sd)))
    approval_step_decide(actor=jiaguan, step=plan.approval.steps.get(status=StepStatus.PENDING), decision="return",
                         comment="个人卡目标偏低")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RETURNED
    plan = development_plan_save(actor=retail_head, unit=sd["city"], period_start=JAN, plan=plan,
                                 lines=_sd_lines(sd, cards=(12, 12, 12)), expected_version=plan.version)
    plan = development_plan_submit(actor=retail_head, plan=plan)
    assert plan.status == PlanStatus.SUBMITTED and plan.approval.round == 2


def test_hb_quarterly_plan_per_account_manager_needs_deadline_and_budget_and_is_handed_down(manager_user, am_user,
                                                                                             org):
    q4 = date(2026, 10, 1)
    with pytest.raises(ValidationError) as exc:
        development_plan_save(actor=manager_user, unit=org["sales"], period_start=q4,
                              lines=[LineInput(category="any", target=3, assignee=am_user)])
    text = _errors(exc)
    assert "请填写完成时间" in text and "请填写费用预算" in text
    plan = development_plan_save(actor=manager_user, unit=org["sales"], period_start=q4, lines=[
        LineInput(category="any", target=3, assignee=am_user, deadline=date(2026, 12, 31),
                  budget=Decimal("15000.00"))])
    assert (plan.period, plan.period_end, plan.due_on) == ("quarter", date(2026, 12, 31), None)
    plan = development_plan_submit(actor=manager_user, plan=plan)
    assert plan.status == PlanStatus.PUBLISHED and plan.approval is None
    assert Notification.objects.filter(user=am_user, kind="development_plan").exists()


def _this_month_plan(retail_head, sd):
    start = timezone.localdate().replace(day=1)
    plan = development_plan_save(actor=retail_head, unit=sd["city"], period_start=start, lines=_sd_lines(sd))
    return development_plan_submit(actor=retail_head, plan=plan), start


def test_completion_counts_admitted_customers_by_county_station_and_kind(retail_head, station_manager, jiaguan, sd,
                                                                        approved_admission, django_assert_num_queries):
    _plan, start = _this_month_plan(retail_head, sd)
    approved_admission(unit=sd["s1"], kind="institution", applicant=station_manager)
    approved_admission(unit=sd["s2"], kind="enterprise", applicant=station_manager)
    for _ in range(4):
        approved_admission(unit=sd["s1"], kind="individual", applicant=station_manager)
    approved_admission(unit=sd["s3"], kind="individual", applicant=station_manager,
                       finished_at=timezone.now() - timedelta(days=40))  # admitted last month: not this plan's
    with django_assert_num_queries(2):
        rows = plan_completion(actor=retail_head, period=start)
    got = {(r.category, r.unit_name): (r.target, r.admitted, r.rate) for r in rows}
    assert got == {
        ("institutional", "历下区"): (1, 2, Decimal("200.0")), ("institutional", "市中区"): (1, 0, Decimal("0.0")),
        ("card", "历下第一加油站"): (10, 4, Decimal("40.0")), ("card", "历下第二加油站"): (10, 0, Decimal("0.0")),
        ("card", "市中第一加油站"): (10, 0, Decimal("0.0"))}
    assert {r.county_name for r in rows if r.category == "card"} == {"历下区", "市中区"}


def test_completion_reads_in_two_queries_whatever_the_number_of_customers(retail_head, station_manager, sd,
                                                                        approved_admission,
                                                                        django_assert_num_queries):
    _plan, start = _this_month_plan(retail_head, sd)
    for _ in range(25):
        approved_admission(unit=sd["s2"], kind="individual", applicant=station_manager)
    with django_assert_num_queries(2):
        rows = plan_completion(actor=retail_head, period=start)
    assert next(r.admitted for r in rows if r.unit_name == "历下第二加油站") == 25


def test_a_station_manager_sees_his_own_stations_line(retail_head, station_manager, sd):
    _plan, start = _this_month_plan(retail_head, sd)
    rows = plan_completion(actor=station_manager, period=start)
    assert [r.unit_name for r in rows] == ["历下第一加油站"]


def test_a_prospect_converted_and_admitted_completes_its_county(retail_head, station_manager, sd, survey_fields,
                                                               complete_materials, admitted):
    _plan, start = _this_month_plan(retail_head, sd)
    prospect = prospect_create(actor=station_manager, **{**survey_fields, "uscc": make_uscc(random.Random(5))})
    application = prospect_convert(actor=station_manager, prospect=prospect, customer_type="direct")
    complete_materials(application.customer)
    application.conditions = {"production_enterprise": True, "sound_credit": True}
    application.save()
    admission_submit(actor=station_manager, application=application)
    admitted(application)
    row = next(r for r in plan_completion(actor=retail_head, period=start) if r.unit_name == "历下区")
    assert (row.target, row.admitted, row.done) == (1, 1, True)


def test_a_monthly_report_goes_to_the_department_head_and_the_general_manager_with_computed_figures(
        manager_user, am_user, make_user, org, approved_admission):
    gm = make_user("general_manager", "company", username="zong", display_name="赵总")
    q4 = date(2026, 10, 1)
    development_plan_submit(actor=manager_user, plan=development_plan_save(
        actor=manager_user, unit=org["sales"], period_start=q4, lines=[
            LineInput(category="any", target=3, assignee=am_user, deadline=date(2026, 12, 31), budget=Decimal(0))]))
    approved_admission(unit=org["team1"], applicant=am_user)
    report = progress_report_submit(actor=am_user, kind="monthly_report", period_start=timezone.localdate(),
                                    progress="走访三家潜在客户，两家进入开户审批")
    assert (report.figures["target"], report.figures["admitted"]) == (3, 1)
    assert set(Notification.objects.filter(kind="progress_report").values_list("user__username", flat=True)) == {
        manager_user.username, gm.username}


def test_shandong_retail_has_no_weekly_summary_of_000(station_manager):
    with pytest.raises(ValidationError) as exc:
        progress_report_submit(actor=station_manager, kind="weekly_summary", period_start=timezone.localdate(),
                               progress="x")
    assert "shandong-retail 没有规定" in exc.value.message_dict["kind"][0]
