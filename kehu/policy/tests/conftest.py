"""Fixtures for the policy app: a product catalogue, pickups written straight into the table, seeded grades."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.customers.models import CustomerStatus

_refs = itertools.count(1)


@pytest.fixture
def groups(db):
    from kehu.sales.models import Product, ProductGroup

    out = {}
    for code, name, unit in (("polyolefin", "聚烯烃", "t"), ("gasoline", "汽油", "t"), ("diesel", "柴油", "t"),
                             ("fuel-card", "不记名加油卡", "元"), ("cement-bagged", "袋装水泥", "t"),
                             ("cement-bulk", "散装水泥", "t")):
        group = ProductGroup.objects.create(code=code, name=name, base_unit=unit)
        product = Product.objects.create(code=f"P-{code}", name=name, group=group, base_unit=unit)
        out[code] = (group, product)
    return out


@pytest.fixture
def pickup(groups):
    """pickup(customer, quantity, day, group="polyolefin", amount=...) writes one pickup row."""
    from kehu.sales.models import Pickup

    def _pickup(customer, quantity, day: date, group: str = "polyolefin", amount=None):
        g, p = groups[group]
        qty = Decimal(str(quantity))
        return Pickup.objects.create(
            customer=customer, product=p, product_group=g, quantity=qty, unit=g.base_unit, base_quantity=qty,
            amount=Decimal(str(amount)) if amount is not None else qty * 8000, picked_on=day, source="test",
            source_ref=f"T{next(_refs)}",
        )

    return _pickup


@pytest.fixture
def seed_grade(db):
    """Pretend an earlier period was graded: a history row (the current grade is the latest one)."""
    from kehu.policy.models import GradeAssignment

    def _seed(customer, grade, period="2024-04", pack="hb-chemicals", scheme="polyolefin_star"):
        GradeAssignment.objects.create(
            customer=customer, pack_name=pack, scheme_code=scheme, period=period, grade=grade,
            previous_grade=None, direction="new", pack_version="seed", computed_at=timezone.now(),
        )

    return _seed


@pytest.fixture
def make_customers(customer_factory, am_user):
    def _make(n, **kwargs):
        kwargs.setdefault("owner", am_user)
        kwargs.setdefault("status", CustomerStatus.ACTIVE)
        return [customer_factory(**kwargs) for _ in range(n)]

    return _make


@pytest.fixture
def grade_of(db):
    from kehu.policy.models import GradeAssignment

    def _grade(customer, period="2024-05", scheme="polyolefin_star", pack="hb-chemicals"):
        return GradeAssignment.objects.get(customer=customer, pack_name=pack, scheme_code=scheme, period=period)

    return _grade
