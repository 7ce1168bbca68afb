"""Writes to the working-day calendar; the calendar arithmetic is re-exported so callers may import
either kehu.workdays.services or kehu.workdays.selectors."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from kehu.core.permissions import require_perm
from kehu.workdays.calendar import (  # noqa: F401 - public API
    COUNTING_WHOLE_DAYS,
    COUNTING_WORKING_HOURS,
    COUNTINGS,
    DEFAULT_HOURS,
    CalendarYearMissing,
    WorkingHours,
    add_working_days,
    add_working_time,
    cache_clear,
    is_working_day,
    working_days_between,
    working_deadline,
    working_time_between,
    years_missing,
)
from kehu.workdays.models import CalendarDay, CalendarYear

MIN_YEAR, MAX_YEAR = 2000, 2100


def _check_year(year: int, field: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError({field: f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间。"})


@transaction.atomic
def calendar_day_set(*, actor, day: date, working: bool, name: str = "", note: str = "") -> CalendarDay:
    """Enter or change the working status of one day (a holiday, a make-up working day, a company day)."""
    require_perm(actor, "workdays.change_calendarday", "只有系统管理员可以维护工作日历。")
    if day is None:
        raise ValidationError({"date": "请填写日期。"})
    _check_year(day.year, "date")
    row, _ = CalendarDay.objects.update_or_create(
        date=day, defaults={"is_working_day": working, "name": name.strip(), "note": note.strip(),
                            "updated_by": actor},
    )
    transaction.on_commit(cache_clear)
    return row


@transaction.atomic
def calendar_day_delete(*, actor, day: date) -> None:
    require_perm(actor, "workdays.delete_calendarday", "只有系统管理员可以维护工作日历。")
    CalendarDay.objects.filter(date=day).delete()
    transaction.on_commit(cache_clear)


@transaction.atomic
def calendar_year_set(*, actor, year: int, complete: bool, note: str = "") -> CalendarYear:
    """Mark a year as fully entered (all holidays and make-up days of the State Council notice), or not."""
    require_perm(actor, "workdays.change_calendaryear", "只有系统管理员可以维护工作日历。")
    _check_year(year, "year")
    record, _ = CalendarYear.objects.update_or_create(
        year=year, defaults={"complete": complete, "note": note.strip(), "updated_by": actor}
    )
    transaction.on_commit(cache_clear)
    return record
