"""Fixtures for approvals: the three admission reviewers, the marketing head, and a prospect with full materials."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from kehu.customers.models import CustomerStatus, LicenceType
from kehu.customers.tests.factories import InvoicingProfileFactory, QualificationFactory


@pytest.fixture
def sales_reviewer(make_user, org):
    return make_user("sales_reviewer", "sales", username="xiaoshou", display_name="钱审核", email="xs@example.com")


@pytest.fixture
def finance_reviewer(make_user):
    return make_user("finance_reviewer", "finance", username="caiwu", display_name="孙会计", email="cw@example.com")


@pytest.fixture
def general_manager(make_user):
    return make_user("general_manager", "company", username="zongjingli", display_name="赵总")


@pytest.fixture
def marketing_head(make_user):
    return make_user("marketing_head", "marketing", username="yingxiao", display_name="李主任")


@pytest.fixture
def reviewers(sales_reviewer, finance_reviewer, general_manager):
    return [sales_reviewer, finance_reviewer, general_manager]


@pytest.fixture
def prospect(customer_factory, am_user):
    """A prospect with a business licence (unified credit code) and invoicing data: ready to apply."""
    c = customer_factory(owner=am_user, status=CustomerStatus.PROSPECT, name="济南恒通化工有限公司")
    QualificationFactory(customer=c, licence_type=LicenceType.BUSINESS_LICENCE,
                         expires_on=timezone.localdate() + timedelta(days=800))
    InvoicingProfileFactory(customer=c)
    return c


@pytest.fixture
def active_customer(customer_factory, am_user):
    return customer_factory(owner=am_user, status=CustomerStatus.ACTIVE, name="淄博瑞丰塑料有限公司")


DIRECT_CONDITIONS = {"production_enterprise": True, "sound_credit": True}
AGENT_CONDITIONS = {"sound_business": True, "sole_products": True, "monthly_plan": True}


@pytest.fixture
def today():
    return date(2025, 6, 2)
