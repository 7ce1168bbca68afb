"""Shared fixtures: the standard roles, a small org tree, and users of each role."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connection

os.environ.setdefault("KEHU_TESTING", "1")


def pytest_collection_modifyitems(config, items):
    # Heavy runs (large benchmarks, soak tests) only on demand: `pytest -m heavy`.
    markexpr = config.getoption("-m") or ""
    if "heavy" in markexpr:
        return
    skip = pytest.mark.skip(reason="heavy: run with -m heavy")
    for item in items:
        if "heavy" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run ./kehuctl test, which runs the suite on PostgreSQL too)")
    return True


@pytest.fixture
def roles(db):
    from kehu.org.roles import roles_bootstrap

    return roles_bootstrap()


@pytest.fixture
def org(db):
    """company → 销售部 → 销售一组 / 销售二组, 财务部, 市场营销部."""
    from kehu.org.services import org_unit_create

    company = org_unit_create(code="C", name="测试公司", kind="company")
    sales = org_unit_create(code="C-S", name="销售部", kind="department", parent=company)
    team1 = org_unit_create(code="C-S-1", name="销售一组", kind="department", parent=sales)
    team2 = org_unit_create(code="C-S-2", name="销售二组", kind="department", parent=sales)
    finance = org_unit_create(code="C-F", name="财务部", kind="department", parent=company)
    marketing = org_unit_create(code="C-M", name="市场营销部", kind="department", parent=company)
    return {"company": company, "sales": sales, "team1": team1, "team2": team2, "finance": finance,
            "marketing": marketing}


@pytest.fixture
def make_user(roles, org):
    from kehu.org.services import user_create

    counter = {"n": 0}

    def _make(role_code: str = "account_manager", unit: str | object = "team1", **kwargs):
        counter["n"] += 1
        unit_obj = org[unit] if isinstance(unit, str) else unit
        return user_create(
            username=kwargs.pop("username", f"{role_code}{counter['n']}"), password="pw-12345678",  # noqa: S106
            display_name=kwargs.pop("display_name", f"{role_code}{counter['n']}"), unit=unit_obj,
            roles=[roles[role_code]], **kwargs,
        )

    return _make


@pytest.fixture
def manager_user(make_user):
    return make_user("dept_manager", "sales", username="manager", display_name="钱部长")


@pytest.fixture
def am_user(make_user, manager_user):
    return make_user("account_manager", "team1", username="am1", display_name="吴经理", manager=manager_user)


@pytest.fixture
def am_user2(make_user, manager_user):
    return make_user("account_manager", "team2", username="am2", display_name="郑经理", manager=manager_user)


@pytest.fixture
def admin_user(make_user):
    return make_user("sysadmin", "company", username="sysadmin", display_name="管理员", is_superuser=True,
                     is_staff=True)


@pytest.fixture
def customer_factory(db):
    from kehu.customers.tests.factories import CustomerFactory

    return CustomerFactory


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """One real Chromium for the whole run: Playwright's sync API allows one running instance per thread."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required in CI (./kehuctl test installs Debian's chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    # The sync API runs an event loop in this thread; the tests' ORM calls stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield chromium
        chromium.close()
