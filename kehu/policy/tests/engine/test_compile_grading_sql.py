"""compile_grading_sql grades exactly as evaluate_scheme (run on the standard library's SQLite, no Django):
override, applicability, fixed-grade and minimum conditions, the highest criterion and the one-step movement,
over random customers around every boundary the articles name."""

import json
import random
import sqlite3
from dataclasses import replace
from decimal import Decimal

import pytest

from kehu.policy.engine import CustomerFacts, EvaluationError, Override, evaluate_scheme
from kehu.policy.engine.sql import compile_grading_sql, sql_gradable
from kehu.policy.tests.engine.support import pack

HB_TONS = ["0", "999.999", "1000", "1999.999", "2000", "2999.999", "3000", "8000"]
GASOLINE = ["0", "1.999", "2", "4.999", "5"]
DIESEL = ["0", "19.999", "20", "49.999", "50"]
CARD = ["0", "99999.99", "100000", "999999.99", "1000000", "19999999.99", "20000000"]


def _literal(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def grade_in_sqlite(scheme, facts: list[CustomerFacts], extra_attributes=()) -> dict:
    """Put the facts in a table (metrics as columns, attributes as JSON) and run the compiled SELECT over it."""
    metrics = [m.code for m in scheme.metrics]
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE TABLE f (id INTEGER, prev TEXT, ov TEXT, attrs TEXT, {', '.join(metrics)})")
    db.executemany(
        f"INSERT INTO f VALUES (?, ?, ?, ?{', ?' * len(metrics)})",  # noqa: S608 - metric codes from a pack
        [(f.customer_id, f.previous_grade, f.override.grade if f.override else None, json.dumps(dict(f.attributes)),
          *(float(f.metrics[m]) if m in f.metrics else None for m in metrics)) for f in facts],
    )

    def attribute_equals(attribute, value):
        path = _literal(f'$."{attribute}"')
        if isinstance(value, bool):
            return f"COALESCE(json_type(attrs, {path}) = {_literal('true' if value else 'false')}, 0)"
        return f"COALESCE(json_type(attrs, {path}) = 'text' AND json_extract(attrs, {path}) = {_literal(value)}, 0)"

    sql = compile_grading_sql(
        scheme, source="FROM f", customer_id="id", metric_sql={m: m for m in metrics},
        attribute_equals=attribute_equals, previous_sql="prev", override_sql="ov", fence=" LIMIT -1 OFFSET 0",
    )
    out = {}
    for row in db.execute(sql):
        customer_id, grade, previous, reached, direction, rule, article, quote = row
        out[customer_id] = (grade, previous, reached, rule, article, quote, direction)
    return out


def _direction(scheme, grade, previous):
    if previous is None:
        return "new" if grade is not None else "same"
    if grade is None or grade == previous or previous not in scheme.rank or grade not in scheme.rank:
        return "same"
    return "up" if scheme.rank[grade] > scheme.rank[previous] else "down"


def expected(scheme, facts):
    return {
        r.customer_id: (r.grade, r.previous_grade, r.reached_grade, r.rule, r.article, r.quote,
                        _direction(scheme, r.grade, r.previous_grade))
        for r in evaluate_scheme(scheme, facts, "2024-05")
    }


@pytest.mark.parametrize("seed", range(5))
def test_hb_chemicals_stars_match_the_engine(seed):
    scheme = pack("hb-chemicals").scheme("polyolefin_star")
    rng = random.Random(seed)
    facts = []
    for i in range(300):
        attributes = {}
        if rng.random() < 0.1:
            attributes["sales_object"] = "直销客户"
        if rng.random() < 0.1:
            attributes["sales_form"] = rng.choice(["网拍", "计划"])
        override = Override(rng.choice(scheme.grade_codes()), "战略客户", "王总") if rng.random() < 0.05 else None
        metrics = {"polyolefin_pickup_month": Decimal(rng.choice(HB_TONS))} if rng.random() < 0.9 else {}
        facts.append(CustomerFacts(i, metrics, attributes, rng.choice([None, *scheme.grade_codes(), "四星"]),
                                   override))
    assert grade_in_sqlite(scheme, facts) == expected(scheme, facts)


@pytest.mark.parametrize("seed", range(5))
def test_shandong_levels_match_the_engine(seed):
    shandong = pack("shandong-retail")
    rng = random.Random(seed)
    flags = ("province_wide_unified_purchase", "company_framework_agreement", "unit_supply_agreement",
             "supply_agreement", "consumption_stable")
    for scheme in shandong.schemes.values():
        facts = []
        for i in range(300):
            attributes = {"customer_kind": rng.choice(["机构", "个人", "机构"]),
                          "institution_size": rng.choice([None, "小型", "中型", "大型"])}
            attributes.update({flag: True for flag in flags if rng.random() < 0.25})
            metrics = {"gasoline_month_t": Decimal(rng.choice(GASOLINE)), "diesel_month_t": Decimal(rng.choice(DIESEL)),
                       "anonymous_card_year_amount": Decimal(rng.choice(CARD))}
            facts.append(CustomerFacts(i, metrics, attributes, rng.choice([None, *scheme.grade_codes()])))
        assert grade_in_sqlite(scheme, facts) == expected(scheme, facts), scheme.code


def test_which_schemes_the_database_can_grade():
    assert sql_gradable(pack("hb-chemicals").scheme("polyolefin_star"))
    assert sql_gradable(pack("big-client-tiers").scheme("supplier_tiers"))
    assert not sql_gradable(pack("abcd-scoring").scheme("abcd"))  # forced distribution: ranks the population
    assert not sql_gradable(pack("guangdong-post").scheme("letter_tiers"))  # coefficients per org-unit group
    assert not sql_gradable(pack("shaanxi-cement").scheme("volume"))  # administrator figures


def test_a_scheme_reading_an_unusual_attribute_name_is_left_to_python():
    scheme = pack("hb-chemicals").scheme("polyolefin_star")
    condition = scheme.conditions[1]
    odd = replace(condition, when=replace(condition.when, attribute='sales"object'))
    assert not sql_gradable(replace(scheme, conditions=(odd,)))
    with pytest.raises(EvaluationError):
        compile_grading_sql(replace(scheme, conditions=(odd,)), source="FROM f", customer_id="id", metric_sql={},
                            attribute_equals=lambda a, v: "1", previous_sql="NULL", override_sql="NULL")
