"""Periods a form accepts and the day each form is due (002 6.6.3 "每月5日": a calendar day)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kehu.policy.periods import parse_period
from kehu.reports.periods import DueRule, due_date, first_due, latest_ended_period, report_period
from kehu.reports.selectors import report_definition
from kehu.workdays.calendar import is_working_day

TODAY = date(2026, 12, 6)
pytestmark = pytest.mark.django_db


def grade_table():
    return report_definition("sd_grade_table")


def test_monthly_form_is_due_on_the_5th_of_the_next_month():
    assert first_due(grade_table(), parse_period("2026-11")).day == date(2026, 12, 5)


def test_december_form_is_due_in_january_of_the_next_year():
    assert first_due(grade_table(), parse_period("2026-12")).day == date(2027, 1, 5)


def test_the_5th_stays_the_due_day_when_it_is_a_national_holiday():
    # 6.6.3 says "每月5日完成" — a calendar day; 2026-10-05 is inside the National Day holiday.
    assert not is_working_day(date(2026, 10, 5))
    assert first_due(grade_table(), parse_period("2026-09")).day == date(2026, 10, 5)


def test_the_5th_stays_the_due_day_when_it_is_a_sunday():
    assert date(2026, 4, 5).weekday() == 6
    assert first_due(grade_table(), parse_period("2026-03")).day == date(2026, 4, 5)


def test_a_working_day_rule_moves_a_holiday_due_day_to_the_next_working_day():
    rule = DueRule(article="test", day_of_month=5, working_days=True)
    assert due_date(rule, parse_period("2026-09")).day == date(2026, 10, 8)
    assert due_date(rule, parse_period("2026-10")).day == date(2026, 11, 5)  # a Thursday: unchanged


def test_a_working_day_rule_in_a_year_the_calendar_lacks_keeps_the_day_and_says_why():
    rule = DueRule(article="test", day_of_month=5, working_days=True)
    due = due_date(rule, parse_period("2027-12"))
    assert due.day == date(2028, 1, 5)
    assert "2028" in due.problem


def test_a_day_past_the_end_of_a_short_month_is_its_last_day():
    rule = DueRule(article="test", day_of_month=31)
    assert due_date(rule, parse_period("2027-01")).day == date(2027, 2, 28)


def test_an_administrator_due_day_not_set_is_no_day_with_the_reason(db):
    rule = DueRule(article="第十六条", pack="hb-chemicals", admin_key="hb.review_due_day_missing")
    due = due_date(rule, parse_period("2026-Q3"))
    assert due.day is None
    assert "管理员尚未设定" in due.text


def test_latest_ended_month_on_the_6th_is_last_month():
    assert latest_ended_period(grade_table(), TODAY).key == "2026-11"


def test_a_future_month_is_refused_with_the_field():
    with pytest.raises(ValidationError) as err:
        report_period(grade_table(), "2027-01", today=TODAY)
    assert "尚未开始" in err.value.message_dict["period"][0]


def test_the_running_month_can_be_previewed_but_not_submitted():
    assert report_period(grade_table(), "2026-12", today=TODAY).key == "2026-12"
    with pytest.raises(ValidationError) as err:
        report_period(grade_table(), "2026-12", today=TODAY, for_submission=True)
    assert "结束后才能提交" in err.value.message_dict["period"][0]


def test_the_last_day_of_the_month_is_still_running():
    with pytest.raises(ValidationError):
        report_period(grade_table(), "2026-11", today=date(2026, 11, 30), for_submission=True)
    assert report_period(grade_table(), "2026-11", today=date(2026, 12, 1), for_submission=True).key == "2026-11"


def test_a_quarter_for_a_monthly_form_is_refused_with_the_expected_form():
    with pytest.raises(ValidationError) as err:
        report_period(grade_table(), "2026-Q3", today=TODAY)
    assert "2026-11" in err.value.message_dict["period"][0]


@pytest.mark.parametrize("text", ["0001-01", "1999-12", "2026-13", "abc", ""])
def test_malformed_or_ancient_periods_are_refused(text):
    with pytest.raises(ValidationError) as err:
        report_period(grade_table(), text, today=TODAY)
    assert "period" in err.value.message_dict
