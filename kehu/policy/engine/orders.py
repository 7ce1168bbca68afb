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

Pure Python like the rest of the engine: the loader calls `build_orders` with its builder, which collects every
problem with its line.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class GradeRule:
    grades: tuple[str, ...]
    citation: Citation


@dataclass(frozen=True, slots=True)
class ThresholdRule:
    """A figure the regulation leaves open (an AdminValue) or writes (a Decimal), with its article."""

    value: Bound
    citation: Citation


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
              "allocation", "note")
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
    needs_scheme = [k for k in ("payment_terms", "strict_review_grades", "no_credit_grades") if k in section]
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

    def grade_rule(key: str) -> GradeRule | None:
        if key not in section:
            return None
        sub = f"{where}.{key}"
        m = builder.mapping(section[key], section.line_of(key), sub)
        if m is None:
            return None
        builder.keys(m, sub, required=("grades", "article"), optional=("quote", "note"))
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
    if len(builder.issues) != before:
        return None
    return OrderRules(scheme=scheme_code, payment_terms=tuple(terms), strict_review=strict, no_credit=no_credit,
                      review_skip_below_amount=review, over_limit_general_manager_percent=over,
                      allocation=allocation)


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
