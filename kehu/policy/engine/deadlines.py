"""Due dates for pack deadlines, given a working-day calendar (the Django side supplies China's calendar)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from .errors import EvaluationError
from .model import CompanyHours, Deadline

_MAX_DAYS = 3660  # a calendar that never yields a working day is a configuration error, not an endless loop


def due_at(
    deadline: Deadline,
    received_at: datetime,
    is_working_day: Callable[[date], bool],
    company_hours: CompanyHours | None = None,
    *,
    extended: bool = False,
) -> datetime:
    """When `deadline` falls for something received at `received_at`.

    Whole days follow 民法典第二百零一条: the day of receipt is not counted; the period ends at the end of the last
    day (company closing time when hours are known). `extended=True` uses the approved maximum (e.g. 7 working days).
    """
    amount = deadline.amount
    if extended:
        if deadline.extension is None:
            raise EvaluationError(f"时限 {deadline.code} 没有可延长的上限")
        amount = deadline.extension.max_amount
    unit = deadline.unit
    if unit == "hours":
        return received_at + timedelta(hours=amount)
    if unit == "same_day":
        return _end_of_day(received_at.date(), received_at, company_hours)
    if unit == "calendar_days":
        last = received_at.date() + timedelta(days=amount)
        # 民法典第二百零三条: a period ending on a holiday ends on the next working day.
        return _end_of_day(_next_working_day(last, is_working_day, include=True), received_at, company_hours)
    if unit == "working_days" and deadline.counting == "whole_days":
        day = received_at.date()
        counted = 0
        for _ in range(_MAX_DAYS):
            if counted == amount:
                return _end_of_day(day, received_at, company_hours)
            day += timedelta(days=1)
            if is_working_day(day):
                counted += 1
        raise EvaluationError("日历在十年内找不到足够的工作日，请检查工作日历设置")
    if company_hours is None:
        raise EvaluationError(f"时限 {deadline.code} 按工作小时计，须提供公司作息时间")
    return _add_working_hours(received_at, amount, is_working_day, company_hours)


def _end_of_day(day: date, reference: datetime, hours: CompanyHours | None) -> datetime:
    closing = _parse(hours.end) if hours else time(23, 59, 59)
    return datetime.combine(day, closing, tzinfo=reference.tzinfo)


def _next_working_day(day: date, is_working_day: Callable[[date], bool], include: bool) -> date:
    if include and is_working_day(day):
        return day
    for _ in range(_MAX_DAYS):
        day += timedelta(days=1)
        if is_working_day(day):
            return day
    raise EvaluationError("日历在十年内找不到工作日，请检查工作日历设置")


def _add_working_hours(
    start: datetime, hours: int, is_working_day: Callable[[date], bool], company_hours: CompanyHours
) -> datetime:
    opening, closing = _parse(company_hours.start), _parse(company_hours.end)
    remaining = timedelta(hours=hours)
    current = start
    for _ in range(_MAX_DAYS):
        day = current.date()
        day_open = datetime.combine(day, opening, tzinfo=start.tzinfo)
        day_close = datetime.combine(day, closing, tzinfo=start.tzinfo)
        if is_working_day(day) and current < day_close:
            current = max(current, day_open)
            available = day_close - current
            if remaining <= available:
                return current + remaining
            remaining -= available
        current = datetime.combine(day + timedelta(days=1), opening, tzinfo=start.tzinfo)
    raise EvaluationError("日历在十年内找不到足够的工作时间，请检查工作日历设置")


def _parse(value: str) -> time:
    hour, minute = value.split(":")
    return time(int(hour), int(minute))
