"""The optional `development` section of a pack: prospect surveys, development plans and their targets, progress
reports, and the shared pool (公海). Pure Python; parsed by the loader through `build_development`.

    development:
      article: "6.5"
      prospect_survey: {months: [7, 12], article: 6.5.1, quote: …}
      plan:
        period: month                 # month | quarter
        lines_by: unit                # unit (区县 / 加油站 lines) | assignee (客户经理 lines)
        requires: [deadline, budget]  # line fields the plan must carry (000 第六条(二))
        due: {day_of_month: 25, month_offset: -1, article: 6.5.3}
        article: 6.5.3
      targets:
        - {code: institutional_per_county, category: institutional, per: county, minimum: 1, rule: each,
           article: 6.5.3, quote: …}
      progress_reports:
        - {code: weekly_summary, name: 周总结, frequency: week, article: 第六条}
        - {code: monthly_report, name: 月汇报, frequency: month, report_to: [dept_manager, general_manager], …}
      shared_pool:
        days_without_follow_up: {admin_set: pool.days_without_follow_up, purpose: …, allowed_min: 1}
        reminder_days_before: {admin_set: …}
        claim_cap: {admin_set: …}
        claim_cap_period: month       # day | week | month
        reclaim_wait_days: {admin_set: …}
        article: 6.1.2
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .model import AdminValue, Citation

PLAN_PERIODS = ("month", "quarter")
PLAN_LINES_BY = ("unit", "assignee")
PLAN_LINE_FIELDS = ("deadline", "budget")
TARGET_CATEGORIES = ("institutional", "card", "any")
TARGET_PER = ("county", "station", "assignee")
TARGET_RULES = ("each", "average")
REPORT_FREQUENCIES = ("week", "month")
CAP_PERIODS = ("day", "week", "month")
POOL_FIGURES = ("days_without_follow_up", "reminder_days_before", "claim_cap", "reclaim_wait_days")

Count = int | AdminValue


@dataclass(frozen=True, slots=True)
class SurveyRule:
    """Prospect surveys: the months in which the survey table is due (002 6.5.1: July and December)."""

    months: tuple[int, ...]
    citation: Citation


@dataclass(frozen=True, slots=True)
class PlanDue:
    """When a plan for a period is due: `day_of_month` of the month `month_offset` months from the period's start."""

    day_of_month: int
    month_offset: int
    citation: Citation


@dataclass(frozen=True, slots=True)
class PlanRule:
    period: str
    lines_by: str
    requires: tuple[str, ...]
    due: PlanDue | None
    citation: Citation


@dataclass(frozen=True, slots=True)
class TargetRule:
    """A minimum the plan must set: `each` line at least `minimum`, or the lines' `average` at least `minimum`."""

    code: str
    name: str
    category: str
    per: str
    minimum: int
    rule: str
    citation: Citation


@dataclass(frozen=True, slots=True)
class ProgressReportRule:
    code: str
    name: str
    frequency: str
    report_to: tuple[str, ...]  # system role codes told when a report is submitted
    citation: Citation


@dataclass(frozen=True, slots=True)
class SharedPoolRule:
    days_without_follow_up: Count
    reminder_days_before: Count
    claim_cap: Count
    claim_cap_period: str
    reclaim_wait_days: Count
    citation: Citation

    def admin_values_needed(self) -> tuple[AdminValue, ...]:
        return tuple(v for v in (getattr(self, f) for f in POOL_FIGURES) if isinstance(v, AdminValue))

    def resolve(self, admin_values: dict[str, Decimal]) -> dict[str, int | None]:
        """Each figure as a whole number; None where the administrator has not set it yet."""
        out: dict[str, int | None] = {}
        for name in POOL_FIGURES:
            value = getattr(self, name)
            if isinstance(value, AdminValue):
                stored = admin_values.get(value.key)
                out[name] = int(stored) if stored is not None else None
            else:
                out[name] = value
        return out


@dataclass(frozen=True, slots=True)
class Development:
    citation: Citation
    survey: SurveyRule | None = None
    plan: PlanRule | None = None
    targets: tuple[TargetRule, ...] = ()
    progress_reports: tuple[ProgressReportRule, ...] = ()
    shared_pool: SharedPoolRule | None = None

    def admin_values_needed(self) -> tuple[AdminValue, ...]:
        return self.shared_pool.admin_values_needed() if self.shared_pool else ()


_CITED = ("article", "quote", "note")


def build_development(b: Any, root: Any) -> Development | None:
    """Parse `development` with the loader's builder `b` (its readers record every issue with file and line)."""
    if "development" not in root:
        return None
    d = b.mapping(root["development"], root.line_of("development"), "development")
    if d is None:
        return None
    b.keys(d, "development", required=("article",),
           optional=("quote", "note", "prospect_survey", "plan", "targets", "progress_reports", "shared_pool"))
    citation = b.citation(d, "development")
    survey = _survey(b, d)
    plan = _plan(b, d)
    targets = _targets(b, d, plan)
    reports = _reports(b, d)
    pool = _pool(b, d)
    if citation is None:
        return None
    return Development(citation=citation, survey=survey, plan=plan, targets=tuple(targets),
                       progress_reports=tuple(reports), shared_pool=pool)


def _survey(b: Any, d: Any) -> SurveyRule | None:
    if "prospect_survey" not in d:
        return None
    where = "development.prospect_survey"
    s = b.mapping(d["prospect_survey"], d.line_of("prospect_survey"), where)
    if s is None:
        return None
    b.keys(s, where, required=("months", "article"), optional=("quote", "note"))
    months = []
    for line, month in b.items(s, "months", where, required=True):
        if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
            b.error(line, f"{where}.months：月份须为 1–12")
        elif month in months:
            b.error(line, f"{where}.months：月份 {month} 重复")
        else:
            months.append(month)
    citation = b.citation(s, where)
    if not months or citation is None:
        return None
    return SurveyRule(months=tuple(sorted(months)), citation=citation)


def _plan(b: Any, d: Any) -> PlanRule | None:
    if "plan" not in d:
        return None
    where = "development.plan"
    p = b.mapping(d["plan"], d.line_of("plan"), where)
    if p is None:
        return None
    b.keys(p, where, required=("period", "lines_by", "article"), optional=("requires", "due", *_CITED[1:]))
    period = b.choice(p, "period", where, PLAN_PERIODS, "计划周期")
    lines_by = b.choice(p, "lines_by", where, PLAN_LINES_BY, "计划分解方式")
    requires = []
    for line, name in b.items(p, "requires", where):
        if name not in PLAN_LINE_FIELDS:
            b.error(line, f"{where}.requires：未知的计划项 {name!r}（可用：{', '.join(PLAN_LINE_FIELDS)}）")
        else:
            requires.append(name)
    due = None
    if "due" in p:
        sub = f"{where}.due"
        m = b.mapping(p["due"], p.line_of("due"), sub)
        if m is not None:
            b.keys(m, sub, required=("day_of_month", "article"), optional=("month_offset", *_CITED[1:]))
            day = b.integer(m, "day_of_month", sub, minimum=1)
            if day is not None and day > 28:
                b.error(m.line_of("day_of_month"), f"{sub}.day_of_month 须为 1–28（每个月都有的日子）")
                day = None
            offset = b.integer(m, "month_offset", sub)
            offset = 0 if offset is None else offset
            if not -12 <= offset <= 12:
                b.error(m.line_of("month_offset"), f"{sub}.month_offset 须在 -12 到 12 之间")
            due_citation = b.citation(m, sub)
            if day is not None and due_citation is not None:
                due = PlanDue(day_of_month=day, month_offset=offset, citation=due_citation)
    citation = b.citation(p, where)
    if period is None or lines_by is None or citation is None:
        return None
    return PlanRule(period=period, lines_by=lines_by, requires=tuple(requires), due=due, citation=citation)


def _targets(b: Any, d: Any, plan: PlanRule | None) -> list[TargetRule]:
    out: list[TargetRule] = []
    seen: dict[str, int] = {}
    for item in b.mapping_items(d, "targets", "development"):
        where = f"development.targets[{item.get('code', '?')}]"
        b.keys(item, where, required=("code", "category", "per", "minimum", "article"),
               optional=("name", "rule", *_CITED[1:]))
        code = b.text(item, "code", where)
        b.unique(seen, code, item.line, "开发目标")
        category = b.choice(item, "category", where, TARGET_CATEGORIES, "客户类别")
        per = b.choice(item, "per", where, TARGET_PER, "目标分解对象")
        minimum = b.integer(item, "minimum", where, minimum=0)
        rule = b.choice(item, "rule", where, TARGET_RULES, "目标规则") or "each"
        citation = b.citation(item, where)
        if plan is not None and per is not None and (per == "assignee") != (plan.lines_by == "assignee"):
            b.error(item.line_of("per"), f"{where}.per={per!r} 与 development.plan.lines_by={plan.lines_by!r} 不一致")
        if code and category and per and minimum is not None and citation:
            out.append(TargetRule(code=code, name=b.text(item, "name", where) or code, category=category, per=per,
                                  minimum=minimum, rule=rule, citation=citation))
    return out


def _reports(b: Any, d: Any) -> list[ProgressReportRule]:
    out: list[ProgressReportRule] = []
    seen: dict[str, int] = {}
    for item in b.mapping_items(d, "progress_reports", "development"):
        where = f"development.progress_reports[{item.get('code', '?')}]"
        b.keys(item, where, required=("code", "name", "frequency", "article"), optional=("report_to", *_CITED[1:]))
        code = b.text(item, "code", where)
        b.unique(seen, code, item.line, "开发动态报告")
        frequency = b.choice(item, "frequency", where, REPORT_FREQUENCIES, "报告周期")
        report_to = []
        for line, role in b.items(item, "report_to", where):
            if not isinstance(role, str) or not role.strip():
                b.error(line, f"{where}.report_to：应为系统角色编码（如 dept_manager）")
            else:
                report_to.append(role)
        citation = b.citation(item, where)
        if code and frequency and citation:
            out.append(ProgressReportRule(code=code, name=b.text(item, "name", where) or code, frequency=frequency,
                                          report_to=tuple(report_to), citation=citation))
    return out


def _pool(b: Any, d: Any) -> SharedPoolRule | None:
    if "shared_pool" not in d:
        return None
    where = "development.shared_pool"
    p = b.mapping(d["shared_pool"], d.line_of("shared_pool"), where)
    if p is None:
        return None
    b.keys(p, where, required=(*POOL_FIGURES, "claim_cap_period", "article"), optional=_CITED[1:])
    citation = b.citation(p, where)
    article = citation.article if citation else None
    purposes = {
        "days_without_follow_up": "客户连续多少天无跟进即退回公海（天）",
        "reminder_days_before": "退回公海前多少天提醒客户经理（天）",
        "claim_cap": "每人每周期最多领取的公海客户数",
        "reclaim_wait_days": "客户退回公海后，原客户经理须等待多少天才能再次领取（天）",
    }
    figures: dict[str, Count | None] = {}
    for name in POOL_FIGURES:
        figures[name] = _count(b, p, name, where, purposes[name], article)
    period = b.choice(p, "claim_cap_period", where, CAP_PERIODS, "领取上限周期")
    days, before = figures["days_without_follow_up"], figures["reminder_days_before"]
    if isinstance(days, int) and isinstance(before, int) and before >= days:
        b.error(p.line_of("reminder_days_before"), f"{where}.reminder_days_before 须小于 days_without_follow_up")
    if citation is None or period is None or any(v is None for v in figures.values()):
        return None
    return SharedPoolRule(claim_cap_period=period, citation=citation, **figures)  # type: ignore[arg-type]


def _count(b: Any, m: Any, key: str, where: str, purpose: str, article: str | None) -> Count | None:
    """A whole number of days or customers, or {admin_set: key} where the regulation gives none."""
    if key not in m:
        return None
    value = m[key]
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            b.error(m.line_of(key), f"{where}.{key} 不能小于 0")
            return None
        return value
    bound = b.bound(m, key, where, purpose, article)
    if isinstance(bound, AdminValue):
        return bound
    if bound is not None:  # a decimal number
        b.error(m.line_of(key), f"{where}.{key} 应为整数")
    return None
