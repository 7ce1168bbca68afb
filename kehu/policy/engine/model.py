"""Frozen dataclasses a pack is parsed into. Nothing here knows about YAML or Django."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

# Registry keys: the pack picks behaviour by these names, never by a class path.
SCHEME_TYPES = ("thresholds", "forced_distribution", "manual")
METRIC_KINDS = ("sum_quantity", "sum_amount", "count_late_payments", "weighted_score", "manual")
AGGREGATE_METRIC_KINDS = ("sum_quantity", "sum_amount", "count_late_payments")
METRIC_PERIODS = ("month", "quarter", "half_year", "year")
COMBINE_RULES = ("highest", "lowest")
CONDITION_EFFECTS = ("assign", "minimum")
RUSH_ORDER_POLICIES = ("allowed", "case_by_case", "not_allowed")
DEADLINE_UNITS = ("same_day", "working_days", "calendar_days", "working_hours", "hours")
DEADLINE_COUNTING = ("whole_days", "working_hours")
SCHEDULE_FREQUENCIES = ("week", "month", "quarter", "half_year", "year", "once", "as_needed")

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Citation:
    """The regulation text behind a rule: article number and, ideally, the sentence itself."""

    article: str
    quote: str | None = None
    note: str | None = None

    def ref(self) -> str:
        return self.article


@dataclass(frozen=True, slots=True)
class AdminValue:
    """A figure the regulation leaves open: an administrator supplies it under `key`."""

    key: str
    purpose: str
    article: str
    allowed_min: Decimal | None = None
    allowed_max: Decimal | None = None


Bound = Decimal | AdminValue


@dataclass(frozen=True, slots=True)
class Role:
    code: str
    name: str
    citation: Citation | None = None
    system_role: str | None = None  # the application's role that acts for this body (销售部 → sales_reviewer)


@dataclass(frozen=True, slots=True)
class DimensionValue:
    code: str
    name: str
    definition: str | None = None


@dataclass(frozen=True, slots=True)
class Dimension:
    """A classification that people set by hand (category, settlement mode …)."""

    code: str
    name: str
    values: tuple[DimensionValue, ...]
    citation: Citation
    multiple: bool = False

    def value_codes(self) -> tuple[str, ...]:
        return tuple(value.code for value in self.values)


@dataclass(frozen=True, slots=True)
class Grade:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Factor:
    metric: str
    weight: Bound


@dataclass(frozen=True, slots=True)
class Metric:
    """How one number per customer is computed; the Django side turns this into one set-based query."""

    code: str
    kind: str
    label: str
    unit: str | None = None
    period: str | None = None
    product_groups: tuple[str, ...] = ()  # summed together (001: 袋装水泥 + 散装水泥); empty = every pickup
    factors: tuple[Factor, ...] = ()
    scale_max: Decimal | None = None
    description: str | None = None

    @property
    def product_group(self) -> str | None:
        """The product groups as one label (a single group's name, or 袋装水泥、散装水泥)."""
        return "、".join(self.product_groups) or None


@dataclass(frozen=True, slots=True)
class Threshold:
    """One grade's range on one metric. A missing bound is open; inclusivity is explicit (含/不含)."""

    grade: str
    min: Bound | None
    min_inclusive: bool
    max: Bound | None
    max_inclusive: bool
    citation: Citation
    phrase: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Criterion:
    """A metric and its thresholds, ordered from the lowest range to the highest."""

    metric: str
    thresholds: tuple[Threshold, ...]


@dataclass(frozen=True, slots=True)
class Predicate:
    """A condition on a customer attribute, or on the absence of any previous grade (a new customer)."""

    attribute: str | None = None
    equals: Any = None
    one_of: tuple[Any, ...] | None = None
    no_previous_grade: bool = False
    all_of: tuple[Predicate, ...] = ()

    def matches(self, attributes: Mapping[str, object], previous_grade: str | None) -> bool:
        if self.all_of:
            return all(p.matches(attributes, previous_grade) for p in self.all_of)
        if self.no_previous_grade:
            return previous_grade is None
        value = attributes.get(self.attribute) if self.attribute else None
        if self.one_of is not None:
            return value in self.one_of
        return value == self.equals

    def describe(self) -> str:
        if self.all_of:
            return "且".join(p.describe() for p in self.all_of)
        if self.no_previous_grade:
            return "无历史等级"
        if self.one_of is not None:
            return f"{self.attribute} 属于 {'、'.join(str(v) for v in self.one_of)}"
        if self.equals is True:
            return f"{self.attribute} 为是"
        return f"{self.attribute} 为 {self.equals}"


@dataclass(frozen=True, slots=True)
class Condition:
    """A fixed grade for a condition. `assign` decides outright; `minimum` joins the combination as a floor."""

    code: str
    label: str
    when: Predicate
    effect: str
    grade: str
    citation: Citation


@dataclass(frozen=True, slots=True)
class Movement:
    max_step: int
    citation: Citation


@dataclass(frozen=True, slots=True)
class GroupCoefficient:
    group: str
    value: Bound
    when_unset: str  # "error" or "no_coefficient" (the regulation says 可, so unset means unscaled)


@dataclass(frozen=True, slots=True)
class Coefficients:
    """Thresholds scaled by a coefficient for the customer's org-unit group (e.g. smaller cities)."""

    applies_to_grades: tuple[str, ...]
    groups: Mapping[str, GroupCoefficient]
    citation: Citation


@dataclass(frozen=True, slots=True)
class Band:
    grade: str
    share_percent: Decimal | None = None
    top: int | None = None
    rest: bool = False


@dataclass(frozen=True, slots=True)
class TieKey:
    field: str  # a metric code or "customer_id"
    descending: bool


@dataclass(frozen=True, slots=True)
class Distribution:
    """Grades by rank over the whole population (强制分布)."""

    rank_metric: str
    bands: tuple[Band, ...]
    tie_break: tuple[TieKey, ...]
    rounding: str
    citation: Citation


@dataclass(frozen=True, slots=True)
class OverridePolicy:
    allowed: bool
    requires: tuple[str, ...]
    citation: Citation | None = None


@dataclass(frozen=True, slots=True)
class Scheme:
    """A computed grading. `grades` run from the lowest to the highest."""

    code: str
    name: str
    type: str
    grades: tuple[Grade, ...]
    citation: Citation
    metrics: tuple[Metric, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    combine: str = "highest"
    conditions: tuple[Condition, ...] = ()
    movement: Movement | None = None
    coefficients: Coefficients | None = None
    distribution: Distribution | None = None
    grade_attribute: str | None = None
    applies_when: Predicate | None = None
    override: OverridePolicy = OverridePolicy(allowed=True, requires=("reason", "approver"))
    period: str | None = None
    pack_name: str = ""
    pack_version: str = ""
    rank: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rank", MappingProxyType({g.code: i for i, g in enumerate(self.grades)}))

    def grade_codes(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.grades)

    def grade_name(self, code: str | None) -> str:
        for grade in self.grades:
            if grade.code == code:
                return grade.name
        return "未评定" if code is None else code

    def metric(self, code: str) -> Metric:
        for metric in self.metrics:
            if metric.code == code:
                return metric
        raise KeyError(code)

    def admin_values_needed(self) -> tuple[AdminValue, ...]:
        """Every administrator-set figure this scheme refers to (thresholds, weights, coefficients)."""
        found: dict[str, AdminValue] = {}
        for criterion in self.criteria:
            for threshold in criterion.thresholds:
                for bound in (threshold.min, threshold.max):
                    if isinstance(bound, AdminValue):
                        found.setdefault(bound.key, bound)
        for metric in self.metrics:
            for factor in metric.factors:
                if isinstance(factor.weight, AdminValue):
                    found.setdefault(factor.weight.key, factor.weight)
        if self.coefficients:
            for group in self.coefficients.groups.values():
                if isinstance(group.value, AdminValue):
                    found.setdefault(group.value.key, group.value)
        return tuple(found.values())


@dataclass(frozen=True, slots=True)
class Term:
    """One benefit value with the article that grants it."""

    value: Any
    citation: Citation


@dataclass(frozen=True, slots=True)
class Benefits:
    """What a grade earns. Every field is a Term (value + article) or None when the regulation says nothing."""

    scheme: str
    grade: str
    discount_cap_percent: Term | None = None
    surcharge_percent: Term | None = None
    payment_terms: Term | None = None
    credit_limit: Term | None = None
    lead_time_days: Term | None = None
    order_priority: Term | None = None
    rush_orders: Term | None = None
    inquiry_response_hours: Term | None = None
    visits_per_year: Term | None = None
    management_level: Term | None = None
    owner_org_unit: Term | None = None
    extra: tuple[Term, ...] = ()
    adjustments: tuple[str, ...] = ()  # explanations of adjustments applied (e.g. payment terms lowered)


BENEFIT_FIELDS = (
    "discount_cap_percent",
    "surcharge_percent",
    "payment_terms",
    "credit_limit",
    "lead_time_days",
    "order_priority",
    "rush_orders",
    "inquiry_response_hours",
    "visits_per_year",
    "management_level",
    "owner_org_unit",
)


@dataclass(frozen=True, slots=True)
class BenefitAdjustment:
    """A change to a grade's terms triggered by a metric (003: two late payments in a quarter → terms one step down)."""

    code: str
    scheme: str
    metric: str
    min: Decimal
    min_inclusive: bool
    effect: str  # registry key: "payment_terms_step_down"
    steps: int
    citation: Citation


BENEFIT_ADJUSTMENT_EFFECTS = ("payment_terms_step_down",)


@dataclass(frozen=True, slots=True)
class DimensionBenefits:
    dimension: str
    value: str
    terms: Mapping[str, Term]


@dataclass(frozen=True, slots=True)
class ApprovalStep:
    role: str
    action: str
    due_working_days: int | AdminValue | None = None  # AdminValue: the regulation sets no time limit


@dataclass(frozen=True, slots=True)
class ApprovalChain:
    code: str
    name: str
    steps: tuple[ApprovalStep, ...]
    citation: Citation


@dataclass(frozen=True, slots=True)
class DeadlineExtension:
    max_amount: int
    approval_chain: str | None


@dataclass(frozen=True, slots=True)
class Deadline:
    code: str
    name: str
    amount: int
    unit: str
    counting: str
    citation: Citation
    extension: DeadlineExtension | None = None


@dataclass(frozen=True, slots=True)
class CompanyHours:
    start: str  # "HH:MM"
    end: str


@dataclass(frozen=True, slots=True)
class ComplaintType:
    code: str
    name: str
    citation: Citation


@dataclass(frozen=True, slots=True)
class RequiredDocuments:
    customer_types: tuple[str, ...]
    documents: tuple[str, ...]
    citation: Citation


@dataclass(frozen=True, slots=True)
class VisitFrequency:
    applies_to: str  # "all", or "<scheme>:<grade>"
    visits_per_year: Decimal | AdminValue
    citation: Citation
    form: str | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    """A recurring obligation (survey, report, review, symposium …)."""

    code: str
    name: str
    frequency: str
    citation: Citation
    times: int | None = None
    months: tuple[int, ...] = ()
    day_of_month: int | None = None
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Workflows:
    approval_chains: Mapping[str, ApprovalChain] = field(default_factory=lambda: _EMPTY)
    deadlines: Mapping[str, Deadline] = field(default_factory=lambda: _EMPTY)
    company_hours: CompanyHours | None = None
    complaint_types: tuple[ComplaintType, ...] = ()
    required_documents: tuple[RequiredDocuments, ...] = ()
    visit_frequency: tuple[VisitFrequency, ...] = ()
    schedules: tuple[Schedule, ...] = ()

    def admin_values_needed(self) -> tuple[AdminValue, ...]:
        """Administrator-set figures in the workflows: step time limits the regulation leaves open."""
        found: dict[str, AdminValue] = {}
        for chain in self.approval_chains.values():
            for step in chain.steps:
                if isinstance(step.due_working_days, AdminValue):
                    found.setdefault(step.due_working_days.key, step.due_working_days)
        return tuple(found.values())


@dataclass(frozen=True, slots=True)
class Provision:
    """A rule the engine does not compute but the system enforces or reports on (e.g. 款到发货)."""

    code: str
    text: str
    citation: Citation


@dataclass(frozen=True, slots=True)
class Pack:
    name: str
    title: str
    company: str
    source_seed: str
    version: str  # sha256 of the file bytes
    path: str
    roles: Mapping[str, Role]
    dimensions: Mapping[str, Dimension]
    schemes: Mapping[str, Scheme]
    benefits: Mapping[tuple[str, str], Benefits]
    dimension_benefits: Mapping[tuple[str, str], DimensionBenefits]
    benefit_adjustments: tuple[BenefitAdjustment, ...]
    workflows: Workflows
    provisions: tuple[Provision, ...]
    org_units: tuple[str, ...] = ()
    figures: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)  # code -> sections.Figure
    applications: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)  # code -> sections.ApplicationProgram

    def scheme(self, code: str) -> Scheme:
        try:
            return self.schemes[code]
        except KeyError:
            raise KeyError(f"策略包 {self.name} 没有分级方案 {code}（现有：{', '.join(self.schemes)}）") from None
