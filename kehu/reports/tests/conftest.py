"""Fixtures for the reports: a Shandong retail branch (province → city → county → station), its people, institutional
customers with fuel pickups, and a regrade of shandong-retail."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

_refs = itertools.count(1)


@pytest.fixture
def sd(roles):
    """山东 (province) → 济南 (city) → 历下区 / 章丘区 (counties) → one station each; users of each scope."""
    from kehu.org.services import org_unit_create, user_create

    province = org_unit_create(code="SDT", name="山东销售分公司", kind="province")
    city = org_unit_create(code="SDT-JN", name="济南分公司", kind="city", parent=province)
    lixia = org_unit_create(code="SDT-JN-LX", name="历下区", kind="county", parent=city)
    zhangqiu = org_unit_create(code="SDT-JN-ZQ", name="章丘区", kind="county", parent=city)
    station1 = org_unit_create(code="SDT-JN-LX-1", name="历下第一加油站", kind="station", parent=lixia)
    station2 = org_unit_create(code="SDT-JN-ZQ-1", name="章丘第一加油站", kind="station", parent=zhangqiu)
    qingdao = org_unit_create(code="SDT-QD", name="青岛分公司", kind="city", parent=province)

    def user(username, role, unit, **kw):
        return user_create(username=username, password="pw-12345678", display_name=username, unit=unit,
                           roles=[roles[role]], **kw)

    head = user("jn_head", "dept_manager", city)
    province_head = user("sd_head", "general_manager", province)
    am = user("jn_am", "account_manager", station1, manager=head)
    qd_head = user("qd_head", "dept_manager", qingdao)
    return {"province": province, "city": city, "lixia": lixia, "zhangqiu": zhangqiu, "station1": station1,
            "station2": station2, "qingdao": qingdao, "head": head, "province_head": province_head, "am": am,
            "qd_head": qd_head}


@pytest.fixture
def fuel(db):
    from kehu.sales.models import Product
    from kehu.sales.services import product_catalogue_bootstrap

    product_catalogue_bootstrap()
    return {p.group.code: p for p in Product.objects.select_related("group").filter(
        code__in=("GAS-92", "DSL-0", "CARD-ANON"))}


@pytest.fixture
def institution(sd, customer_factory):
    """institution(name, unit="station1", owner=None) → an institutional customer (6.2.1 机构)."""
    counter = itertools.count(1)

    def _make(name: str | None = None, unit: str = "station1", owner=None, kind: str = "机构", **kw):
        n = next(counter)
        return customer_factory(name=name or f"济南机构客户{n}有限公司", code=f"SDK{n:05d}", unit=sd[unit],
                                owner=owner, classifications={"customer_kind": kind}, **kw)

    return _make


@pytest.fixture
def pickup(fuel):
    """pickup(customer, quantity, day, group="gasoline") writes one pickup row (base unit t, 元 for the card)."""
    from kehu.sales.models import Pickup

    def _pickup(customer, quantity, day: date, group: str = "gasoline", amount=None):
        product = fuel[group]
        qty = Decimal(str(quantity))
        return Pickup.objects.create(
            customer=customer, product=product, product_group=product.group, quantity=qty,
            unit=product.base_unit, base_quantity=qty,
            amount=Decimal(str(amount)) if amount is not None else (qty if group == "fuel-card" else qty * 8000),
            picked_on=day, source="test", source_ref=f"R{next(_refs)}",
        )

    return _pickup


@pytest.fixture
def regrade_sd(db):
    from kehu.policy.services import regrade

    def _regrade(*periods: str):
        for period in periods:
            regrade(pack_name="shandong-retail", period=period)

    return _regrade


@pytest.fixture
def superuser(roles, sd):
    from kehu.org.services import user_create

    return user_create(username="root", password="pw-12345678", display_name="管理员",
                       unit=sd["province"], roles=[roles["sysadmin"]], is_superuser=True, is_staff=True)
