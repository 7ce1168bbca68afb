"""compile_case_sql gives the same grade as evaluate_scheme at every boundary (run on SQLite)."""

import sqlite3
from decimal import Decimal

import pytest

from kehu.policy.engine import CustomerFacts, EvaluationError, compile_case_sql, evaluate_scheme
from kehu.policy.tests.engine.support import pack

SHANDONG_VALUES = [
    "0",
    "1.999",
    "2",
    "4.999",
    "5",
    "19.999",
    "20",
    "49.999",
    "50",
    "99999",
    "100000",
    "999999",
    "1000000",
    "19999999",
    "20000000",
]


def grades_in_sqlite(sql, rows):
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE m (id INTEGER, g NUMERIC, d NUMERIC, c NUMERIC)")
    connection.executemany("INSERT INTO m VALUES (?, ?, ?, ?)", rows)
    return dict(connection.execute(f"SELECT id, {sql} FROM m"))  # noqa: S608 - SQL built by the engine from a pack


@pytest.mark.parametrize("scheme_code", ["institution_size", "management_level"])
def test_sql_case_matches_engine_on_every_boundary(scheme_code):
    scheme = pack("shandong-retail").scheme(scheme_code)
    rows, facts = [], []
    for i, (g, d, c) in enumerate(
        (v, w, x) for v in SHANDONG_VALUES[:5] for w in SHANDONG_VALUES[5:9] for x in [None, *SHANDONG_VALUES[9:]]
    ):
        rows.append((i, float(g), float(d), None if c is None else float(c)))
        metrics = {"gasoline_month_t": Decimal(g), "diesel_month_t": Decimal(d)}
        if c is not None:
            metrics["anonymous_card_year_amount"] = Decimal(c)
        facts.append(CustomerFacts(i, metrics, attributes={"customer_kind": "机构"}))
    sql = compile_case_sql(
        scheme,
        {"gasoline_month_t": "g", "diesel_month_t": "d", "anonymous_card_year_amount": "c"},
        thresholds_only=True,
    )
    expected = {r.customer_id: r.grade for r in evaluate_scheme(scheme, facts, "2024-05")}
    assert grades_in_sqlite(sql, rows) == expected


def test_sql_case_for_hb_chemicals_boundaries():
    scheme = pack("hb-chemicals").scheme("polyolefin_star")
    sql = compile_case_sql(scheme, "g", thresholds_only=True)
    values = ["0", "999.999", "1000", "1999.999", "2000", "2999.999", "3000"]
    got = grades_in_sqlite(sql, [(i, float(v), None, None) for i, v in enumerate(values)])
    assert list(got.values()) == ["普通", "普通", "一星", "一星", "二星", "二星", "三星"]


def test_scheme_with_movement_rule_is_not_compiled_silently():
    with pytest.raises(EvaluationError, match="thresholds_only"):
        compile_case_sql(pack("hb-chemicals").scheme("polyolefin_star"), "g")


def test_grade_below_the_lowest_threshold_is_null_in_sql():
    sql = compile_case_sql(pack("guangdong-post").scheme("letter_tiers"), "g", thresholds_only=True)
    got = grades_in_sqlite(sql, [(1, 9999, None, None), (2, 10000, None, None)])
    assert got == {1: None, 2: "VIP"}
