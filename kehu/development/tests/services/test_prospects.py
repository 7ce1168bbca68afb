"""Prospects (002 6.5.1 潜在客户调查表) and their conversion into a 客户开户审批表 that keeps their history."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kehu.core.errors import ServiceError
from kehu.customers.models import ArchiveEvent, CustomerStatus
from kehu.development.models import Prospect, ProspectStatus, ProspectSurvey
from kehu.development.rules import development_rules, survey_round
from kehu.development.services import (
    key_account_team_form,
    prospect_convert,
    prospect_create,
    prospect_drop,
    prospect_survey_submit,
)
from kehu.workflow.models import AdmissionApplication, Notification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 1, 1), (2026, 7, date(2026, 7, 31))),
    (date(2026, 7, 31), (2026, 7, date(2026, 7, 31))),
    (date(2026, 8, 1), (2026, 12, date(2026, 12, 31))),
    (date(2026, 12, 31), (2026, 12, date(2026, 12, 31))),
])
def test_the_survey_table_is_due_in_july_and_in_december(day, expected):
    assert survey_round(development_rules("shandong-retail"), day) == expected


def test_a_prospect_goes_into_the_rounds_survey_table_of_its_station(station_manager, sd, survey_fields):
    prospect = prospect_create(actor=station_manager, **survey_fields)
    assert prospect.unit == sd["s1"] and prospect.owner == station_manager
    assert prospect.pack_name == "shandong-retail" and prospect.code == "QK00000001"
    survey = prospect.survey
    assert (survey.unit, survey.month, survey.article) == (sd["s1"], survey.due_on.month, "shandong-retail 6.5.1")
    assert survey.month in (7, 12) and prospect.history.count() == 1


def test_a_prospect_without_the_surveys_required_columns_is_refused_and_nothing_is_saved(station_manager):
    with pytest.raises(ValidationError) as exc:
        prospect_create(actor=station_manager, name="某物流公司", category="enterprise", kind="institutional")
    errors = exc.value.message_dict
    assert {"area", "address", "contact_name", "contact_phone", "fuel_type", "current_supplier"} <= set(errors)
    assert "目前消费地点" in errors["current_supplier"][0]
    assert not Prospect.objects.exists() and not ProspectSurvey.objects.exists()


def test_a_prospect_needs_at_least_one_expected_demand(station_manager, survey_fields):
    survey_fields.update(gasoline_month_t=None, diesel_month_t=None)
    with pytest.raises(ValidationError) as exc:
        prospect_create(actor=station_manager, **survey_fields)
    assert "至少填写一项预计需求" in exc.value.message_dict["gasoline_month_t"][0]


def test_a_wrong_phone_number_is_named(station_manager, survey_fields):
    survey_fields["contact_phone"] = "12345"
    with pytest.raises(ValidationError) as exc:
        prospect_create(actor=station_manager, **survey_fields)
    assert "电话号码格式不正确" in exc.value.message_dict["contact_phone"][0]


def test_a_station_manager_cannot_record_prospects_for_another_station(station_manager, sd, survey_fields):
    with pytest.raises(ValidationError) as exc:
        prospect_create(actor=station_manager, unit=sd["s3"], **survey_fields)
    assert "不管理“市中第一加油站”" in exc.value.message_dict["unit"][0]


def test_sending_the_survey_table_tells_the_retail_department_and_later_finds_go_to_the_next_round(
        station_manager, retail_head, survey_fields):
    first = prospect_create(actor=station_manager, **survey_fields)
    prospect_survey_submit(actor=station_manager, survey=first.survey)
    note = Notification.objects.get(user=retail_head, kind="prospect_survey")
    assert "1 个潜在客户" in note.body
    with pytest.raises(ServiceError, match="已于"):
        prospect_survey_submit(actor=station_manager, survey=first.survey)
    later = prospect_create(actor=station_manager, **{**survey_fields, "name": "历下区城管局"})
    assert later.survey != first.survey and later.survey.due_on > first.survey.due_on


def test_an_empty_survey_table_cannot_be_sent(station_manager, sd):
    survey = ProspectSurvey.objects.create(pack_name="shandong-retail", unit=sd["s1"], year=2026, month=12,
                                           due_on=date(2026, 12, 31))
    with pytest.raises(ServiceError, match="还没有潜在客户"):
        prospect_survey_submit(actor=station_manager, survey=survey)


def test_conversion_opens_an_archive_and_a_draft_admission_application_that_keep_the_prospect(
        station_manager, sd, survey_fields):
    prospect = prospect_create(actor=station_manager, **survey_fields)
    application = prospect_convert(actor=station_manager, prospect=prospect, customer_type="direct",
                                   business_scope="机关公务用车")
    customer = application.customer
    assert (customer.status, customer.owner, customer.unit, customer.kind) == (
        CustomerStatus.PROSPECT, station_manager, sd["s1"], "institution")
    assert customer.classifications == {"customer_kind": "机构"}
    assert application.approval is None and application.expected_monthly_quantity == Decimal("25.5")  # 3.5 t + 22 t
    contacts = {c.name: c.is_decision_maker for c in customer.contacts.all()}
    assert contacts == {"张科长": False, "李局长": True}
    prospect.refresh_from_db()
    assert (prospect.status, prospect.customer) == (ProspectStatus.CONVERTED, customer)
    event = ArchiveEvent.objects.get(customer=customer, kind="prospect_converted")
    assert event.data["prospect"] == prospect.pk and prospect.code in event.summary
    assert [h.status for h in prospect.history.order_by("history_date")] == ["surveyed", "converted"]


def test_a_prospect_is_converted_once_and_a_dropped_one_never(station_manager, survey_fields):
    prospect = prospect_create(actor=station_manager, **survey_fields)
    prospect_convert(actor=station_manager, prospect=prospect, customer_type="direct")
    with pytest.raises(ServiceError, match="已转为开户申请"):
        prospect_convert(actor=station_manager, prospect=prospect, customer_type="direct")
    other = prospect_create(actor=station_manager, **{**survey_fields, "name": "历下区城管局"})
    prospect_drop(actor=station_manager, prospect=other, reason="已与其他公司签约")
    with pytest.raises(ServiceError, match="已放弃"):
        prospect_convert(actor=station_manager, prospect=other, customer_type="direct")
    assert AdmissionApplication.objects.count() == 1


def test_a_key_account_team_takes_on_a_government_prospect(retail_head, station_manager, station_manager2,
                                                          make_user, sd, survey_fields):
    boss = make_user("general_manager", "company", username="yibashou", display_name="一把手")
    prospect = prospect_create(actor=station_manager, **survey_fields)
    team = key_account_team_form(actor=retail_head, prospect=prospect, leader=boss, deputy=retail_head,
                                 members=[(station_manager, "片区经理")], note="摘牌公关")
    assert team.members.get().duty == "片区经理"
    prospect.refresh_from_db()
    assert prospect.status == ProspectStatus.DEVELOPING
    assert Notification.objects.filter(kind="key_account_team", user=boss).exists()


def test_a_key_account_team_is_for_government_and_large_enterprises_only(retail_head, station_manager, make_user,
                                                                        survey_fields):
    prospect = prospect_create(actor=station_manager, **{**survey_fields, "category": "mall"})
    with pytest.raises(ValidationError) as exc:
        key_account_team_form(actor=retail_head, prospect=prospect, leader=retail_head, deputy=retail_head,
                              members=[])
    errors = exc.value.message_dict
    assert "6.5.4.6" in errors["prospect"][0] and "副组长不能与组长" in errors["deputy"][0]
