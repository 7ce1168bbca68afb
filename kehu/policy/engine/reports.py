"""The pack's optional `reports` section: what the periodic reports need from a regulation that the grading schemes
do not say — how churn (流失) is recognised, and report due days a regulation leaves to the company.

    reports:
      churn:
        name: 机构客户流失判定
        article: 6.6.2
        applies_when: {attribute: customer_kind, equals: 机构}
        product_groups: [汽油, 柴油]            # the pickups that count; all pickups when omitted
        rules:
          - {code: no_pickup, kind: no_pickup_days, label: 连续未提货,
             days: {admin_set: sd.churn_no_pickup_days, allowed_min: 1, allowed_max: 366}, article: 6.6.2}
          - {code: volume_drop, kind: volume_drop_percent, label: 提货量同比下降, compare: same_month_last_year,
             percent: 30, article: 6.6.2}
      due_days:
        - {report: hb_review_quarter, day_of_month: {admin_set: hb.review_due_day, allowed_min: 1, allowed_max: 28},
           article: 第十六条}

Rule kinds (registry): `no_pickup_days` — the customer's last counted pickup is N or more days before the period's
end (含N天), and was fewer than N days before the period began (so a customer is counted in the month the gap reaches
N, once); `volume_drop_percent` — the period's counted quantity is X % or more (含X%) below the same period a year
earlier, which had pickups. Pure Python, like the rest of the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .errors import AdminValueMissing
from .model import AdminValue, Bound, Citation, Predicate

if TYPE_CHECKING:
    from .loader import _PackBuilder

CHURN_RULE_KINDS = ("no_pickup_days", "volume_drop_percent")
CHURN_COMPARE = ("same_month_last_year",)
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class ChurnRule:
    code: str
    kind: str
    label: str
    threshold: Bound  # days (no_pickup_days) or percent (volume_drop_percent)
    citation: Citation
    compare: str = "same_month_last_year"


@dataclass(frozen=True, slots=True)
class ChurnSpec:
    name: str
    citation: Citation
    rules: tuple[ChurnRule, ...]
    product_groups: tuple[str, ...] = ()
    applies_when: Predicate | None = None

    def rule(self, kind: str) -> ChurnRule | None:
        return next((r for r in self.rules if r.kind == kind), None)


@dataclass(frozen=True, slots=True)
class ReportDueDay:
    report: str
    day_of_month: int | AdminValue
    citation: Citation


@dataclass(frozen=True, slots=True)
class ReportRules:
    churn: ChurnSpec | None = None
    due_days: tuple[ReportDueDay, ...] = ()

    def admin_values_needed(self) -> tuple[AdminValue, ...]:
        found: dict[str, AdminValue] = {}
        for rule in self.churn.rules if self.churn else ():
            if isinstance(rule.threshold, AdminValue):
                found.setdefault(rule.threshold.key, rule.threshold)
        for due in self.due_days:
            if isinstance(due.day_of_month, AdminValue):
                found.setdefault(due.day_of_month.key, due.day_of_month)
        return tuple(found.values())

    def due_day(self, report: str) -> ReportDueDay | None:
        return next((d for d in self.due_days if d.report == report), None)


# ----- evaluation -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChurnFacts:
    customer_id: int
    last_pickup: date | None  # the last counted pickup on or before the period's end
    quantity: Decimal  # counted quantity in the period
    quantity_last_year: Decimal  # counted quantity in the same period a year earlier


@dataclass(frozen=True, slots=True)
class ChurnReason:
    customer_id: int
    rule: str
    kind: str
    article: str
    value: Decimal  # days without pickup, or percent down
    threshold: Decimal
    text: str


def resolve_threshold(rule: ChurnRule, admin_values: Mapping[str, Decimal] | None) -> Decimal:
    if isinstance(rule.threshold, AdminValue):
        value = (admin_values or {}).get(rule.threshold.key)
        if value is None:
            threshold = rule.threshold
            raise AdminValueMissing("reports.churn", [(threshold.key, threshold.article, threshold.purpose)])
        return Decimal(value)
    return Decimal(rule.threshold)


def churn_lookback_start(spec: ChurnSpec, period_start: date, admin_values: Mapping[str, Decimal] | None) -> date:
    """The first day a no-pickup rule looks at: a pickup before it cannot make the gap reach N inside the period."""
    rule = spec.rule("no_pickup_days")
    if rule is None:
        return period_start
    return period_start - timedelta(days=int(resolve_threshold(rule, admin_values)))


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return text


def churn_reasons(spec: ChurnSpec, facts: Iterable[ChurnFacts], *, period_start: date, period_end: date,
                  admin_values: Mapping[str, Decimal] | None = None) -> list[ChurnReason]:
    """Every reason each customer counts as churned in the period (a customer may have several)."""
    thresholds = {rule.code: resolve_threshold(rule, admin_values) for rule in spec.rules}
    before_start = period_start - timedelta(days=1)
    out: list[ChurnReason] = []
    for f in facts:
        for rule in spec.rules:
            limit = thresholds[rule.code]
            if rule.kind == "no_pickup_days":
                if f.last_pickup is None:
                    continue
                days = (period_end - f.last_pickup).days
                days_before = (before_start - f.last_pickup).days
                if days >= limit and days_before < limit:
                    out.append(ChurnReason(
                        f.customer_id, rule.code, rule.kind, rule.citation.article, Decimal(days), limit,
                        f"{rule.label}：截至 {period_end:%Y-%m-%d} 已连续 {days} 天未提货（最后提货 "
                        f"{f.last_pickup:%Y-%m-%d}），达到 {_fmt(limit)} 天的流失标准（{rule.citation.article}）"))
            elif rule.kind == "volume_drop_percent":
                before = f.quantity_last_year
                if before <= 0:
                    continue
                drop = ((before - f.quantity) * _HUNDRED / before).quantize(Decimal("0.1"))
                exact = (before - f.quantity) * _HUNDRED
                if exact >= limit * before:
                    out.append(ChurnReason(
                        f.customer_id, rule.code, rule.kind, rule.citation.article, drop, limit,
                        f"{rule.label}：本期提货 {_fmt(f.quantity)}，去年同期 {_fmt(before)}，下降 {drop}%，"
                        f"达到 {_fmt(limit)}% 的流失标准（{rule.citation.article}）"))
    return out


# ----- schema -----------------------------------------------------------------------------------------------------


def build_report_rules(b: _PackBuilder, root: Any) -> ReportRules | None:
    """The optional `reports` section (validated with file and line, like every other section)."""
    if "reports" not in root or root["reports"] is None:
        return None
    m = b.mapping(root["reports"], root.line_of("reports"), "reports")
    if m is None:
        return None
    b.keys(m, "reports", optional=("churn", "due_days", "note"))
    churn = _build_churn(b, m) if "churn" in m else None
    due_days: list[ReportDueDay] = []
    seen: dict[str, int] = {}
    for item in b.mapping_items(m, "due_days", "reports"):
        where = f"reports.due_days[{item.get('report', '?')}]"
        b.keys(item, where, required=("report", "day_of_month", "article"), optional=("quote", "note"))
        report = b.text(item, "report", where)
        b.unique(seen, report, item.line, "报表报送日")
        citation = b.citation(item, where)
        day: int | AdminValue | None
        raw = item.get("day_of_month")
        if isinstance(raw, int) and not isinstance(raw, bool):
            day = raw if 1 <= raw <= 28 else None
            if day is None:
                b.error(item.line_of("day_of_month"), f"{where}.day_of_month 须为 1–28（每个月都有的日子）")
        else:
            bound = b.bound(item, "day_of_month", where, "报表报送日（期末次月几日）",
                            citation.article if citation else None)
            day = bound if isinstance(bound, AdminValue) else None
            if bound is not None and not isinstance(bound, AdminValue):
                b.error(item.line_of("day_of_month"), f"{where}.day_of_month 须为整数日")
        if report and day is not None and citation:
            due_days.append(ReportDueDay(report, day, citation))
    return ReportRules(churn=churn, due_days=tuple(due_days))


def _build_churn(b: _PackBuilder, m: Any) -> ChurnSpec | None:
    where = "reports.churn"
    c = b.mapping(m["churn"], m.line_of("churn"), where)
    if c is None:
        return None
    before = len(b.issues)
    b.keys(c, where, required=("name", "rules", "article"),
           optional=("applies_when", "product_groups", "quote", "note"))
    name = b.text(c, "name", where)
    citation = b.citation(c, where)
    applies_when = None
    if "applies_when" in c:
        applies_when = b.build_predicate(c["applies_when"], c.line_of("applies_when"), f"{where}.applies_when")
        if applies_when is not None and _uses_previous_grade(applies_when):
            b.error(c.line_of("applies_when"), f"{where}.applies_when 只能按客户属性判断（不能用 no_previous_grade）")
    groups = []
    for line, value in b.items(c, "product_groups", where):
        if not isinstance(value, str) or not value.strip():
            b.error(line, f"{where}.product_groups 的条目应为产品组名称")
        else:
            groups.append(value)
    rules: list[ChurnRule] = []
    seen: dict[str, int] = {}
    for item in b.mapping_items(c, "rules", where, required=True):
        sub = f"{where}.rules[{item.get('code', '?')}]"
        kind = b.choice(item, "kind", sub, CHURN_RULE_KINDS, "流失判定方式")
        amount_key = "days" if kind == "no_pickup_days" else "percent"
        b.keys(item, sub, required=("code", "kind", "label", "article", *((amount_key,) if kind else ())),
               optional=("compare", "quote", "note"))
        code = b.text(item, "code", sub)
        b.unique(seen, code, item.line, "流失判定规则")
        if kind is not None and any(r.kind == kind for r in rules):
            b.error(item.line_of("kind"), f"{sub}：同一种判定方式 {kind} 只能写一条")
        compare = b.choice(item, "compare", sub, CHURN_COMPARE, "比较基期") or "same_month_last_year"
        if "compare" in item and kind == "no_pickup_days":
            b.error(item.line_of("compare"), f"{sub}：compare 只用于 volume_drop_percent")
        rule_citation = b.citation(item, sub)
        threshold = b.bound(item, amount_key, sub, "连续未提货天数（含本数）" if kind == "no_pickup_days"
                            else "同比下降百分比（含本数）", rule_citation.article if rule_citation else None)
        if isinstance(threshold, Decimal):
            if threshold <= 0:
                b.error(item.line_of(amount_key), f"{sub}.{amount_key} 须大于 0")
            elif kind == "volume_drop_percent" and threshold > 100:
                b.error(item.line_of(amount_key), f"{sub}.percent 不能超过 100")
            elif kind == "no_pickup_days" and threshold != threshold.to_integral():
                b.error(item.line_of(amount_key), f"{sub}.days 须为整数天")
        if code and kind and threshold is not None and rule_citation:
            rules.append(ChurnRule(code, kind, b.text(item, "label", sub) or code, threshold, rule_citation,
                                   compare))
    if "rules" in c and isinstance(c["rules"], list) and not c["rules"]:
        b.error(c.line_of("rules"), f"{where}.rules 至少需要一条")
    if len(b.issues) > before or not (name and citation and rules):
        return None
    return ChurnSpec(name, citation, tuple(rules), tuple(groups), applies_when)


def _uses_previous_grade(p: Predicate) -> bool:
    return p.no_previous_grade or any(_uses_previous_grade(x) for x in p.all_of)
