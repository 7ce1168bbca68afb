"""Due dates: the day of receipt is not counted; working days come from the calendar the caller passes."""

from datetime import date, datetime

from kehu.policy.engine import due_at
from kehu.policy.tests.engine.support import pack

HOLIDAYS = {date(2024, 10, d) for d in range(1, 8)}  # 国庆 2024
MAKE_UP_WORKDAYS = {date(2024, 10, 12)}


def is_working_day(day):
    if day in MAKE_UP_WORKDAYS:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS


def test_general_complaint_is_due_end_of_next_working_day():
    deadline = pack("hb-chemicals").workflows.deadlines["complaint_general"]
    assert due_at(deadline, datetime(2024, 9, 27, 15, 0), is_working_day) == datetime(2024, 9, 30, 23, 59, 59)


def test_major_complaint_skips_the_national_day_holiday():
    deadline = pack("hb-chemicals").workflows.deadlines["complaint_major"]
    assert due_at(deadline, datetime(2024, 9, 30, 9, 0), is_working_day).date() == date(2024, 10, 10)


def test_major_complaint_extension_runs_to_7_working_days_counting_make_up_day():
    deadline = pack("hb-chemicals").workflows.deadlines["complaint_major"]
    assert due_at(deadline, datetime(2024, 9, 30, 9, 0), is_working_day, extended=True).date() == date(2024, 10, 15)


def test_same_day_logging_is_due_the_same_day():
    deadline = pack("shaanxi-cement").workflows.deadlines["complaint_logging"]
    assert due_at(deadline, datetime(2024, 5, 6, 10, 0), is_working_day).date() == date(2024, 5, 6)


def test_inquiry_answer_is_due_within_24_hours():
    deadline = pack("abcd-scoring").workflows.deadlines["inquiry_reply"]
    assert due_at(deadline, datetime(2024, 5, 6, 10, 0), is_working_day) == datetime(2024, 5, 7, 10, 0)
