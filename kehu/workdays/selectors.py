"""Reads of the working-day calendar (the arithmetic lives in kehu.workdays.calendar and is re-exported here)."""

from __future__ import annotations

import calendar as _pycal
from dataclasses import dataclass
from datetime import date

from kehu.workdays.calendar import (  # noqa: F401 - public API
    COUNTING_WHOLE_DAYS,
    COUNTING_WORKING_HOURS,
    COUNTINGS,
    DEFAULT_HOURS,
    SHANGHAI,
    CalendarYearMissing,
    WorkingHours,
    add_working_days,
    add_working_time,
    day_name,
    is_working_day,
    library_knows,
    working_days_between,
    working_deadline,
    working_time_between,
    year_data,
    year_known,
    years_missing,
)
from kehu.workdays.models import CalendarDay, CalendarYear


@dataclass(frozen=True)
class DayCell:
    date: date | None
    working: bool = False
    name: str = ""
    override: bool = False
    weekend: bool = False


def calendar_month_grid(*, year: int, month: int, overrides: set[date]) -> list[list[DayCell]]:
    data = year_data(year)
    weeks = []
    for week in _pycal.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for d in week:
            if d.month != month:
                row.append(DayCell(date=None))
            else:
                row.append(DayCell(date=d, working=data.is_working(d), name=data.names.get(d, ""),
                                   override=d in overrides, weekend=d.weekday() >= 5))
        weeks.append(row)
    return weeks


def calendar_year_overview(*, year: int) -> dict:
    """Everything the calendar page shows for one year (raises CalendarYearMissing when unknown)."""
    data = year_data(year)
    overrides = list(CalendarDay.objects.filter(date__year=year).select_related("updated_by"))
    override_dates = {o.date for o in overrides}
    months = [{"month": m, "weeks": calendar_month_grid(year=year, month=m, overrides=override_dates)}
              for m in range(1, 13)]
    return {
        "year": year,
        "source": data.source,
        "working_days": len(data.working),
        "months": months,
        "overrides": overrides,
        "special_days": sorted((d, n, data.is_working(d)) for d, n in data.names.items()),
    }


def calendar_year_records() -> list[CalendarYear]:
    return list(CalendarYear.objects.all())


def calendar_overrides_for_year(*, year: int) -> list[CalendarDay]:
    return list(CalendarDay.objects.filter(date__year=year))
