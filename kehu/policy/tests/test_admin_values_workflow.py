"""Approval step time limits a regulation leaves open are set by an administrator like any other figure."""

import pytest

from kehu.policy.services import admin_value_set

pytestmark = pytest.mark.django_db


def test_admission_step_time_limit_can_be_set_by_an_administrator(admin_user):
    value = admin_value_set(actor=admin_user, pack_name="hb-chemicals", key="hb.admission_sales_review_days",
                            value="2")
    assert value.key == "hb.admission_sales_review_days" and str(value.value).startswith("2")
