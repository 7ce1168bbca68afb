"""What a grade earns: one lookup every capability uses, so no one re-implements a threshold or a term."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from . import text
from .errors import EvaluationError
from .model import Benefits, Pack, Term


def benefits_for(pack: Pack, scheme_code: str, grade: str, metrics: Mapping[str, Decimal] | None = None) -> Benefits:
    """The terms of `grade` in `scheme_code`; with `metrics`, adjustments such as 003's late-payment step-down apply."""
    scheme = pack.scheme(scheme_code)
    if grade not in scheme.rank:
        raise EvaluationError(f"方案 {scheme_code} 没有等级 {grade!r}（现有：{', '.join(scheme.grade_codes())}）")
    benefits = pack.benefits.get((scheme_code, grade)) or Benefits(scheme=scheme_code, grade=grade)
    if not metrics:
        return benefits
    for adjustment in pack.benefit_adjustments:
        if adjustment.scheme != scheme_code:
            continue
        value = metrics.get(adjustment.metric)
        if value is None:
            continue
        triggered = value > adjustment.min or (adjustment.min_inclusive and value == adjustment.min)
        if not triggered or adjustment.effect != "payment_terms_step_down":
            continue
        lower_rank = max(0, scheme.rank[grade] - adjustment.steps)
        lower_grade = scheme.grades[lower_rank].code
        lower_terms = pack.benefits.get((scheme_code, lower_grade))
        if lower_rank == scheme.rank[grade] or lower_terms is None or lower_terms.payment_terms is None:
            continue
        metric_label = scheme.metric(adjustment.metric).label
        note = (
            f"{metric_label} {text.number(value)}，达到{'' if adjustment.min_inclusive else '超过'}"
            f"{text.number(adjustment.min)}（{adjustment.citation.article}），付款方式降{adjustment.steps}级，"
            f"按{scheme.grade_name(lower_grade)}执行：{lower_terms.payment_terms.value}"
        )
        benefits = replace(
            benefits,
            payment_terms=Term(lower_terms.payment_terms.value, adjustment.citation),
            adjustments=(*benefits.adjustments, note),
        )
    return benefits


def dimension_benefits_for(pack: Pack, dimension_code: str, value: str) -> Mapping[str, Term]:
    """Terms tied to a classification value (e.g. 000 resource-allocation order by channel)."""
    dimension = pack.dimensions.get(dimension_code)
    if dimension is None:
        raise EvaluationError(f"策略包 {pack.name} 没有分类维度 {dimension_code}")
    if value not in dimension.value_codes():
        raise EvaluationError(f"维度 {dimension_code} 没有取值 {value!r}")
    entry = pack.dimension_benefits.get((dimension_code, value))
    return entry.terms if entry else {}
