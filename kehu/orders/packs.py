"""Which active packs govern orders, and the terms a customer's grades earn under them.

Nothing here hard-codes a cap, a term or a lead time: the grading pack (the one whose `orders:` section lists
payment terms, e.g. abcd-scoring) gives discount caps, surcharges, lead times, priorities, rush policies and the
payment-terms ladder; the credit pack (the one whose `orders:` section has credit rules, e.g. credit-abcd) says who
gets no credit and when 总经理 must also approve; any active pack with the provision `prepayment` (000 第二条)
makes every release wait for full payment. Every clause carries the pack and article it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kehu.core.errors import ServiceError
from kehu.policy.engine import Pack, PackError, Term, benefits_for
from kehu.policy.engine.model import AdminValue
from kehu.policy.engine.orders import OrderRules, PaymentTerm

HUNDRED = Decimal(100)
ZERO = Decimal(0)


class OrderPacksMissing(ServiceError):
    code = "order_pack_missing"


@dataclass(frozen=True)
class OrderPacks:
    grading: Pack
    credit: Pack | None
    prepayment: tuple[tuple[Pack, object], ...]  # (pack, Provision) of every active pack requiring 款到发货
    admin_values: dict[tuple[str, str], Decimal]  # (pack, key) -> value

    @property
    def rules(self) -> OrderRules:
        return self.grading.orders

    @property
    def credit_rules(self) -> OrderRules | None:
        return self.credit.orders if self.credit is not None else None

    def admin_value(self, pack: Pack, value) -> Decimal | None:
        if isinstance(value, AdminValue):
            return self.admin_values.get((pack.name, value.key))
        return value

    def versions(self) -> dict[str, str]:
        packs = [self.grading, *( [self.credit] if self.credit else []), *(p for p, _ in self.prepayment)]
        return {p.name: p.version for p in packs}


def order_packs() -> OrderPacks:
    """The packs the company applies that govern orders. Two queries (active packs, administrator values)."""
    from kehu.policy.models import AdminValue as StoredValue
    from kehu.policy.selectors import active_pack_names, pack_get

    grading = credit = None
    prepayment = []
    names = active_pack_names()
    for name in names:
        try:
            pack = pack_get(name)
        except (PackError, ServiceError):  # a broken or missing pack is reported on the pack page; it governs nothing
            continue
        rules = pack.orders
        if rules is not None and rules.payment_terms and grading is None:
            grading = pack
        if (rules is not None and (rules.no_credit or rules.over_limit_general_manager_percent or rules.credit_ceiling)
                and credit is None):
            credit = pack
        provision = next((p for p in pack.provisions if p.code == "prepayment"), None)
        if provision is not None:
            prepayment.append((pack, provision))
    if grading is None:
        raise OrderPacksMissing(
            "没有启用规定订单条款的政策包（如 abcd-scoring 客户分级管理制度）：请系统管理员在“分级 → 政策包”中启用。"
        )
    used = [grading.name, *([credit.name] if credit else [])]
    values = {
        (pack_name, key): value
        for pack_name, key, value in StoredValue.objects.filter(pack_name__in=used).values_list(
            "pack_name", "key", "value")
    }
    return OrderPacks(grading=grading, credit=credit, prepayment=tuple(prepayment), admin_values=values)


@dataclass(frozen=True)
class Clause:
    """One line of "why": what applies, its value, and the pack and article behind it."""

    code: str
    label: str
    value: str
    article: str
    quote: str = ""

    def as_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "value": self.value, "article": self.article,
                "quote": self.quote}


def _cite(pack: Pack, citation) -> str:
    return f"{pack.name} {citation.article}"


@dataclass(frozen=True)
class CustomerFacts:
    """What the terms depend on, fetched set-based by the selectors (a fixed number of queries)."""

    customer_id: int
    grade: str | None
    score: Decimal | None
    credit_rating: str | None
    rating_source: str  # "finance" (set with an approval) / "grading" (credit pack's scheme) / ""
    terms_steps_down: int
    credit_limit: Decimal
    outstanding: Decimal
    open_orders: Decimal
    late_payments_quarter: int


@dataclass(frozen=True)
class CustomerTerms:
    facts: CustomerFacts
    grade_name: str
    priority: int
    discount_cap_percent: Decimal  # the most a price may go below the internal price without approval
    surcharge_percent: Decimal  # D: the internal price is raised by this much (一、3)
    base_term: PaymentTerm
    payment_term: PaymentTerm  # after late-payment step-downs and no-credit ratings
    prepayment_required: bool  # the release waits for full payment (grade term or 000 第二条)
    no_credit: bool
    lead_time_days: int | None
    rush_policy: str
    strict_review: bool
    clauses: tuple[Clause, ...] = field(default_factory=tuple)

    @property
    def standard_factor(self) -> Decimal:
        """The price before any discount, as a factor of the internal price (D: ×1.05)."""
        return 1 + self.surcharge_percent / HUNDRED

    @property
    def floor_factor(self) -> Decimal:
        """The lowest price allowed without approval, as a factor of the internal price (A: ×0.95)."""
        return self.standard_factor - self.discount_cap_percent / HUNDRED

    @property
    def uses_credit(self) -> bool:
        """The class's terms let the customer pay after delivery, so the order counts against the credit limit
        (第7条). A release gate such as 000 第二条 does not change the terms; it only holds the goods."""
        return self.payment_term.is_credit

    def clause(self, code: str) -> Clause | None:
        return next((c for c in self.clauses if c.code == code), None)


RUSH_LABELS = {"allowed": "允许插单", "case_by_case": "视生产状况决定（须计划员接受）", "not_allowed": "不插单"}


def _term_text(term: Term | None) -> str:
    return "" if term is None else str(term.value)


def customer_terms(packs: OrderPacks, facts: CustomerFacts) -> CustomerTerms:
    """The customer's order terms with the article behind each. Refuses a customer without a grade."""
    pack, rules = packs.grading, packs.rules
    scheme = pack.scheme(rules.scheme)
    if facts.grade is None or facts.grade not in scheme.rank:
        raise ServiceError(
            f"客户尚未评定{scheme.name}（{pack.name} {scheme.citation.article}），不能按分级条款下单：请先完成分级。",
            code="no_grade", field="customer")
    metrics = {"late_payments_quarter": Decimal(facts.late_payments_quarter)}
    benefits = benefits_for(pack, rules.scheme, facts.grade, metrics)
    clauses: list[Clause] = []
    grade_name = scheme.grade_name(facts.grade)
    score = f"，积分 {facts.score.normalize():f}" if facts.score is not None else ""
    clauses.append(Clause("grade", "客户类别", f"{grade_name}{score}", _cite(pack, scheme.citation),
                          scheme.citation.quote or ""))

    cap = ZERO
    surcharge = ZERO
    if benefits.discount_cap_percent is not None:
        cap = Decimal(benefits.discount_cap_percent.value)
        c = benefits.discount_cap_percent.citation
        text = f"可在内控价格基础上优惠至多 {cap.normalize():f}%" if cap else "不低于内控价格"
        clauses.append(Clause("price", "价格", text, _cite(pack, c), c.quote or ""))
    if benefits.surcharge_percent is not None:
        surcharge = Decimal(benefits.surcharge_percent.value)
        c = benefits.surcharge_percent.citation
        clauses.append(Clause("price", "价格", f"内控价格基础上提价 {surcharge.normalize():f}%", _cite(pack, c),
                              c.quote or ""))

    base = rules.term_for_grade(facts.grade)
    if base is None:
        raise ServiceError(f"政策包 {pack.name} 没有为{grade_name}规定付款方式。", code="no_terms")
    term = base
    clauses.append(Clause("terms_grade", "付款方式（按类别）", base.name, _cite(pack, base.citation),
                          base.citation.quote or ""))
    steps = facts.terms_steps_down
    if steps:
        term = rules.term_stepped_down(base, steps)
        adjustment = next((a for a in pack.benefit_adjustments if a.effect == "payment_terms_step_down"), None)
        article = _cite(pack, adjustment.citation) if adjustment else pack.name
        clauses.append(Clause("terms_down", "付款方式降级", f"逾期付款，降{steps}级：按“{term.name}”执行", article,
                              adjustment.citation.quote or "" if adjustment else ""))
    no_credit = False
    credit_rules = packs.credit_rules
    if credit_rules is not None and credit_rules.no_credit and facts.credit_rating in credit_rules.no_credit.grades:
        no_credit = True
        prepay = rules.prepayment_term()
        if prepay is not None:
            term = prepay
        c = credit_rules.no_credit.citation
        clauses.append(Clause("no_credit", "信用", f"信用等级 {facts.credit_rating}：不给予任何信用交易",
                              _cite(packs.credit, c), c.quote or ""))
    prepayment_required = term.prepayment
    for gate_pack, provision in packs.prepayment:
        prepayment_required = True
        clauses.append(Clause("prepayment", "放行条件", provision.text, _cite(gate_pack, provision.citation),
                              provision.citation.quote or ""))
    if term.is_credit:
        clauses.append(Clause("credit", "授信额度", f"{facts.credit_limit:,.2f} 元（未结应收 {facts.outstanding:,.2f}"
                              f" 元，已确认未放行 {facts.open_orders:,.2f} 元）",
                              _cite(packs.credit, packs.credit_rules.over_limit_general_manager_percent.citation)
                              if packs.credit_rules and packs.credit_rules.over_limit_general_manager_percent
                              else pack.name))

    lead = int(benefits.lead_time_days.value) if benefits.lead_time_days is not None else None
    if benefits.lead_time_days is not None:
        c = benefits.lead_time_days.citation
        clauses.append(Clause("lead_time", "交期", f"常规订单 {lead} 天内交货", _cite(pack, c), c.quote or ""))
    strict = bool(rules.strict_review and facts.grade in rules.strict_review.grades)
    if strict:
        c = rules.strict_review.citation
        clauses.append(Clause("strict_review", "审单", "严格审单、酌情接单（无交期保证）", _cite(pack, c),
                              c.quote or ""))
    rush = str(benefits.rush_orders.value) if benefits.rush_orders is not None else "not_allowed"
    if benefits.rush_orders is not None:
        c = benefits.rush_orders.citation
        clauses.append(Clause("rush", "插单", RUSH_LABELS.get(rush, rush), _cite(pack, c), c.quote or ""))
    priority = int(benefits.order_priority.value) if benefits.order_priority is not None else 99
    if benefits.order_priority is not None:
        c = benefits.order_priority.citation
        clauses.append(Clause("priority", "排产优先级", f"第 {priority} 位（同类按积分由高到低）", _cite(pack, c),
                              c.quote or ""))
    return CustomerTerms(
        facts=facts, grade_name=grade_name, priority=priority, discount_cap_percent=cap,
        surcharge_percent=surcharge, base_term=base, payment_term=term, prepayment_required=prepayment_required,
        no_credit=no_credit, lead_time_days=None if strict else lead, rush_policy=rush, strict_review=strict,
        clauses=tuple(clauses),
    )
