"""The administrator's override table: next year's notice, company days, and the cache."""

from datetime import date, datetime

import pytest

from kehu.core.errors import ForbiddenError
from kehu.workdays.calendar import SHANGHAI, years_missing
from kehu.workdays.models import CalendarDay
from kehu.workdays.services import (
    CalendarYearMissing,
    add_working_days,
    calendar_day_set,
    calendar_year_set,
    is_working_day,
    working_deadline,
)


@pytest.fixture
def entered_2027(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for d in range(1, 2):
            calendar_day_set(actor=admin_user, day=date(2027, 1, d), working=False, name="元旦")
        for d in range(5, 12):
            calendar_day_set(actor=admin_user, day=date(2027, 2, d), working=False, name="春节")
        calendar_day_set(actor=admin_user, day=date(2027, 2, 13), working=True, name="春节调休上班")
        calendar_year_set(actor=admin_user, year=2027, complete=True, note="国办发明电〔2026〕X号")
    return admin_user


def test_2027_works_once_the_administrator_marks_it_complete(entered_2027):
    assert not is_working_day(date(2027, 2, 8))  # Monday inside the entered Spring Festival
    assert is_working_day(date(2027, 2, 13))  # Saturday make-up day
    assert is_working_day(date(2027, 2, 12))  # Friday, plain working day
    assert add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 12)


def test_deadline_from_the_end_of_2026_into_an_entered_2027(entered_2027):
    # 2026-12-31 (Thu) → 2027-01-01 holiday, 01-02/03 weekend → 2027-01-04
    start = datetime(2026, 12, 31, 9, 0, tzinfo=SHANGHAI)
    assert working_deadline(start=start, amount=1) == datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI)


def test_a_year_with_overrides_but_not_marked_complete_is_still_missing(admin_user,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_set(actor=admin_user, day=date(2027, 1, 1), working=False, name="元旦")
    with pytest.raises(CalendarYearMissing):
        is_working_day(date(2027, 1, 4))


def test_company_specific_day_overrides_the_library(admin_user, django_capture_on_commit_callbacks):
    assert is_working_day(date(2025, 11, 3))
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_set(actor=admin_user, day=date(2025, 11, 3), working=False, name="公司检修停工")
    assert not is_working_day(date(2025, 11, 3))
    assert add_working_days(date(2025, 10, 31), 1) == date(2025, 11, 4)


def test_override_saved_in_the_admin_drops_the_cache(db):
    assert is_working_day(date(2025, 11, 4))
    CalendarDay.objects.create(date=date(2025, 11, 4), is_working_day=False, name="公司活动")
    assert not is_working_day(date(2025, 11, 4))


def test_only_the_administrator_may_edit_the_calendar(am_user):
    with pytest.raises(ForbiddenError):
        calendar_day_set(actor=am_user, day=date(2025, 11, 3), working=False)


def test_years_missing_lists_next_year_when_nothing_is_entered(db):
    assert years_missing(today=date(2026, 6, 1)) == [2027]
    assert years_missing(today=date(2025, 6, 1)) == []


def test_years_missing_is_empty_once_the_year_is_entered(entered_2027):
    assert years_missing(today=date(2026, 6, 1)) == []
