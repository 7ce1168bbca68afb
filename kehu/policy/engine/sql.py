"""Compile a threshold scheme into one portable SQL CASE expression, so the database can regrade in one statement."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .errors import EvaluationError
from .evaluate import _Context
from .model import Scheme


def compile_case_sql(
    scheme: Scheme,
    metric_sql: Mapping[str, str] | str,
    admin_values: Mapping[str, Any] | None = None,
    *,
    region_group: str | None = None,
    thresholds_only: bool = False,
) -> str:
    """`CASE WHEN … THEN '<grade>' … END` over the given SQL expressions of the scheme's metrics.

    Works on SQLite and PostgreSQL (COALESCE, comparisons, string literals only). Conditions on attributes and the
    movement rule need data beyond the metrics; they raise unless `thresholds_only=True`, in which case the caller
    applies them (or uses `evaluate_scheme`). NULL metrics count as 0, as in `evaluate_scheme`.
    """
    if scheme.type != "thresholds":
        raise EvaluationError(f"只有 thresholds 类型的方案能编译为 SQL（{scheme.code} 为 {scheme.type}）")
    if scheme.combine != "highest":
        raise EvaluationError(f"SQL 编译只支持 combine: highest（{scheme.code}）")
    if not thresholds_only and (scheme.conditions or scheme.movement or scheme.applies_when):
        raise EvaluationError(
            f"方案 {scheme.code} 含条件、适用范围或逐级升降规则，不能只用指标表达；"
            "请传 thresholds_only=True 并在之后应用这些规则"
        )
    if isinstance(metric_sql, str):
        if len(scheme.criteria) != 1:
            raise EvaluationError(f"方案 {scheme.code} 有多项指标，请按指标代码传入 SQL 表达式")
        metric_sql = {scheme.criteria[0].metric: metric_sql}
    context = _Context(scheme, "", admin_values or {})
    criteria = context.criteria_for(region_group)
    for criterion in criteria:
        if criterion.metric.code not in metric_sql:
            raise EvaluationError(f"缺少指标 {criterion.metric.code} 的 SQL 表达式")

    branches = []
    else_grade: str | None = None
    for rank in range(len(scheme.grades) - 1, -1, -1):
        grade = scheme.grades[rank].code
        tests = []
        unbounded = False
        for criterion in criteria:
            entry = next((r for r in criterion.ranges if r.rank >= rank), None)
            if entry is None:
                continue
            if entry.min is None:
                unbounded = True
                continue
            operator = ">=" if entry.min_inclusive else ">"
            tests.append(f"COALESCE({metric_sql[criterion.metric.code]}, 0) {operator} {_number(entry.min)}")
        if unbounded:
            else_grade = grade
            break
        if tests:
            branches.append(f"WHEN {' OR '.join(f'({t})' for t in tests)} THEN {_literal(grade)}")
    otherwise = _literal(else_grade) if else_grade is not None else "NULL"
    return f"CASE {' '.join(branches)} ELSE {otherwise} END"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
