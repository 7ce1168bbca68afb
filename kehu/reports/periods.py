"""Report periods and due dates.

A period is the grading app's period ("2026-11", "2026-Q3", "2026-H1", "2026"); a form takes only its own cadence.
A form for a period that has not begun is refused; one for a period still running can be previewed, not submitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError

from kehu.policy.periods import KIND_LABELS, Period, parse_period, period_of
from kehu.reports.registry import DueRule, ReportDefinition

# Forms compare with the same month a year earlier; periods before this year are not reports anybody files.
EARLIEST_YEAR = 2000


def report_period(definition: ReportDefinition, text: str, *, today: date, for_submission: bool = False) -> Period:
    """The period `text` names, checked for the form: its cadence, not in the future, and — to submit — ended."""
    period = parse_period(text)
    if period.kind != definition.cadence:
        raise ValidationError({"period": (
            f"《{definition.title}》按{KIND_LABELS[definition.cadence]}编制，期间应写作 {definition.period_example}"
            f"（收到的是{KIND_LABELS[period.kind]}期间 {period.key}）。")})
    if period.start.year < EARLIEST_YEAR:
        raise ValidationError({"period": f"期间 {period.key} 早于 {EARLIEST_YEAR} 年，无法编制。"})
    if period.start > today:
        raise ValidationError({"period": f"期间 {period.key}（{period.label}）尚未开始，不能编制未来期间的报表。"})
    if for_submission and period.end >= today:
        raise ValidationError({"period": (
            f"期间 {period.key}（{period.label}）到 {period.end:%Y-%m-%d} 才结束，结束后才能提交；现在可以预览。")})
    return period


def latest_ended_period(definition: ReportDefinition, today: date) -> Period:
    """The last period of the form's cadence that ended before today (the one being reported on now)."""
    current = period_of(today, definition.cadence)
    return period_of(current.start - timedelta(days=1), definition.cadence)


def previous_period(period: Period) -> Period:
    return period_of(period.start - timedelta(days=1), period.kind)


def same_period_last_year(period: Period) -> Period:
    return period_of(period.start.replace(year=period.start.year - 1), period.kind)


@dataclass(frozen=True)
class DueDate:
    rule: DueRule
    day: date | None  # None: the day is an administrator value not set yet
    problem: str = ""  # why there is no day, or why it could not be moved to a working day

    @property
    def text(self) -> str:
        if self.day is None:
            return self.problem or "未设定"
        return f"{self.day:%Y-%m-%d}"


def _month_plus(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _last_day(year: int, month: int) -> int:
    y, m = _month_plus(year, month, 1)
    return (date(y, m, 1) - timedelta(days=1)).day


def rule_day(rule: DueRule) -> tuple[int | None, str]:
    """The day of month a rule names, and why not when it names none."""
    if rule.day_of_month is not None:
        return rule.day_of_month, ""
    if rule.schedule and rule.pack:
        from kehu.policy.engine import PackError
        from kehu.policy.selectors import PackNotFound, pack_get

        try:
            pack = pack_get(rule.pack)
        except (PackError, PackNotFound):
            return None, f"政策包 {rule.pack} 无法读取"
        for schedule in pack.workflows.schedules:
            if schedule.code == rule.schedule and schedule.day_of_month:
                return schedule.day_of_month, ""
        return None, f"政策包 {rule.pack} 没有报送日 {rule.schedule}"
    if rule.admin_key and rule.pack:
        from kehu.policy.selectors import admin_values_for

        value = admin_values_for(rule.pack).get(rule.admin_key)
        if value is None:
            return None, f"条文未规定报送日，管理员尚未设定（{rule.pack}：{rule.admin_key}）"
        return int(Decimal(value)), ""
    return None, "未设定报送日"


def due_date(rule: DueRule, period: Period) -> DueDate:
    day, problem = rule_day(rule)
    if day is None:
        return DueDate(rule, None, problem)
    year, month = _month_plus(period.end.year, period.end.month, rule.months_after)
    due = date(year, month, min(day, _last_day(year, month)))
    if rule.working_days:
        from kehu.workdays.calendar import CalendarYearMissing, add_working_days, is_working_day

        try:
            if not is_working_day(due):
                due = add_working_days(due, 1)
        except CalendarYearMissing as exc:
            return DueDate(rule, due, f"{exc}（暂按 {due:%Y-%m-%d} 计）")
    return DueDate(rule, due)


def due_dates(definition: ReportDefinition, period: Period) -> list[DueDate]:
    return [due_date(rule, period) for rule in definition.due]


def first_due(definition: ReportDefinition, period: Period) -> DueDate:
    """The unit's own due date (the first rule); later rules are the summary levels above it."""
    return due_date(definition.due[0], period)
