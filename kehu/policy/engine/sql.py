"""Compile a threshold scheme into one portable SQL CASE expression, so the database can regrade in one statement."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from .errors import EvaluationError
from .evaluate import _Context
from .model import AGGREGATE_METRIC_KINDS, Citation, Predicate, Scheme


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


# ----- the whole threshold scheme in SQL --------------------------------------------------------------------------

_NO_RANK = -1
_PLAIN_NAME = re.compile(r"[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*")


def sql_gradable(scheme: Scheme) -> bool:
    """Whether `compile_grading_sql` can grade this scheme inside the database with the same result as
    `evaluate_scheme`: threshold schemes combined by the highest criterion, metrics that are plain aggregates,
    no org-unit coefficients and no administrator figures (their results keep stored texts, see
    `texts_rebuildable`). Everything else is graded in Python."""
    return (
        scheme.type == "thresholds"
        and scheme.combine == "highest"
        and scheme.coefficients is None
        and not scheme.admin_values_needed()
        and bool(scheme.criteria)
        and all(m.kind in AGGREGATE_METRIC_KINDS for m in scheme.metrics)
        # Attribute names become JSON paths in the SQL: plain names only (anything else is graded in Python).
        and all(_PLAIN_NAME.fullmatch(a) for a in predicate_attributes(scheme))
    )


def predicate_attributes(scheme: Scheme) -> tuple[str, ...]:
    """The customer attributes the scheme's conditions and applicability read, in first-use order."""
    found: dict[str, None] = {}

    def walk(predicate: Predicate | None) -> None:
        if predicate is None:
            return
        for part in predicate.all_of:
            walk(part)
        if predicate.attribute:
            found.setdefault(predicate.attribute, None)

    walk(scheme.applies_when)
    for condition in scheme.conditions:
        walk(condition.when)
    return tuple(found)


def compile_grading_sql(
    scheme: Scheme,
    *,
    source: str,
    customer_id: str,
    metric_sql: Mapping[str, str],
    attribute_equals: Callable[[str, Any], str],
    previous_sql: str,
    override_sql: str,
    extra: Sequence[tuple[str, str]] = (),
    directions: Mapping[str, str] | None = None,
    fence: str = "",
) -> str:
    """One SELECT that grades every customer of `source` exactly as `evaluate_scheme` does for a `sql_gradable`
    scheme: override → not applicable → fixed-grade conditions → highest threshold over the criteria (first
    criterion wins a tie) with `minimum` conditions as floors → the one-step movement rule.

    `source` is the FROM … WHERE clause over the population; the callables and expressions say where the metrics
    (NULL = no rows = 0), the attributes, the previous grade and an active override's grade come from. Columns:
    customer_id, grade, previous_grade, reached_grade, direction, rule, article, quote, then the `extra` names.
    Portable between SQLite and PostgreSQL (CASE, COALESCE, comparisons, literals). `fence` ends every inner
    layer (`OFFSET 0` on PostgreSQL, `LIMIT -1 OFFSET 0` on SQLite) so that the planner keeps the layers apart
    instead of pasting each column's expression (and the previous-grade subquery) into every use of it.
    """
    if not sql_gradable(scheme):
        raise EvaluationError(f"方案 {scheme.code} 不能在数据库中评定（{scheme.type}）")
    directions = directions or {"up": "up", "down": "down", "same": "same", "new": "new"}
    context = _Context(scheme, "", {})
    criteria = context.criteria_for(None)
    codes = scheme.grade_codes()
    assign = [c for c in scheme.conditions if c.effect == "assign"]
    minimum = [c for c in scheme.conditions if c.effect == "minimum"]

    # Layer 1: raw inputs per customer, and one 0/1 column per attribute test the predicates make.
    tests: dict[tuple[str, str], tuple[str, str, Any]] = {}  # (attribute, repr) → (column, attribute, value)

    def test_column(attribute: str, value: Any) -> str:
        key = (attribute, repr(value))
        if key not in tests:
            tests[key] = (f"t_{len(tests)}", attribute, value)
        return tests[key][0]

    def predicate(p: Predicate) -> str:
        if p.all_of:
            return "(" + " AND ".join(predicate(part) for part in p.all_of) + ")"
        if p.no_previous_grade:
            return "(prev IS NULL)"
        if not p.attribute:
            return "(1 = 0)"
        values = p.one_of if p.one_of is not None else (p.equals,)
        if not values:
            return "(1 = 0)"
        return "(" + " OR ".join(f"{test_column(p.attribute, v)} = 1" for v in values) + ")"

    applies = predicate(scheme.applies_when) if scheme.applies_when is not None else None
    assign_tests = [predicate(c.when) for c in assign]
    minimum_tests = [predicate(c.when) for c in minimum]
    layer1 = [
        f"{customer_id} AS customer_id",
        f"{previous_sql} AS prev",
        f"{override_sql} AS ov",
        *(f"{expr} AS {name}" for name, expr in extra),
    ]
    for index, criterion in enumerate(criteria):
        value = f"COALESCE({metric_sql[criterion.metric.code]}, 0)"
        branches = []
        for entry in criterion.descending:
            if entry.min is None:
                branches.append(f"ELSE {entry.rank}")
                break
            operator = ">=" if entry.min_inclusive else ">"
            branches.append(f"WHEN {value} {operator} {_number(entry.min)} THEN {entry.rank}")
        if not branches[-1].startswith("ELSE"):
            branches.append(f"ELSE {_NO_RANK}")
        layer1.append(f"CASE {' '.join(branches)} END AS r_{index}")
    for column, attribute, value in tests.values():
        layer1.append(f"CASE WHEN {attribute_equals(attribute, value)} THEN 1 ELSE 0 END AS {column}")

    # Layer 2: what decides (pre-decided rules), the best threshold rank and which criterion reached it.
    ranks = [f"r_{i}" for i in range(len(criteria))]
    best = ranks[0] if len(ranks) == 1 else _greatest(ranks)
    pre = ["WHEN ov IS NOT NULL THEN 'o'"]
    if applies is not None:
        pre.append(f"WHEN NOT {applies} THEN 'x'")
    pre.extend(f"WHEN {test} THEN 'a{j}'" for j, test in enumerate(assign_tests))
    layer2 = [
        "customer_id", "prev", "ov", *(name for name, _ in extra),
        f"CASE {' '.join(pre)} ELSE NULL END AS pre",
        f"{_rank_case('prev', codes)} AS prev_rank",
        f"{best} AS tb",
        "CASE " + " ".join(f"WHEN {r} = {best} THEN {i}" for i, r in enumerate(ranks)) + " END AS ti",
        *(f"CASE WHEN {test} THEN {scheme.rank[c.grade]} ELSE {_NO_RANK} END AS m_{j}"
          for j, (c, test) in enumerate(zip(minimum, minimum_tests, strict=True))),
    ]

    # Layer 3: the reached rank with `minimum` conditions as floors; the first candidate reaching it decides.
    floors = [f"m_{j}" for j in range(len(minimum))]
    reach = _greatest(["tb", *floors]) if floors else "tb"
    decided = [f"WHEN {reach} < 0 THEN 'none'", f"WHEN tb = {reach} THEN 't'"]
    decided.extend(f"WHEN m_{j} = {reach} THEN 'n{j}'" for j in range(len(minimum)))
    layer3 = [
        "customer_id", "prev", "ov", *(name for name, _ in extra), "pre", "prev_rank", "tb", "ti",
        f"{reach} AS reach",
        f"CASE {' '.join(decided)} END AS dec",
    ]

    # Layer 4: grade, reached grade, rule, article and quote.
    step = scheme.movement.max_step if scheme.movement else None
    if step is not None:
        moved = (f"CASE WHEN reach >= 0 AND prev_rank >= 0 AND reach - prev_rank > {step} THEN prev_rank + {step} "
                 f"WHEN reach >= 0 AND prev_rank >= 0 AND reach - prev_rank < -{step} THEN prev_rank - {step} "
                 "ELSE reach END")
    else:
        moved = "reach"
    fixed_grade = ["WHEN 'o' THEN ov", "WHEN 'x' THEN NULL",
                   *(f"WHEN 'a{j}' THEN {_literal(c.grade)}" for j, c in enumerate(assign))]
    grade_sql = f"CASE pre {' '.join(fixed_grade)} ELSE {_code_case(moved, codes)} END"
    reached_sql = f"CASE pre {' '.join(fixed_grade)} ELSE {_code_case('reach', codes)} END"
    override_citation = scheme.override.citation
    fixed_rule = ["WHEN 'o' THEN 'override'", "WHEN 'x' THEN 'not_applicable'",
                  *(f"WHEN 'a{j}' THEN {_literal('condition:' + c.code)}" for j, c in enumerate(assign))]
    threshold_rule = "CASE ti " + " ".join(
        f"WHEN {i} THEN {_literal('threshold:' + c.metric.code)}" for i, c in enumerate(criteria)) + " END"
    computed_rule = ("CASE dec WHEN 'none' THEN 'below_lowest' WHEN 't' THEN " + threshold_rule + " " + " ".join(
        f"WHEN 'n{j}' THEN {_literal('condition:' + c.code)}" for j, c in enumerate(minimum)) + " END")
    rule_sql = f"CASE pre {' '.join(fixed_rule)} ELSE {computed_rule} END"

    def citation_sql(part: str) -> str:
        def pick(citation: Citation | None) -> str:
            value = getattr(citation, part) if citation is not None else None
            return _literal(value) if value is not None else "NULL"

        fixed = [f"WHEN 'o' THEN {pick(override_citation)}",
                 f"WHEN 'x' THEN {pick(scheme.citation) if part == 'article' else 'NULL'}",
                 *(f"WHEN 'a{j}' THEN {pick(c.citation)}" for j, c in enumerate(assign))]
        by_range = " ".join(
            f"WHEN ti = {i} AND tb = {entry.rank} THEN {pick(entry.source.citation)}"
            for i, c in enumerate(criteria) for entry in c.ranges
        )
        computed = (f"CASE WHEN dec = 'none' THEN {pick(scheme.citation) if part == 'article' else 'NULL'} "
                    f"WHEN dec = 't' THEN CASE {by_range} END "
                    + " ".join(f"WHEN dec = 'n{j}' THEN {pick(c.citation)}" for j, c in enumerate(minimum))
                    + " END")
        return f"CASE pre {' '.join(fixed)} ELSE {computed} END"

    layer4 = [
        "customer_id", "prev", *(name for name, _ in extra),
        f"{grade_sql} AS grade", f"{reached_sql} AS reached_grade", f"{rule_sql} AS rule",
        f"{citation_sql('article')} AS article", f"{citation_sql('quote')} AS quote",
    ]

    # Layer 5: direction against the previous grade (as the regrade service reports it).
    grade_rank = _rank_case("grade", codes)
    prev_rank = _rank_case("prev", codes)
    direction = (
        f"CASE WHEN prev IS NULL THEN (CASE WHEN grade IS NULL THEN {_literal(directions['same'])} "
        f"ELSE {_literal(directions['new'])} END) "
        f"WHEN grade IS NULL OR grade = prev OR {prev_rank} < 0 OR {grade_rank} < 0 "
        f"THEN {_literal(directions['same'])} "
        f"WHEN {grade_rank} > {prev_rank} THEN {_literal(directions['up'])} "
        f"ELSE {_literal(directions['down'])} END"
    )
    layer5 = [
        "customer_id", "grade", "prev AS previous_grade", "reached_grade", f"{direction} AS direction", "rule",
        "article", "quote", *(name for name, _ in extra),
    ]
    sql = f"SELECT {', '.join(layer1)} {source}"
    for number, columns in enumerate((layer2, layer3, layer4, layer5), start=2):
        sql = f"SELECT {', '.join(columns)} FROM ({sql}{fence}) l{number}"  # noqa: S608 (pack literals, escaped)
    return sql


def explanation_sql(
    scheme: Scheme, *, rule: str, grade: str, reached: str, previous: str, override: str,
    metric_text: Callable[[str], str],
) -> str:
    """The explanation of a stored result as one SQL text expression, for the archive timeline's grade-change
    events written inside the database: the same sentences as `GradeResult.explanation` (figures without thousands
    separators). `override` is an SQL text naming reason and approver; `metric_text(code)` the SQL text of a
    metric's stored value ('978.108')."""
    context = _Context(scheme, "", {})
    criteria = context.criteria_for(None)

    def name(column: str) -> str:
        return _code_case(column, scheme.grade_codes(), names=[g.name for g in scheme.grades], missing="未评级")

    many = "，多项标准取最高者" if len(scheme.criteria) > 1 else ""
    branches = [f"WHEN {_rule_is(rule, 'override')} THEN '人工调整为' || {name(grade)} || '（' || {override} || "
                "'），人工调整优先于按指标计算的等级'"]
    if scheme.applies_when is not None:
        branches.append(f"WHEN {_rule_is(rule, 'not_applicable')} THEN "
                        f"{_literal(f'不适用：{scheme.name}只适用于{scheme.applies_when.describe()}的客户（{scheme.citation.article}）')}")
    for condition in scheme.conditions:
        prefix = f"符合『{condition.label}』（{condition.when.describe()}，{condition.citation.article}），评为"
        suffix = "（该条件为最低等级，指标达到更高等级时取高）" if condition.effect == "minimum" else ""
        branches.append(f"WHEN {_rule_is(rule, 'condition:' + condition.code)} THEN "
                        f"{_literal(prefix)} || {name(grade)} || {_literal(suffix)}")
    lowest = "，".join(f"『{c.ranges[0].phrase(c.metric.unit)}』" for c in criteria)
    branches.append(f"WHEN {_rule_is(rule, 'below_lowest')} THEN "
                    f"{_literal(f'未达到{lowest}（{criteria[0].ranges[0].source.citation.article}）的最低标准，不评级')}")
    movement = ""
    if scheme.movement is not None:
        movement = (
            f"CASE WHEN {grade} <> {reached} THEN '，达到' || {name(reached)} || "
            f"{_literal(f'标准；但客户级别依次升降、每期最多{scheme.movement.max_step}级（{scheme.movement.citation.article}），由')}"
            f" || {name(previous)} || (CASE WHEN {_rank_case(grade, scheme.grade_codes())} > "
            f"{_rank_case(previous, scheme.grade_codes())} THEN '升' ELSE '降' END) || '为' || {name(grade)} "
            f"ELSE '，评为' || {name(grade)} END"
        )
    else:
        movement = f"'，评为' || {name(grade)}"
    for criterion in criteria:
        for entry in criterion.ranges:
            unit = f" {criterion.metric.unit}" if criterion.metric.unit else ""
            sentence = (f"{unit}，满足『{entry.phrase(criterion.metric.unit)}』"
                        f"（{entry.source.citation.article}）{many}")
            value = metric_text(criterion.metric.code)
            shown = f"(CASE WHEN {value} LIKE '%.%' THEN rtrim(rtrim({value}, '0'), '.') ELSE {value} END)"
            branches.append(
                f"WHEN {_rule_is(rule, 'threshold:' + criterion.metric.code)} AND {reached} = "
                f"{_literal(entry.grade)} THEN {_literal(criterion.metric.label + ' ')} || {shown} || "
                f"{_literal(sentence)} || {movement}"
            )
    return f"CASE {' '.join(branches)} ELSE '' END"


def _rule_is(column: str, value: str) -> str:
    return f"{column} = {_literal(value)}"


def _greatest(columns: Sequence[str]) -> str:
    """The largest of several non-NULL integer columns, portably (GREATEST is PostgreSQL, max(a, b) SQLite)."""
    result = columns[0]
    for column in columns[1:]:
        result = f"(CASE WHEN {column} > {result} THEN {column} ELSE {result} END)"
    return result


def _rank_case(column: str, codes: Sequence[str]) -> str:
    return f"CASE {column} " + " ".join(f"WHEN {_literal(c)} THEN {i}" for i, c in enumerate(codes)) + \
        f" ELSE {_NO_RANK} END"


def _code_case(
    rank: str, codes: Sequence[str], *, names: Sequence[str] | None = None, missing: str | None = None
) -> str:
    if names is not None:  # grade code column → grade name
        branches = " ".join(f"WHEN {_literal(c)} THEN {_literal(n)}" for c, n in zip(codes, names, strict=True))
        return f"CASE {rank} {branches} ELSE {_literal(missing) if missing else rank} END"
    return f"CASE {rank} " + " ".join(f"WHEN {i} THEN {_literal(c)}" for i, c in enumerate(codes)) + " ELSE NULL END"
