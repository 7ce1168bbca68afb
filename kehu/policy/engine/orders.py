"""The optional `orders:` section of a pack: how a grading's terms apply to real business (issue 11).

A pack whose regulation sets payment terms, credit rules or order checks per grade writes them here, beside the
benefits (discount caps, lead times, rush orders) it already declares:

    orders:
      scheme: abcd                 # the grading whose grades the rules below name
      payment_terms:               # most generous first; "one step down" (benefit_adjustments) is the next entry
        - {grade: A, code: deferred_3m, name: 交货日3个月内付款, due_months: 3, article: 一、4}
        - {grade: D, code: prepayment, name: 款到发货, prepayment: true, article: 一、4}
      strict_review_grades: {grades: [D], article: 一、5}
      no_credit_grades: {grades: [D], article: 第6条}
      order_review: {skip_below_amount: {admin_set: …}, article: …}
      over_limit: {general_manager_above_percent: {admin_set: …}, article: 第7条}
      credit_limit_ceiling: {grades: [A], basis: sales_within_payment_term, article: 第6条 1.}

Pure Python like the rest of the engine: the loader calls `build_orders` with its builder, which collects every
problem with its line.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .model import AdminValue, Bound, Citation, Scheme


@dataclass(frozen=True, slots=True)
class PaymentTerm:
    """One rung of the payment-terms ladder: when the money is due after delivery, or before release."""

    grade: str
    code: str
    name: str
    citation: Citation
    due_months: int = 0
    due_days: int = 0
    prepayment: bool = False

    @property
    def is_credit(self) -> bool:
        """Whether goods leave before the money arrives (anything but prepayment is credit until paid)."""
        return not self.prepayment


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months on (or back), clamped to the month's last day (1-31 + 1 month = 2-28)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_due_on(term: PaymentTerm, delivered_on: date) -> date:
    """When goods delivered on `delivered_on` must be paid (交货日3个月内 → the same day three months on)."""
    return add_months(delivered_on, term.due_months) + timedelta(days=term.due_days)


@dataclass(frozen=True, slots=True)
class GradeRule:
    grades: tuple[str, ...]
    citation: Citation


@dataclass(frozen=True, slots=True)
class ThresholdRule:
    """A figure the regulation leaves open (an AdminValue) or writes (a Decimal), with its article."""

    value: Bound
    citation: Citation


# ----- 授信额度上限 (003 客户信用管理制度 第6条 1.) ----------------------------------------------------------------

# Registry of how a ceiling is computed. sales_within_payment_term: 授信额度不超过合同所订立账期内的销售额 — the
# amount of the goods taken (pickups) whose payment term still runs on the day, i.e. picked up from the earliest day
# whose due date is not before it, through the day itself. A customer that pays every invoice on its due date owes
# at most exactly that. No deferred term (现款现货 due 0 days, 款到发货): no 账期, the ceiling is 0.
CREDIT_CEILING_BASES = ("sales_within_payment_term",)


@dataclass(frozen=True, slots=True)
class CreditCeilingFacts:
    """What the ceiling depends on; the Django side fetches `sales` over the rule's `window(term, as_of)`."""

    rating: str | None
    limit: Decimal
    term: PaymentTerm | None  # the customer's contract payment term (the class's, after any step-down)
    as_of: date
    sales: Decimal


@dataclass(frozen=True, slots=True)
class CreditCeilingResult:
    allowed: bool
    ceiling: Decimal
    window: tuple[date, date] | None  # (first, last) pickup day counted, both inclusive; None: no 账期
    term_name: str
    sales: Decimal
    explanation: str  # how the ceiling was computed, with the figure
    citation: Citation


@dataclass(frozen=True, slots=True)
class CreditCeilingRule:
    """The grades whose credit limit may not exceed a computed figure, and how it is computed (`basis`)."""

    grades: tuple[str, ...]
    basis: str
    citation: Citation

    def applies_to(self, rating: str | None) -> bool:
        return rating is not None and rating in self.grades

    def window(self, term: PaymentTerm | None, as_of: date) -> tuple[date, date] | None:
        """The pickup days whose payment is not yet due on `as_of` (both ends inclusive); None without a 账期."""
        if term is None or term.prepayment or (term.due_months == 0 and term.due_days == 0):
            return None
        target = as_of - timedelta(days=term.due_days)
        start = add_months(target, -term.due_months)
        if term_due_on(term, start) < as_of:  # clamped at a month's end (5-31 − 3 months = 2-28, due 5-28)
            start += timedelta(days=1)
        return start, as_of

    def evaluate(self, facts: CreditCeilingFacts) -> CreditCeilingResult:
        window = self.window(facts.term, facts.as_of)
        term_name = facts.term.name if facts.term is not None else "—"
        sales = facts.sales if window is not None else Decimal(0)
        if window is None:
            explanation = (f"{facts.rating}级客户的授信额度不超过合同所订立账期内的销售额；付款方式“{term_name}”"
                           f"没有账期，账期内销售额为 0，上限 0.00 元")
        else:
            explanation = (f"{facts.rating}级客户的授信额度不超过合同所订立账期内的销售额：账期“{term_name}”，"
                           f"{window[0]:%Y-%m-%d} 至 {window[1]:%Y-%m-%d} 提货金额 {sales:,.2f} 元，"
                           f"上限 {sales:,.2f} 元")
        return CreditCeilingResult(allowed=facts.limit <= sales, ceiling=sales, window=window, term_name=term_name,
                                   sales=sales, explanation=explanation, citation=self.citation)


ALLOCATION_RULES = ("guarantee", "priority")
ALLOCATION_MEASURES = ("completion_rate", "cooperation", "weekly_evenness")


@dataclass(frozen=True, slots=True)
class AllocationTier:
    """One class of customers in the allocation order: served in full (guarantee, pro rata when short) or by
    priority, ranked by the mean of `rank_by` measures (each 0–1) from the window before the month."""

    value: str
    rule: str
    rank_by: tuple[str, ...]
    citation: Citation


@dataclass(frozen=True, slots=True)
class AllocationRules:
    dimension: str
    tiers: tuple[AllocationTier, ...]
    window_months: int
    citation: Citation


@dataclass(frozen=True, slots=True)
class OrderRules:
    scheme: str | None
    payment_terms: tuple[PaymentTerm, ...] = ()
    strict_review: GradeRule | None = None
    no_credit: GradeRule | None = None
    review_skip_below_amount: ThresholdRule | None = None
    over_limit_general_manager_percent: ThresholdRule | None = None
    allocation: AllocationRules | None = None
    credit_ceiling: CreditCeilingRule | None = None

    def term_for_grade(self, grade: str | None) -> PaymentTerm | None:
        return next((t for t in self.payment_terms if t.grade == grade), None)

    def term_stepped_down(self, term: PaymentTerm, steps: int) -> PaymentTerm:
        """The term `steps` rungs stricter (never past the strictest)."""
        index = self.payment_terms.index(term)
        return self.payment_terms[min(len(self.payment_terms) - 1, index + max(0, steps))]

    def prepayment_term(self) -> PaymentTerm | None:
        return next((t for t in reversed(self.payment_terms) if t.prepayment), None)

    def admin_values_needed(self) -> tuple[AdminValue, ...]:
        found = []
        for rule in (self.review_skip_below_amount, self.over_limit_general_manager_percent):
            if rule is not None and isinstance(rule.value, AdminValue):
                found.append(rule.value)
        return tuple(found)


ORDER_KEYS = ("scheme", "payment_terms", "strict_review_grades", "no_credit_grades", "order_review", "over_limit",
              "allocation", "credit_limit_ceiling", "note")
_CITATION = ("article", "quote", "note")


def build_orders(builder: Any, root: Any, schemes: dict[str, Scheme], dimensions: dict) -> OrderRules | None:
    """Parse `orders:` with the loader's builder (its error/keys/text helpers); None when absent or invalid."""
    if "orders" not in root:
        return None
    where = "orders"
    section = builder.mapping(root["orders"], root.line_of("orders"), where)
    if section is None:
        return None
    before = len(builder.issues)
    builder.keys(section, where, optional=ORDER_KEYS)
    scheme_code = builder.text(section, "scheme", where)
    needs_scheme = [k for k in ("payment_terms", "strict_review_grades", "no_credit_grades", "credit_limit_ceiling")
                    if k in section]
    if needs_scheme and not scheme_code:
        builder.error(section.line, f"{where}：{needs_scheme[0]} 按等级规定，须用 scheme 写明分级方案")
    scheme = schemes.get(scheme_code) if scheme_code else None
    if scheme_code and scheme is None:
        builder.error(section.line_of("scheme"), f"{where}.scheme：未知的分级方案 {scheme_code!r}")
    grades = set(scheme.rank) if scheme is not None else set()

    terms: list[PaymentTerm] = []
    seen_codes: dict[str, int] = {}
    seen_grades: dict[str, int] = {}
    for item in builder.mapping_items(section, "payment_terms", where):
        sub = f"{where}.payment_terms[{item.get('code', '?')}]"
        builder.keys(item, sub, required=("grade", "code", "name", "article"),
                     optional=("due_months", "due_days", "prepayment", "quote", "note"))
        grade = builder.text(item, "grade", sub)
        code = builder.text(item, "code", sub)
        builder.unique(seen_codes, code, item.line, "付款方式")
        builder.unique(seen_grades, grade, item.line, "付款方式对应的等级")
        if grade is not None and scheme is not None and grade not in grades:
            builder.error(item.line_of("grade"), f"{sub}：方案 {scheme_code} 没有等级 {grade!r}")
        months = builder.integer(item, "due_months", sub, minimum=0) or 0
        days = builder.integer(item, "due_days", sub, minimum=0) or 0
        prepayment = bool(builder.get(item, "prepayment", (bool,), sub, False))
        if prepayment and (months or days):
            builder.error(item.line, f"{sub}：款到发货（prepayment: true）不能同时规定付款期限")
        citation = builder.citation(item, sub)
        name = builder.text(item, "name", sub)
        if grade and code and name and citation:
            terms.append(PaymentTerm(grade, code, name, citation, months, days, prepayment))

    def grade_rule(key: str, extra: tuple[str, ...] = ()) -> GradeRule | None:
        if key not in section:
            return None
        sub = f"{where}.{key}"
        m = builder.mapping(section[key], section.line_of(key), sub)
        if m is None:
            return None
        builder.keys(m, sub, required=("grades", "article", *extra), optional=("quote", "note"))
        listed = []
        for line, value in builder.items(m, "grades", sub, required=True):
            if not isinstance(value, str):
                builder.error(line, f"{sub}.grades 的条目应为等级编码")
            elif scheme is not None and value not in grades:
                builder.error(line, f"{sub}：方案 {scheme_code} 没有等级 {value!r}")
            else:
                listed.append(value)
        citation = builder.citation(m, sub)
        return GradeRule(tuple(listed), citation) if citation else None

    def threshold(key: str, value_key: str, purpose: str) -> ThresholdRule | None:
        if key not in section:
            return None
        sub = f"{where}.{key}"
        m = builder.mapping(section[key], section.line_of(key), sub)
        if m is None:
            return None
        builder.keys(m, sub, required=(value_key, "article"), optional=("quote", "note"))
        citation = builder.citation(m, sub)
        value = builder.bound(m, value_key, sub, purpose, citation.article if citation else None)
        if isinstance(value, Decimal) and value < 0:
            builder.error(m.line_of(value_key), f"{sub}.{value_key} 不能为负数")
            return None
        if value is None:
            builder.error(m.line, f"{sub} 缺少必填项 {value_key!r}")
            return None
        return ThresholdRule(value, citation) if citation else None

    strict = grade_rule("strict_review_grades")
    no_credit = grade_rule("no_credit_grades")
    review = threshold("order_review", "skip_below_amount", "免于技术评审的合同额上限（元）")
    over = threshold("over_limit", "general_manager_above_percent", "超出授信额度须总经理审批的比例（%）")
    allocation = build_allocation(builder, section, dimensions)
    ceiling = None
    ceiling_grades = grade_rule("credit_limit_ceiling", extra=("basis",))
    if isinstance(section.get("credit_limit_ceiling"), dict):
        basis = builder.choice(section["credit_limit_ceiling"], "basis", f"{where}.credit_limit_ceiling",
                               CREDIT_CEILING_BASES, "额度上限计算依据")
        if basis is not None and ceiling_grades is not None:
            ceiling = CreditCeilingRule(ceiling_grades.grades, basis, ceiling_grades.citation)
    if len(builder.issues) != before:
        return None
    return OrderRules(scheme=scheme_code, payment_terms=tuple(terms), strict_review=strict, no_credit=no_credit,
                      review_skip_below_amount=review, over_limit_general_manager_percent=over,
                      allocation=allocation, credit_ceiling=ceiling)


def build_allocation(builder: Any, section: Any, dimensions: dict) -> AllocationRules | None:
    if "allocation" not in section:
        return None
    where = "orders.allocation"
    m = builder.mapping(section["allocation"], section.line_of("allocation"), where)
    if m is None:
        return None
    builder.keys(m, where, required=("dimension", "tiers", "window_months", "article"), optional=_CITATION)
    code = builder.text(m, "dimension", where)
    dimension = dimensions.get(code) if code else None
    if code and dimension is None:
        builder.error(m.line_of("dimension"), f"{where}：未知的分类维度 {code!r}")
    window = builder.integer(m, "window_months", where, minimum=1)
    tiers: list[AllocationTier] = []
    seen: dict[str, int] = {}
    for item in builder.mapping_items(m, "tiers", where, required=True):
        sub = f"{where}.tiers[{item.get('value', '?')}]"
        builder.keys(item, sub, required=("value", "rule", "article"), optional=("rank_by", *_CITATION))
        value = builder.text(item, "value", sub)
        builder.unique(seen, value, item.line, "分配类别")
        if value and dimension is not None and value not in dimension.value_codes():
            builder.error(item.line_of("value"), f"{sub}：维度 {code} 没有取值 {value!r}")
        rule = builder.choice(item, "rule", sub, ALLOCATION_RULES, "分配规则")
        rank_by = []
        for line, measure in builder.items(item, "rank_by", sub):
            if measure not in ALLOCATION_MEASURES:
                builder.error(line, f"{sub}.rank_by：未知的指标 {measure!r}（可用：{', '.join(ALLOCATION_MEASURES)}）")
            else:
                rank_by.append(measure)
        if rule == "priority" and not rank_by:
            builder.error(item.line, f"{sub}：按优先顺序分配（priority）须用 rank_by 写明排序指标")
        citation = builder.citation(item, sub)
        if value and rule and citation:
            tiers.append(AllocationTier(value, rule, tuple(rank_by), citation))
    citation = builder.citation(m, where)
    if not code or not citation or window is None:
        return None
    return AllocationRules(code, tuple(tiers), window, citation)
