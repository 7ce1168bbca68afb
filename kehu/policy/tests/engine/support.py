"""Helpers shared by the engine tests (no database, no Django)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from kehu.policy.engine import CustomerFacts, GradeResult, Override, Pack, evaluate_scheme, load_pack

POLICIES = Path(__file__).resolve().parents[4] / "policies"
SHIPPED_PACKS = (
    "hb-chemicals",
    "shaanxi-cement",
    "shandong-retail",
    "abcd-scoring",
    "credit-abcd",
    "guangdong-post",
    "big-client-tiers",
)


@cache
def pack(name: str) -> Pack:
    return load_pack(POLICIES / f"{name}.yaml")


def grade_one(
    pack_name: str,
    scheme_code: str,
    metrics: dict[str, Any] | None = None,
    *,
    attributes: dict[str, object] | None = None,
    previous_grade: str | None = None,
    override: Override | None = None,
    region_group: str | None = None,
    admin_values: dict[str, Any] | None = None,
) -> GradeResult:
    """Evaluate one customer alone (forced distribution needs a population: use evaluate_scheme directly)."""
    scheme = pack(pack_name).scheme(scheme_code)
    facts = CustomerFacts(
        customer_id="C001",
        metrics={k: Decimal(str(v)) for k, v in (metrics or {}).items()},
        attributes=attributes or {},
        previous_grade=previous_grade,
        override=override,
        region_group=region_group,
    )
    return evaluate_scheme(scheme, [facts], "2024-05", admin_values=admin_values)[0]
