"""Exclusive agency licence (000 第十条): yearly, only for admitted exclusive agents meeting the conditions."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kehu.core.errors import ServiceError
from kehu.workflow.selectors import agency_licence_status
from kehu.workflow.services import agency_licence_issue

ALL = {"sole_products": True, "sound_business": True, "monthly_plans": True}


@pytest.fixture
def agent(active_customer):
    active_customer.classifications = {"other_products_channel": "独家代理商"}
    active_customer.save()
    return active_customer


@pytest.fixture
def issuer(make_user):
    return make_user("sales_reviewer", "sales")


def test_a_licence_runs_to_the_end_of_its_year(agent, issuer):
    lic = agency_licence_issue(actor=issuer, customer=agent, year=2025, region="济南市", conditions=ALL,
                               issued_on=date(2025, 3, 1))
    assert lic.expires_on == date(2025, 12, 31)
    assert agency_licence_status(agent, today=date(2025, 12, 31)).code == "valid"
    assert agency_licence_status(agent, today=date(2026, 1, 1)).code == "expired"


def test_unmet_conditions_are_refused(agent, issuer):
    with pytest.raises(ValidationError) as exc:
        agency_licence_issue(actor=issuer, customer=agent, year=2025, region="济南市",
                             conditions={"sound_business": True}, issued_on=date(2025, 3, 1))
    assert "只经营本公司化工产品" in exc.value.message_dict["conditions"][0]


def test_a_distributor_gets_no_exclusive_licence(active_customer, issuer):
    with pytest.raises(ServiceError, match="不是独家代理商"):
        agency_licence_issue(actor=issuer, customer=active_customer, year=2025, region="济南市", conditions=ALL,
                             issued_on=date(2025, 3, 1))


def test_one_licence_per_year(agent, issuer):
    agency_licence_issue(actor=issuer, customer=agent, year=2025, region="济南市", conditions=ALL,
                         issued_on=date(2025, 3, 1))
    with pytest.raises(ValidationError) as exc:
        agency_licence_issue(actor=issuer, customer=agent, year=2025, region="济南市", conditions=ALL,
                             issued_on=date(2025, 3, 1))
    assert "year" in exc.value.message_dict


def test_no_licence_shows_as_none(active_customer):
    assert agency_licence_status(active_customer).code == "none"
