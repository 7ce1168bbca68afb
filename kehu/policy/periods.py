"""Grading periods: "2026-10" (month), "2026-Q4", "2026-H2", "2026" (year).

A regrade names one period; each scheme is graded for the period of its own cadence that contains the last month
of it, and each metric is summed over the window of its own period kind (a yearly amount over the calendar year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_YEAR = re.compile(r"^(\d{4})$")

KIND_LABELS = {"month": "月", "quarter": "季度", "half_year": "半年", "year": "年"}


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # inclusive
    kind: str

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "half_year":
            return f"{self.start.year}-H{1 if self.start.month <= 6 else 2}"
        return f"{self.start.year}"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == "half_year":
            return f"{self.start.year}年{'上' if self.start.month <= 6 else '下'}半年"
        return f"{self.start.year}年"

    @property
    def end_exclusive(self) -> date:
        return self.end + timedelta(days=1)

    def containing(self, kind: str | None) -> Period:
        """The period of `kind` that contains this period's last month (None: this period itself)."""
        if kind is None or kind == self.kind:
            return self
        return period_of(self.end, kind)


def _month_end(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)


def period_of(day: date, kind: str) -> Period:
    y, m = day.year, day.month
    if kind == "month":
        return Period(date(y, m, 1), _month_end(y, m), "month")
    if kind == "quarter":
        first = (m - 1) // 3 * 3 + 1
        return Period(date(y, first, 1), _month_end(y, first + 2), "quarter")
    if kind == "half_year":
        first = 1 if m <= 6 else 7
        return Period(date(y, first, 1), _month_end(y, first + 5), "half_year")
    if kind == "year":
        return Period(date(y, 1, 1), date(y, 12, 31), "year")
    raise ValueError(kind)


def parse_period(text: str) -> Period:
    """Parse a period key or raise ValidationError({"period": ...}) with the accepted forms."""
    value = (text or "").strip()
    try:
        if match := _MONTH.match(value):
            year, month = int(match[1]), int(match[2])
            if not 1 <= month <= 12:
                raise ValueError
            return period_of(date(year, month, 1), "month")
        if match := _QUARTER.match(value):
            return period_of(date(int(match[1]), (int(match[2]) - 1) * 3 + 1, 1), "quarter")
        if match := _HALF.match(value):
            return period_of(date(int(match[1]), 1 if match[2] == "1" else 7, 1), "half_year")
        if match := _YEAR.match(value):
            return period_of(date(int(match[1]), 1, 1), "year")
    except ValueError:
        pass
    raise ValidationError(
        {"period": f"期间“{value}”格式不正确，应为 2026-10（月）、2026-Q4（季度）、2026-H2（半年）或 2026（年）。"}
    )


def previous_month(today: date) -> Period:
    return period_of(today.replace(day=1) - timedelta(days=1), "month")
