"""The working-day arithmetic every deadline in Kehu uses.

Sources, in order of precedence for a day:
1. an administrator's override (`CalendarDay`), always;
2. the `chinesecalendar` library for the years it knows (2004–2026 in the installed release), with 调休;
3. for a year the administrator marked complete (`CalendarYear.complete`), Monday–Friday.
A year that none of them knows raises `CalendarYearMissing`: never a silent weekend-only guess.

Per-year results are cached in the process and dropped whenever an override or a year record is saved
(signals in apps.py) or after `CACHE_SECONDS`, which bounds staleness across processes.
"""

from __future__ import annotations

import bisect
import threading
import time as _time
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CACHE_SECONDS = 300
COUNTING_WHOLE_DAYS = "whole_days"
COUNTING_WORKING_HOURS = "working_hours"
COUNTINGS = (COUNTING_WHOLE_DAYS, COUNTING_WORKING_HOURS)


class CalendarYearMissing(Exception):
    """Neither chinesecalendar nor the administrator's table knows this year."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year}年的节假日与调休数据缺失：日历库不包含该年份，系统管理员也尚未在“工作日历”中录入并标记完整。"
            f"请管理员按国务院办公厅当年的放假通知录入后再计算期限。"
        )


@dataclass(frozen=True)
class WorkingHours:
    """The company's working periods in a working day, e.g. 08:30–12:00 and 13:30–17:30 (lunch break)."""

    periods: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))

    def __post_init__(self):
        last = None
        for start, end in self.periods:
            if not start < end or (last is not None and start < last):
                raise ValueError("工作时段必须按时间先后排列且不重叠")
            last = end

    @property
    def minutes_per_day(self) -> int:
        return sum(_minutes(end) - _minutes(start) for start, end in self.periods)

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """'08:30-12:00,13:30-17:30' → WorkingHours."""
        periods = []
        for part in text.replace("，", ",").replace("–", "-").split(","):
            start, end = (p.strip() for p in part.split("-"))
            periods.append((time.fromisoformat(start), time.fromisoformat(end)))
        return cls(tuple(periods))

    def __str__(self) -> str:
        return "，".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in self.periods)


DEFAULT_HOURS = WorkingHours()


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


# --------------------------------------------------------------------------------------------- year data
@dataclass(frozen=True)
class YearData:
    year: int
    source: str  # "library" | "admin"
    working: tuple[int, ...]  # sorted ordinals of the working days of the year
    names: dict = field(default_factory=dict)  # date -> name (holidays, make-up days, overrides)

    def is_working(self, d: date) -> bool:
        i = bisect.bisect_left(self.working, d.toordinal())
        return i < len(self.working) and self.working[i] == d.toordinal()


_cache: dict[int, tuple[float, YearData]] = {}
_lock = threading.Lock()


def cache_clear() -> None:
    with _lock:
        _cache.clear()


def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _library_names(year: int) -> dict:
    names = {}
    for d, h in chinese_calendar.holidays.items():
        if d.year == year and h is not None:
            names[d] = _HOLIDAY_ZH.get(str(h), str(h))
    for d, h in chinese_calendar.workdays.items():
        if d.year == year and h is not None:
            names[d] = f"{_HOLIDAY_ZH.get(str(h), str(h))}调休上班"
    return names


_HOLIDAY_ZH = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _load_year(year: int) -> YearData:
    from kehu.workdays.models import CalendarDay, CalendarYear

    overrides = {
        row.date: row
        for row in CalendarDay.objects.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
    }
    if library_knows(year):
        source = "library"
        names = _library_names(year)

        def base(d: date) -> bool:
            return chinese_calendar.is_workday(d)
    elif CalendarYear.objects.filter(year=year, complete=True).exists():
        source = "admin"
        names = {}

        def base(d: date) -> bool:
            return d.weekday() < 5
    else:
        raise CalendarYearMissing(year)
    working = []
    d = date(year, 1, 1)
    one = timedelta(days=1)
    while d.year == year:
        row = overrides.get(d)
        if (row.is_working_day if row is not None else base(d)):
            working.append(d.toordinal())
        d += one
    for d, row in overrides.items():
        if row.name:
            names[d] = row.name
    return YearData(year=year, source=source, working=tuple(working), names=names)


def year_data(year: int) -> YearData:
    now = _time.monotonic()
    with _lock:
        hit = _cache.get(year)
        if hit and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    data = _load_year(year)
    with _lock:
        _cache[year] = (now, data)
    return data


def year_known(year: int) -> bool:
    try:
        year_data(year)
    except CalendarYearMissing:
        return False
    return True


# --------------------------------------------------------------------------------------------- days
def is_working_day(d: date) -> bool:
    if isinstance(d, datetime):
        d = _local(d).date()
    return year_data(d.year).is_working(d)


def day_name(d: date) -> str:
    return year_data(d.year).names.get(d, "")


def add_working_days(d: date, n: int) -> date:
    """The Nth working day after d (n > 0), or the Nth before d (n < 0); n == 0 returns d itself."""
    if isinstance(d, datetime):
        raise TypeError("add_working_days takes a date, not a datetime")
    year, o = d.year, d.toordinal()
    remaining = abs(n)
    if n > 0:
        while True:
            data = year_data(year)
            i = bisect.bisect_right(data.working, o)
            available = len(data.working) - i
            if remaining <= available:
                return date.fromordinal(data.working[i + remaining - 1])
            remaining -= available
            year += 1
            o = date(year, 1, 1).toordinal() - 1
    if n < 0:
        while True:
            data = year_data(year)
            i = bisect.bisect_left(data.working, o)
            if remaining <= i:
                return date.fromordinal(data.working[i - remaining])
            remaining -= i
            year -= 1
            o = date(year, 12, 31).toordinal() + 1
    return d


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]: add_working_days(d, n) == e implies working_days_between(d, e) == n.
    Negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    total = 0
    for year in range(start.year, end.year + 1):
        data = year_data(year)
        lo = start.toordinal() if year == start.year else date(year, 1, 1).toordinal() - 1
        hi = end.toordinal() if year == end.year else date(year, 12, 31).toordinal()
        total += bisect.bisect_right(data.working, hi) - bisect.bisect_right(data.working, lo)
    return total


# --------------------------------------------------------------------------------------------- clock time
def _local(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("工作日期限需要带时区的时间（Asia/Shanghai）")
    return dt.astimezone(SHANGHAI)


def _at(d: date, t: time) -> datetime:
    return datetime.combine(d, t, tzinfo=SHANGHAI)


def _day_periods(d: date, counting: str, hours: WorkingHours) -> list[tuple[datetime, datetime]]:
    if not is_working_day(d):
        return []
    if counting == COUNTING_WHOLE_DAYS:
        return [(_at(d, time(0)), _at(d + timedelta(days=1), time(0)))]
    return [(_at(d, s), _at(d, e)) for s, e in hours.periods]


def _check_counting(counting: str) -> None:
    if counting not in COUNTINGS:
        raise ValueError(f"未知的工作日计算方式：{counting}（应为 whole_days 或 working_hours）")


def working_deadline(*, start: datetime, amount: int, counting: str = COUNTING_WHOLE_DAYS,
                     hours: WorkingHours | None = None) -> datetime:
    """The moment `amount` working days after `start`.

    whole_days: the same clock time on the Nth working day after the start's date.
    working_hours: amount × the company's daily working time, consumed only inside its working periods on
    working days (time outside them, e.g. a complaint received at 17:59, starts counting at the next period).
    """
    _check_counting(counting)
    start = _local(start)
    if counting == COUNTING_WHOLE_DAYS:
        return _at(add_working_days(start.date(), amount), start.timetz().replace(tzinfo=None))
    hours = hours or DEFAULT_HOURS
    return add_working_time(start=start, delta=timedelta(minutes=hours.minutes_per_day * amount),
                            counting=counting, hours=hours)


def add_working_time(*, start: datetime, delta: timedelta, counting: str = COUNTING_WHOLE_DAYS,
                     hours: WorkingHours | None = None) -> datetime:
    """Move forward from start by `delta` of working time (whole working days count 24 h each, or only the
    working periods). Used to push a deadline out by the working time a complaint spent paused."""
    _check_counting(counting)
    hours = hours or DEFAULT_HOURS
    current = _local(start)
    remaining = delta
    if remaining <= timedelta(0):
        return current
    day = current.date()
    guard = 0
    while True:
        for p_start, p_end in _day_periods(day, counting, hours):
            if p_end <= current:
                continue
            begin = max(p_start, current)
            span = p_end - begin
            if remaining <= span:
                return begin + remaining
            remaining -= span
            current = p_end
        day += timedelta(days=1)
        guard += 1
        if guard > 366 * 20:  # pragma: no cover - a 20-year deadline is a data error
            raise ValueError("期限超出可计算范围")


def working_time_between(*, start: datetime, end: datetime, counting: str = COUNTING_WHOLE_DAYS,
                         hours: WorkingHours | None = None) -> timedelta:
    """The working time inside [start, end) (0 when end <= start)."""
    _check_counting(counting)
    hours = hours or DEFAULT_HOURS
    start, end = _local(start), _local(end)
    total = timedelta(0)
    day = start.date()
    while day <= end.date():
        for p_start, p_end in _day_periods(day, counting, hours):
            lo, hi = max(p_start, start), min(p_end, end)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


# --------------------------------------------------------------------------------------------- warnings
def years_missing(years: list[int] | None = None, *, today: date | None = None) -> list[int]:
    """Years (by default this year and next year) for which no calendar data exists: the administrator
    warning on the dashboard and in the admin."""
    if years is None:
        today = today or datetime.now(SHANGHAI).date()
        years = [today.year, today.year + 1]
    return [y for y in years if not year_known(y)]
