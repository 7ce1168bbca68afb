"""Evaluate a scheme over a batch of customers. Fast enough for 100,000 customers per call in pure Python."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from types import MappingProxyType
from typing import Any

from . import text
from .errors import AdminValueMissing, EvaluationError
from .model import (
    AGGREGATE_METRIC_KINDS,
    AdminValue,
    Bound,
    Condition,
    Metric,
    Scheme,
    Threshold,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Override:
    """A grade set by a person. It wins over every computed rule; the explanation names reason and approver."""

    grade: str
    reason: str
    approver: str
    approved_on: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    """Everything the engine needs about one customer for one scheme and period."""

    customer_id: Hashable
    metrics: Mapping[str, Decimal] = field(default_factory=lambda: _EMPTY)
    attributes: Mapping[str, object] = field(default_factory=lambda: _EMPTY)
    previous_grade: str | None = None
    override: Override | None = None
    region_group: str | None = None


# ----- compiled thresholds --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Range:
    grade: str
    rank: int
    min: Decimal | None
    min_inclusive: bool
    max: Decimal | None
    max_inclusive: bool
    source: Threshold
    coefficient: Decimal | None  # set when the bounds were scaled for the customer's group

    def contains_from_below(self, value: Decimal) -> bool:
        low = self.min
        return low is None or value > low or (self.min_inclusive and value == low)

    def phrase(self, unit: str | None) -> str:
        if self.coefficient is None and self.source.phrase and not _has_admin(self.source):
            return self.source.phrase
        return text.range_phrase(self.min, self.min_inclusive, self.max, self.max_inclusive, unit)


@dataclass(frozen=True, slots=True)
class _CompiledCriterion:
    metric: Metric
    ranges: tuple[_Range, ...]  # lowest first
    descending: tuple[_Range, ...]  # highest first, for the lookup


def _has_admin(threshold: Threshold) -> bool:
    return isinstance(threshold.min, AdminValue) or isinstance(threshold.max, AdminValue)


class _Context:
    """Per-evaluation state shared by all results: the scheme, resolved admin values, compiled criteria."""

    def __init__(self, scheme: Scheme, period: str, admin_values: Mapping[str, Any]) -> None:
        self.scheme = scheme
        self.period = period
        self.admin_values = admin_values
        self.metrics = {m.code: m for m in scheme.metrics}
        self.grade_names = {g.code: g.name for g in scheme.grades}
        self.grades_by_rank = scheme.grade_codes()
        self._compiled: dict[str | None, tuple[_CompiledCriterion, ...]] = {}
        self._coefficient: dict[str | None, Decimal | None] = {None: None}
        self.population = 0
        self.cutoffs: tuple[tuple[str, int], ...] = ()
        self.band_min: dict[str, Decimal] = {}
        self.weights: tuple[tuple[str, Decimal], ...] | None = None
        self.assign_conditions = tuple(c for c in scheme.conditions if c.effect == "assign")
        self.no_pre_rules = scheme.applies_when is None and not self.assign_conditions
        if scheme.type == "thresholds":
            self._check_admin_values()
            self.criteria_for(None)

    # Admin values --------------------------------------------------------------------------------------------------

    def resolve(self, bound: Bound | None) -> Decimal | None:
        if bound is None or isinstance(bound, Decimal):
            return bound
        raw = self.admin_values.get(bound.key)
        if raw is None:
            raise AdminValueMissing(self.scheme.code, [(bound.key, bound.article, bound.purpose)])
        try:
            value = Decimal(str(raw))
        except ArithmeticError:
            raise EvaluationError(f"管理员数值 {bound.key}={raw!r} 不是数字") from None
        if (bound.allowed_min is not None and value < bound.allowed_min) or (
            bound.allowed_max is not None and value > bound.allowed_max
        ):
            raise EvaluationError(
                f"管理员数值 {bound.key}={value} 超出条文允许的范围 "
                f"{text.number(bound.allowed_min or ZERO)}–{text.number(bound.allowed_max or ZERO)}（{bound.article}）"
            )
        return value

    def _check_admin_values(self) -> None:
        """Report every missing administrator figure at once, before any customer is evaluated."""
        missing = []
        for admin in self.scheme.admin_values_needed():
            if self.admin_values.get(admin.key) is not None:
                continue
            if self._is_optional_coefficient(admin) or self._is_weight(admin):
                continue
            missing.append((admin.key, admin.article, admin.purpose))
        if missing:
            raise AdminValueMissing(self.scheme.code, missing)

    def _is_optional_coefficient(self, admin: AdminValue) -> bool:
        coefficients = self.scheme.coefficients
        return bool(coefficients) and any(
            g.value == admin and g.when_unset == "no_coefficient" for g in coefficients.groups.values()
        )

    def _is_weight(self, admin: AdminValue) -> bool:
        return any(f.weight == admin for m in self.scheme.metrics for f in m.factors)

    # Compiled criteria per org-unit group -------------------------------------------------------------------------

    def coefficient_for(self, group: str | None) -> Decimal | None:
        if group in self._coefficient:
            return self._coefficient[group]
        coefficients = self.scheme.coefficients
        value = None
        if coefficients and group in coefficients.groups:
            entry = coefficients.groups[group]
            if isinstance(entry.value, Decimal) or self.admin_values.get(entry.value.key) is not None:
                value = self.resolve(entry.value)
            elif entry.when_unset == "error":
                raise AdminValueMissing(self.scheme.code, [(entry.value.key, entry.value.article, entry.value.purpose)])
        self._coefficient[group] = value
        return value

    def criteria_for(self, group: str | None) -> tuple[_CompiledCriterion, ...]:
        coefficient = self.coefficient_for(group)
        key = group if coefficient is not None else None
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(coefficient)
            self._compiled[key] = compiled
        return compiled

    def _compile(self, coefficient: Decimal | None) -> tuple[_CompiledCriterion, ...]:
        scaled_grades = set(self.scheme.coefficients.applies_to_grades) if self.scheme.coefficients else set()
        rank = self.scheme.rank
        result = []
        for criterion in self.scheme.criteria:
            bounds = [(self.resolve(t.min), self.resolve(t.max)) for t in criterion.thresholds]
            if coefficient is not None:
                # A boundary belongs to the grade above it: scaling that grade's entry figure moves the neighbour's
                # upper bound with it, so the ranges stay contiguous.
                scaled = list(bounds)
                for i, t in enumerate(criterion.thresholds):
                    if t.grade in scaled_grades and bounds[i][0] is not None:
                        scaled[i] = (bounds[i][0] * coefficient, scaled[i][1])
                        if i > 0:
                            scaled[i - 1] = (scaled[i - 1][0], bounds[i][0] * coefficient)
                bounds = scaled
            ranges = []
            for t, (low, high) in zip(criterion.thresholds, bounds, strict=True):
                scaled_here = coefficient is not None and (
                    t.grade in scaled_grades or (high is not None and high != self.resolve(t.max))
                )
                ranges.append(
                    _Range(
                        grade=t.grade,
                        rank=rank[t.grade],
                        min=low,
                        min_inclusive=t.min_inclusive,
                        max=high,
                        max_inclusive=t.max_inclusive,
                        source=t,
                        coefficient=coefficient if scaled_here else None,
                    )
                )
            for lower, upper in pairwise(ranges):
                if lower.min is not None and upper.min is not None and upper.min <= lower.min:
                    raise EvaluationError(
                        f"分级方案 {self.scheme.code}：管理员设定的数值使『{upper.grade}』的下限 "
                        f"{text.number(upper.min)} 不高于『{lower.grade}』的下限 {text.number(lower.min)}，请检查设定"
                    )
            metric = self.metrics[criterion.metric]
            result.append(_CompiledCriterion(metric, tuple(ranges), tuple(reversed(ranges))))
        return tuple(result)

    def weights_resolved(self, metric: Metric) -> tuple[tuple[str, Decimal], ...]:
        if self.weights is None:
            missing = [
                (f.weight.key, f.weight.article, f.weight.purpose)
                for f in metric.factors
                if isinstance(f.weight, AdminValue) and self.admin_values.get(f.weight.key) is None
            ]
            if missing:
                raise AdminValueMissing(self.scheme.code, missing)
            weights = tuple((f.metric, self.resolve(f.weight)) for f in metric.factors)
            total = sum(w for _, w in weights)
            if total != HUNDRED:
                raise EvaluationError(
                    f"分级方案 {self.scheme.code}：{metric.label} 各项权重合计应为 100，实际为 {total}"
                )
            self.weights = weights
        return self.weights

    def grade_name(self, code: str | None) -> str:
        if code is None:
            return "未评级"
        return self.grade_names.get(code, code)


# ----- results ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GradeResult:
    """One customer's grade for one scheme and period, with what decided it. Text is built on demand."""

    customer_id: Hashable
    scheme: str
    period: str
    grade: str | None
    previous_grade: str | None
    metrics: Mapping[str, Decimal]
    rule: str  # "threshold:<metric>", "condition:<code>", "override", "distribution", "manual", "not_applicable" …
    article: str | None
    quote: str | None
    reached_grade: str | None  # the grade the metrics reach before the movement rule limits it
    pack_version: str
    region_group: str | None
    _context: _Context = field(repr=False, compare=False)
    _detail: Any = field(repr=False, compare=False, default=None)

    @property
    def grade_name(self) -> str:
        return self._context.grade_name(self.grade)

    @property
    def movement_limited(self) -> bool:
        return self.reached_grade != self.grade and self.rule.startswith("threshold")

    @property
    def explanation(self) -> str:
        return _explain(self)

    @property
    def to_next(self) -> str:
        return _to_next(self)

    @property
    def to_previous(self) -> str:
        return _to_previous(self)

    def as_record(self) -> dict[str, Any]:
        """Plain values for bulk persistence (history keeps metrics, rule, article and explanation)."""
        return {
            "customer_id": self.customer_id,
            "scheme": self.scheme,
            "period": self.period,
            "grade": self.grade,
            "previous_grade": self.previous_grade,
            "metrics": {k: str(v) for k, v in self.metrics.items()},
            "rule": self.rule,
            "article": self.article,
            "quote": self.quote,
            "explanation": self.explanation,
            "to_next": self.to_next,
            "to_previous": self.to_previous,
            "pack_version": self.pack_version,
        }


# ----- evaluation -------------------------------------------------------------------------------------------------


def evaluate_scheme(
    scheme: Scheme,
    facts: Iterable[CustomerFacts],
    period: str,
    admin_values: Mapping[str, Any] | None = None,
) -> list[GradeResult]:
    """Grade every customer in `facts` (the whole population: forced distribution ranks over it).

    Order of rules: manual override → not applicable → fixed-grade conditions (`assign`) → the scheme's rule type
    (thresholds / forced distribution / manual rating), combined with `minimum` conditions → movement limit.
    Missing aggregate metrics (no pickups) count as 0; a missing manual metric is an error.
    """
    context = _Context(scheme, period, admin_values or {})
    evaluator = _RULE_TYPES[scheme.type]
    return evaluator(context, facts if isinstance(facts, list) else list(facts))


def texts_rebuildable(scheme: Scheme) -> bool:
    """Whether a stored result of this scheme can be explained again from its structured fields alone.

    True for threshold schemes without org-unit coefficients or administrator figures: the grade, previous grade,
    reached grade, rule and metrics (plus the override row) decide every sentence. Forced distribution needs the
    whole population's ranking, coefficients the customer's group at the time, and administrator figures may have
    changed since, so those results keep their texts stored.
    """
    return scheme.type == "thresholds" and scheme.coefficients is None and not scheme.admin_values_needed()


def result_from_stored(
    scheme: Scheme,
    *,
    customer_id: Hashable,
    period: str,
    grade: str | None,
    previous_grade: str | None,
    reached_grade: str | None,
    metrics: Mapping[str, Decimal],
    rule: str,
    override: Override | None = None,
) -> GradeResult:
    """Rebuild one stored result (for `texts_rebuildable` schemes) so that its explanation, to_next and to_previous
    read exactly as when it was computed. No re-grading: the stored grade and rule are taken as they are; only
    the decisive threshold is looked up again from the stored metrics."""
    context = _Context(scheme, period, {})
    fact = CustomerFacts(customer_id, metrics, previous_grade=previous_grade, override=override)
    detail: Any
    if rule == "override":
        detail = override
    elif rule == "not_applicable":
        detail = scheme.applies_when
    elif rule.startswith("condition:"):
        code = rule.split(":", 1)[1]
        detail = next((c for c in scheme.conditions if c.code == code), None)
        if detail is None:
            raise EvaluationError(f"分级方案 {scheme.code} 没有条件 {code!r}")
    else:
        detail = _best_threshold(context, fact, context.criteria_for(None))
    return GradeResult(
        customer_id, scheme.code, period, grade, previous_grade, metrics, rule, None, None, reached_grade,
        scheme.pack_version, None, context, detail,
    )


def _best_threshold(context: _Context, fact: CustomerFacts, criteria) -> tuple[_Range | None, Metric | None]:
    highest = context.scheme.combine == "highest"
    best: _Range | None = None
    best_metric: Metric | None = None
    for criterion in criteria:
        value = fact.metrics.get(criterion.metric.code)
        if value is None:
            value = _metric_value(context, fact, criterion.metric)
        for candidate in criterion.descending:
            if candidate.contains_from_below(value):
                if best is None or (candidate.rank > best.rank if highest else candidate.rank < best.rank):
                    best, best_metric = candidate, criterion.metric
                break
    return best, best_metric


def _pre_decided(context: _Context, fact: CustomerFacts) -> GradeResult | None:
    """Override, applicability and `assign` conditions, shared by every rule type."""
    override = fact.override
    if override is None and context.no_pre_rules:
        return None
    scheme = context.scheme
    if override is not None:
        _check_override(scheme, fact)
        citation = scheme.override.citation
        return _result(
            context,
            fact,
            override.grade,
            "override",
            citation.article if citation else None,
            citation.quote if citation else None,
            override.grade,
            override,
        )
    if scheme.applies_when is not None and not scheme.applies_when.matches(fact.attributes, fact.previous_grade):
        return _result(context, fact, None, "not_applicable", scheme.citation.article, None, None, scheme.applies_when)
    for condition in context.assign_conditions:
        if condition.when.matches(fact.attributes, fact.previous_grade):
            return _result(
                context,
                fact,
                condition.grade,
                f"condition:{condition.code}",
                condition.citation.article,
                condition.citation.quote,
                condition.grade,
                condition,
            )
    return None


def _check_override(scheme: Scheme, fact: CustomerFacts) -> None:
    override = fact.override
    assert override is not None
    if not scheme.override.allowed:
        raise EvaluationError(f"分级方案 {scheme.code} 不允许人工调整等级（客户 {fact.customer_id}）")
    if override.grade not in scheme.rank:
        raise EvaluationError(
            f"客户 {fact.customer_id} 的人工调整等级 {override.grade!r} 不是方案 {scheme.code} 的等级"
        )
    for required in scheme.override.requires:
        if not (getattr(override, required) or "").strip():
            what = {"reason": "原因", "approver": "批准人"}[required]
            raise EvaluationError(f"客户 {fact.customer_id} 的人工调整缺少{what}")


def _result(
    context: _Context,
    fact: CustomerFacts,
    grade: str | None,
    rule: str,
    article: str | None,
    quote: str | None,
    reached: str | None,
    detail: Any,
) -> GradeResult:
    return GradeResult(
        fact.customer_id,
        context.scheme.code,
        context.period,
        grade,
        fact.previous_grade,
        fact.metrics,
        rule,
        article,
        quote,
        reached,
        context.scheme.pack_version,
        fact.region_group,
        context,
        detail,
    )


def _metric_value(context: _Context, fact: CustomerFacts, metric: Metric) -> Decimal:
    value = fact.metrics.get(metric.code)
    if value is not None:
        return value
    if metric.kind in AGGREGATE_METRIC_KINDS:
        return ZERO  # no rows in the period: the set-based query returns nothing for this customer
    if metric.kind == "weighted_score":
        return _weighted_score(context, fact, metric)
    raise EvaluationError(f"客户 {fact.customer_id} 缺少指标 {metric.code}（{metric.label}），该指标须人工录入")


def _weighted_score(context: _Context, fact: CustomerFacts, metric: Metric) -> Decimal:
    total = ZERO
    for factor_code, weight in context.weights_resolved(metric):
        factor = context.metrics[factor_code]
        value = _metric_value(context, fact, factor)
        scale = factor.scale_max or HUNDRED
        total += value * weight / scale
    return total


def _evaluate_thresholds(context: _Context, facts: list[CustomerFacts]) -> list[GradeResult]:
    scheme = context.scheme
    rank = scheme.rank
    grades = context.grades_by_rank
    minimum_conditions = [c for c in scheme.conditions if c.effect == "minimum"]
    max_step = scheme.movement.max_step if scheme.movement else None
    highest = scheme.combine == "highest"
    has_groups = scheme.coefficients is not None
    base = context.criteria_for(None)
    results = []
    append = results.append
    for fact in facts:
        decided = _pre_decided(context, fact)
        if decided is not None:
            append(decided)
            continue
        criteria = context.criteria_for(fact.region_group) if has_groups and fact.region_group else base
        best: _Range | None = None
        best_metric: Metric | None = None
        for criterion in criteria:
            value = fact.metrics.get(criterion.metric.code)
            if value is None:
                value = _metric_value(context, fact, criterion.metric)
            for candidate in criterion.descending:
                if candidate.contains_from_below(value):
                    if best is None or (candidate.rank > best.rank if highest else candidate.rank < best.rank):
                        best, best_metric = candidate, criterion.metric
                    break
        decisive: Any = (best, best_metric)
        reached = best.grade if best is not None else None
        rule = f"threshold:{best_metric.code}" if best_metric is not None else "below_lowest"
        article = best.source.citation.article if best is not None else scheme.citation.article
        quote = best.source.citation.quote if best is not None else None
        for condition in minimum_conditions:
            if condition.when.matches(fact.attributes, fact.previous_grade) and (
                reached is None or rank[condition.grade] > rank[reached]
            ):
                reached, decisive = condition.grade, condition
                rule, article, quote = (
                    f"condition:{condition.code}",
                    condition.citation.article,
                    condition.citation.quote,
                )
        grade = reached
        previous = fact.previous_grade
        if max_step is not None and reached is not None and previous in rank:
            step = rank[reached] - rank[previous]
            if step > max_step:
                grade = grades[rank[previous] + max_step]
            elif step < -max_step:
                grade = grades[rank[previous] - max_step]
        append(
            GradeResult(
                fact.customer_id,
                scheme.code,
                context.period,
                grade,
                previous,
                fact.metrics,
                rule,
                article,
                quote,
                reached,
                scheme.pack_version,
                fact.region_group,
                context,
                decisive,
            )
        )
    return results


def _evaluate_distribution(context: _Context, facts: list[CustomerFacts]) -> list[GradeResult]:
    scheme = context.scheme
    distribution = scheme.distribution
    assert distribution is not None
    rank_metric = context.metrics[distribution.rank_metric]
    results: list[GradeResult | None] = [None] * len(facts)
    ranked: list[tuple[tuple[Any, ...], int, Decimal]] = []
    for index, fact in enumerate(facts):
        decided = _pre_decided(context, fact)
        if decided is not None:
            results[index] = decided
            continue
        score = _metric_value(context, fact, rank_metric)
        key = []
        for tie in distribution.tie_break:
            if tie.field == "customer_id":
                value = fact.customer_id
            elif tie.field == distribution.rank_metric:
                value = score
            else:
                value = _metric_value(context, fact, context.metrics[tie.field])
            key.append(-value if tie.descending else value)
        ranked.append((tuple(key), index, score))
    ranked.sort(key=lambda item: item[0])
    population = len(ranked)
    cutoffs = _cutoffs(distribution.bands, population)
    context.population = population
    context.cutoffs = cutoffs
    band_index = 0
    for position, (_, index, score) in enumerate(ranked, start=1):
        while position > cutoffs[band_index][1]:
            band_index += 1
        grade = cutoffs[band_index][0]
        if grade not in context.band_min or score < context.band_min[grade]:
            context.band_min[grade] = score
        fact = facts[index]
        results[index] = GradeResult(
            fact.customer_id,
            scheme.code,
            context.period,
            grade,
            fact.previous_grade,
            fact.metrics,
            "distribution",
            distribution.citation.article,
            distribution.citation.quote,
            grade,
            scheme.pack_version,
            fact.region_group,
            context,
            (position, score),
        )
    return results  # type: ignore[return-value]


def _cutoffs(bands: Iterable[Any], population: int) -> tuple[tuple[str, int], ...]:
    """Last rank (1-based) of each band. Shares are cumulative and rounded half up, so the bands always add up."""
    cutoffs = []
    cumulative_share = ZERO
    last = 0
    for band in bands:
        if band.rest:
            last = population
        elif band.top is not None:
            last = min(population, last + band.top)
        else:
            cumulative_share += band.share_percent
            last = int((Decimal(population) * cumulative_share / HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        cutoffs.append((band.grade, last))
    if cutoffs:
        cutoffs[-1] = (cutoffs[-1][0], population)  # nobody falls off the end through rounding
    return tuple(cutoffs)


def _evaluate_manual(context: _Context, facts: list[CustomerFacts]) -> list[GradeResult]:
    scheme = context.scheme
    attribute = scheme.grade_attribute
    results = []
    for fact in facts:
        decided = _pre_decided(context, fact)
        if decided is not None:
            results.append(decided)
            continue
        grade = fact.attributes.get(attribute)
        if grade is not None and grade not in scheme.rank:
            raise EvaluationError(
                f"客户 {fact.customer_id} 的 {attribute}={grade!r} 不是方案 {scheme.code} 的等级"
                f"（{', '.join(scheme.grade_codes())}）"
            )
        results.append(
            _result(
                context,
                fact,
                grade,
                "manual" if grade is not None else "unrated",
                scheme.citation.article,
                scheme.citation.quote,
                grade,
                None,
            )
        )
    return results


# Registry of rule types: packs name one of these keys in `type`.
_RULE_TYPES = {
    "thresholds": _evaluate_thresholds,
    "forced_distribution": _evaluate_distribution,
    "manual": _evaluate_manual,
}


# ----- explanations -----------------------------------------------------------------------------------------------


def _value_text(result: GradeResult, metric: Metric) -> str:
    value = result.metrics.get(metric.code)
    if value is None:
        value = _metric_value(result._context, _facts_of(result), metric)
    return text.quantity(value, metric.unit)


def _facts_of(result: GradeResult) -> CustomerFacts:
    return CustomerFacts(result.customer_id, result.metrics, previous_grade=result.previous_grade)


def _explain(result: GradeResult) -> str:
    context = result._context
    scheme = context.scheme
    name = context.grade_name(result.grade)
    detail = result._detail
    if result.rule == "override":
        override = detail
        return (
            f"人工调整为{name}（原因：{override.reason}；批准人：{override.approver}"
            f"{'；日期：' + override.approved_on if override.approved_on else ''}），人工调整优先于按指标计算的等级"
        )
    if result.rule == "not_applicable":
        return f"不适用：{scheme.name}只适用于{detail.describe()}的客户（{scheme.citation.article}）"
    if isinstance(detail, Condition):
        prefix = f"符合『{detail.label}』（{detail.when.describe()}，{detail.citation.article}），评为{name}"
        if result.rule.startswith("condition") and detail.effect == "minimum":
            return prefix + "（该条件为最低等级，指标达到更高等级时取高）"
        return prefix
    if result.rule in ("manual", "unrated"):
        if result.grade is None:
            return f"尚未评定{scheme.name}（{scheme.citation.article}：由人工评定，记录在 {scheme.grade_attribute}）"
        return f"经人工评定为{name}（{scheme.citation.article}）"
    if result.rule == "distribution":
        return _explain_distribution(result)
    best, metric = detail
    if best is None:
        criteria = context.criteria_for(_group(result))
        parts = "，".join(f"{c.metric.label} {_value_text(result, c.metric)}" for c in criteria)
        needs = "、".join(f"『{c.ranges[0].phrase(c.metric.unit)}』" for c in criteria)
        return f"{parts}，未达到{needs}（{criteria[0].ranges[0].source.citation.article}）的最低标准，不评级"
    sentence = f"{metric.label} {_value_text(result, metric)}，满足『{best.phrase(metric.unit)}』"
    if best.coefficient is not None:
        group = _group(result)
        sentence += f"（{group}按系数 {text.number(best.coefficient)} 折算，{scheme.coefficients.citation.article}）"
    sentence += f"（{best.source.citation.article}）"
    if len(scheme.criteria) > 1:
        sentence += f"，多项标准取{'最高' if scheme.combine == 'highest' else '最低'}者"
    if result.grade != result.reached_grade:
        movement = scheme.movement
        previous = context.grade_name(result.previous_grade)
        direction = "升" if scheme.rank[result.grade] > scheme.rank[result.previous_grade] else "降"
        return (
            f"{sentence}，达到{context.grade_name(result.reached_grade)}标准；但客户级别依次升降、每期最多"
            f"{movement.max_step}级（{movement.citation.article}），由{previous}{direction}为{name}"
        )
    return f"{sentence}，评为{name}"


def _group(result: GradeResult) -> str | None:
    return result.region_group if result._context.scheme.coefficients else None


def _explain_distribution(result: GradeResult) -> str:
    context = result._context
    distribution = context.scheme.distribution
    position, score = result._detail
    metric = context.metrics[distribution.rank_metric]
    start = 1
    for grade, last in context.cutoffs:
        if grade == result.grade:
            break
        start = last + 1
    last = dict(context.cutoffs)[result.grade]
    ties = "、".join(
        ("客户编号" if t.field == "customer_id" else context.metrics[t.field].label) for t in distribution.tie_break[1:]
    )
    shown_score = text.number(score.quantize(Decimal("0.01")))
    return (
        f"{metric.label} {shown_score}，在 {text.number(context.population)} 名客户中"
        f"排第 {text.number(position)} 名（由高到低，同分依次按{ties}），位于第 {text.number(start)}–"
        f"{text.number(last)} 名区间，按强制分布（{distribution.citation.article}）"
        f"评为{context.grade_name(result.grade)}"
    )


def _fixed_reason(result: GradeResult) -> str | None:
    if result.rule == "override":
        return "人工调整的等级不随指标自动变化；撤销人工调整后按规则重新评定"
    if result.rule == "not_applicable":
        return "本方案不适用于该客户"
    if isinstance(result._detail, Condition) and result._detail.effect == "assign":
        condition = result._detail
        return f"等级由『{condition.label}』确定（{condition.citation.article}），条件不再成立后按指标评定"
    if result.rule in ("manual", "unrated"):
        return f"{result._context.scheme.name}由人工评定（{result._context.scheme.citation.article}），不随指标自动变化"
    return None


def _to_next(result: GradeResult) -> str:
    fixed = _fixed_reason(result)
    if fixed:
        return fixed
    context = result._context
    scheme = context.scheme
    grades = context.grades_by_rank
    if result.grade is not None and scheme.rank[result.grade] == len(grades) - 1:
        return "已是最高等级"
    if result.rule == "distribution":
        return _distribution_next(result)
    limited_upwards = (
        result.grade is not None
        and scheme.movement is not None
        and result.reached_grade != result.grade
        and scheme.rank[result.reached_grade] > scheme.rank[result.grade]
    )
    if limited_upwards:
        next_name = context.grade_name(grades[scheme.rank[result.grade] + 1])
        return (
            f"本期指标已达{context.grade_name(result.reached_grade)}标准，受逐级升降限制"
            f"（{scheme.movement.citation.article}）；下期仍达到即升为{next_name}"
        )
    target_rank = 0 if result.grade is None else scheme.rank[result.grade] + 1
    target = grades[target_rank]
    options = []
    for criterion in context.criteria_for(_group(result)):
        value = result.metrics.get(criterion.metric.code, ZERO)
        for candidate in criterion.ranges:
            if candidate.rank >= target_rank and candidate.min is not None:
                unit = criterion.metric.unit
                gap = text.quantity(candidate.min - value, unit)
                bound = text.quantity(candidate.min, unit)
                if candidate.min_inclusive:
                    options.append(f"{criterion.metric.label}再增加 {gap}（达到 {bound}）")
                else:
                    options.append(f"{criterion.metric.label}超过 {bound}（再增加超过 {gap}）")
                break
    if not options:
        return f"{context.grade_name(target)}不由指标评定"
    note = "，或".join(options)
    return f"{note}，即可升为{context.grade_name(grades[min(target_rank, len(grades) - 1)])}" + _step_note(scheme)


def _step_note(scheme: Scheme) -> str:
    return (
        f"（每期最多升降{scheme.movement.max_step}级，{scheme.movement.citation.article}）" if scheme.movement else ""
    )


def _to_previous(result: GradeResult) -> str:
    fixed = _fixed_reason(result)
    if fixed:
        return fixed
    context = result._context
    scheme = context.scheme
    grades = context.grades_by_rank
    if result.grade is None:
        return "未评级"
    current = scheme.rank[result.grade]
    if current == 0:
        return "已是最低等级"
    if result.rule == "distribution":
        return _distribution_previous(result)
    if isinstance(result._detail, Condition):
        return f"等级不低于『{result._detail.label}』给出的{context.grade_name(result._detail.grade)}"
    lower = context.grade_name(grades[current - 1])
    conditions = []
    for criterion in context.criteria_for(_group(result)):
        value = result.metrics.get(criterion.metric.code, ZERO)
        candidate = next((r for r in criterion.ranges if r.rank >= current), None)
        if candidate is None or not candidate.contains_from_below(value):
            continue  # this criterion does not hold the customer at the current grade
        if candidate.min is None:
            return f"{context.grade_name(result.grade)}是按{criterion.metric.label}评定的最低等级"
        unit = criterion.metric.unit
        drop = text.quantity(value - candidate.min, unit)
        bound = text.quantity(candidate.min, unit)
        if candidate.min_inclusive:
            conditions.append(f"{criterion.metric.label}低于 {bound}（减少超过 {drop}）")
        else:
            conditions.append(f"{criterion.metric.label}不超过 {bound}（减少 {drop} 或更多）")
    if not conditions:
        return f"指标已低于{context.grade_name(result.grade)}标准，下期将降为{lower}"
    return f"若{'且'.join(conditions)}，将降为{lower}" + _step_note(scheme)


def _distribution_next(result: GradeResult) -> str:
    context = result._context
    position, _ = result._detail
    index = [g for g, _ in context.cutoffs].index(result.grade)
    better_grade, better_last = context.cutoffs[index - 1]
    floor = context.band_min.get(better_grade)
    tail = (
        f"，该档目前最低{context.metrics[context.scheme.distribution.rank_metric].label} {text.number(floor)}"
        if floor is not None
        else ""
    )
    return (
        f"排名须进入前 {text.number(better_last)} 名（目前第 {text.number(position)} 名{tail}）"
        f"即可升为{context.grade_name(better_grade)}"
    )


def _distribution_previous(result: GradeResult) -> str:
    context = result._context
    position, _ = result._detail
    grades = [g for g, _ in context.cutoffs]
    index = grades.index(result.grade)
    if index == len(grades) - 1:
        return "已是最低等级"
    last = context.cutoffs[index][1]
    return (
        f"排名落到第 {text.number(last)} 名之后（目前第 {text.number(position)} 名）将降为"
        f"{context.grade_name(grades[index + 1])}"
    )
