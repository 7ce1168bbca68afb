from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from kehu.customers.models import CustomerStatus

HEADER = ["客户编码", "客户名称", "产品编码", "数量", "单位", "金额", "提货日期", "库点", "单据号"]


@pytest.fixture
def catalogue(db):
    from kehu.sales.models import Product, ProductGroup, Warehouse
    from kehu.sales.services import product_catalogue_bootstrap

    product_catalogue_bootstrap()
    Warehouse.objects.create(code="JN-01", name="济南库")
    return {
        "poly": ProductGroup.objects.get(code="polyolefin"),
        "gasoline": ProductGroup.objects.get(code="gasoline"),
        "card": ProductGroup.objects.get(code="fuel-card"),
        "pe": Product.objects.get(code="PE-LLDP"),
        "gas92": Product.objects.get(code="GAS-92"),
        "cement_bag": Product.objects.get(code="CEM-PO425-B"),
        "card_product": Product.objects.get(code="CARD-ANON"),
    }


@pytest.fixture
def customers(customer_factory, am_user, am_user2):
    return {
        "a": customer_factory(code="C001", owner=am_user),
        "b": customer_factory(code="C002", owner=am_user2),
        "suspended": customer_factory(code="C003", owner=am_user, status=CustomerStatus.SUSPENDED),
    }


@pytest.fixture
def write_csv(tmp_path):
    def _write(rows, header=HEADER, name="pickups.csv", encoding="utf-8-sig") -> Path:
        path = tmp_path / name
        with open(path, "w", newline="", encoding=encoding) as f:
            w = csv.writer(f)
            if header is not None:
                w.writerow(header)
            w.writerows(rows)
        return path

    return _write


def row(ref="R1", customer="C001", product="PE-LLDP", qty="10", unit="吨", amount="85000.00", day="2024-03-15",
        wh="JN-01", name="客户"):
    return [customer, name, product, qty, unit, amount, day, wh, ref]


D = Decimal
