"""Working days across China's holidays and their make-up Saturdays (国务院办公厅放假通知)."""

from datetime import date, datetime, time, timedelta

import pytest

from kehu.workdays.calendar import SHANGHAI, WorkingHours
from kehu.workdays.selectors import (
    CalendarYearMissing,
    add_working_days,
    is_working_day,
    working_days_between,
    working_deadline,
)

pytestmark = pytest.mark.django_db


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_national_day_2025_is_a_holiday_from_1_to_8_october():
    assert not any(is_working_day(date(2025, 10, d)) for d in range(1, 9))
    assert is_working_day(date(2025, 10, 9))


def test_make_up_saturdays_around_national_day_2025_are_working_days():
    assert is_working_day(date(2025, 9, 28))  # Sunday, 调休上班
    assert is_working_day(date(2025, 10, 11))  # Saturday, 调休上班


def test_one_working_day_after_30_september_2025_is_9_october():
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)


def test_three_working_days_after_30_september_2025_reach_the_make_up_saturday():
    # 10-09 (Thu), 10-10 (Fri), 10-11 (Sat, make-up working day)
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)


def test_make_up_sunday_28_september_counts_as_a_working_day():
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)


def test_spring_festival_2026_holiday_runs_15_to_23_february_per_the_library():
    assert not any(is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert is_working_day(date(2026, 2, 14))  # Saturday, 调休上班
    assert is_working_day(date(2026, 2, 28))  # Saturday, 调休上班
    assert is_working_day(date(2026, 2, 24))


def test_seven_working_days_from_13_february_2026_cross_spring_festival():
    # 02-14 (Sat make-up), 24, 25, 26, 27, 28 (Sat make-up), 03-02
    assert add_working_days(date(2026, 2, 13), 7) == date(2026, 3, 2)


def test_working_days_between_is_the_inverse_of_add_working_days():
    start = date(2025, 9, 25)
    for n in (1, 3, 7, 20):
        assert working_days_between(start, add_working_days(start, n)) == n


def test_working_days_between_counts_the_national_day_week_as_zero():
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 8)) == 0


def test_negative_count_goes_back_over_the_holiday():
    assert add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)


def test_complaint_at_17_59_before_national_day_is_due_at_17_59_on_9_october_counting_whole_days():
    received = sh(2025, 9, 30, 17, 59)
    assert working_deadline(start=received, amount=1) == sh(2025, 10, 9, 17, 59)
    assert working_deadline(start=received, amount=3) == sh(2025, 10, 11, 17, 59)


def test_complaint_at_17_59_before_national_day_counting_working_hours_starts_on_9_october_morning():
    received = sh(2025, 9, 30, 17, 59)  # after 17:30: the clock starts at 08:30 on the next working day
    assert working_deadline(start=received, amount=1, counting="working_hours") == sh(2025, 10, 9, 17, 30)


def test_working_hours_skip_the_lunch_break():
    hours = WorkingHours(((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30))))
    assert hours.minutes_per_day == 450
    # 11:00 + 7.5 working hours: 1 h before lunch, 4 h afternoon, 2.5 h next morning → 11:00 next working day
    assert working_deadline(start=sh(2025, 9, 29, 11, 0), amount=1, counting="working_hours",
                            hours=hours) == sh(2025, 9, 30, 11, 0)


def test_deadline_accepts_other_time_zones_and_answers_in_shanghai_time():
    utc_start = sh(2025, 9, 30, 17, 59).astimezone(datetime.now().astimezone().tzinfo)
    result = working_deadline(start=utc_start, amount=1)
    assert result == sh(2025, 10, 9, 17, 59)
    assert result.utcoffset() == timedelta(hours=8)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        working_deadline(start=datetime(2025, 9, 30, 10, 0), amount=1)


def test_2027_without_an_entered_calendar_is_an_error_naming_the_year():
    with pytest.raises(CalendarYearMissing, match="2027"):
        is_working_day(date(2027, 3, 1))


def test_deadline_running_into_2027_without_data_is_an_error_not_a_weekend_guess():
    with pytest.raises(CalendarYearMissing) as info:
        add_working_days(date(2026, 12, 31), 1)
    assert info.value.year == 2027


def test_unknown_counting_is_refused():
    with pytest.raises(ValueError):
        working_deadline(start=sh(2025, 9, 30, 10, 0), amount=1, counting="calendar_days")
