"""Every registered form computes, shows on screen and downloads in both formats, for a head and an account
manager, with a little of everything in the database."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from kehu.reports.registry import CADENCE_EXAMPLES, report_definitions

PERIODS = {"month": "2026-11", "quarter": "2026-Q3", "half_year": "2026-H1", "year": "2025"}


@pytest.fixture
def data(sd, institution, pickup, regrade_sd, superuser):
    from kehu.policy.services import admin_value_set

    c = institution("全表客户", owner=sd["am"])
    pickup(c, "3", date(2026, 11, 3))
    pickup(c, "5", date(2025, 11, 3), group="diesel")
    pickup(c, "2", date(2026, 8, 3))
    regrade_sd("2026-10", "2026-11")
    admin_value_set(actor=superuser, pack_name="shandong-retail", key="sd.churn_no_pickup_days", value=90)
    admin_value_set(actor=superuser, pack_name="shandong-retail", key="sd.churn_volume_drop_percent", value=30)
    return c


def test_the_periods_used_cover_every_cadence():
    assert set(PERIODS) == set(CADENCE_EXAMPLES)


def test_every_form_renders_for_an_account_manager(client, sd, data):
    client.force_login(sd["am"])
    for d in report_definitions():
        page = client.get(reverse("reports:report_detail", args=[d.code]), {"period": PERIODS[d.cadence]})
        assert page.status_code == 200, d.code
        assert d.title in page.content.decode(), d.code
        assert 'id="report-submit"' not in page.content.decode()  # reads, never submits


def test_every_form_renders_and_downloads_for_a_head(client, sd, data):
    client.force_login(sd["head"])
    for d in report_definitions():
        query = {"period": PERIODS[d.cadence]}
        page = client.get(reverse("reports:report_detail", args=[d.code]), query)
        assert page.status_code == 200, d.code
        assert d.title in page.content.decode()
        for fmt, magic in (("xlsx", b"PK"), ("pdf", b"%PDF")):
            response = client.get(reverse("reports:report_export", args=[d.code, fmt]), query)
            assert response.status_code == 200 and response.content.startswith(magic), (d.code, fmt)
