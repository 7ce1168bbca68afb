"""Step deadlines in working days come from the working-day calendar (kehu.workdays)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from kehu.workflow import calendar
from kehu.workflow.calendar import step_due_at

SH = ZoneInfo("Asia/Shanghai")


def test_two_working_days_after_30_september_skip_the_national_day_holiday(db):
    due = step_due_at(datetime(2025, 9, 30, 10, 0, tzinfo=SH), 2)
    assert due.date().isoformat() == "2025-10-10"


def test_no_deadline_when_the_pack_sets_none():
    assert step_due_at(datetime(2025, 9, 30, 10, 0, tzinfo=SH), None) is None


def test_a_year_the_calendar_does_not_know_leaves_the_deadline_open(monkeypatch):
    class CalendarYearMissing(Exception):
        pass

    def working_deadline(**kwargs):
        raise CalendarYearMissing(2031)

    monkeypatch.setattr(calendar, "_calendar", lambda: SimpleNamespace(
        working_deadline=working_deadline, CalendarYearMissing=CalendarYearMissing))
    assert step_due_at(datetime(2031, 1, 5, 9, 0, tzinfo=SH), 3) is None
