"""Complaint numbers (TS<day>-NNN) stay unique when several are registered at the same moment, and keep counting
past 999 in a day."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from kehu.service import services
from kehu.service.models import Complaint
from kehu.service.services.complaints import _next_code
from kehu.service.tests.conftest import sh


def _register(actor, customer):
    return services.complaint_register(actor=actor, customer_id=customer.pk, complaint_type="quality",
                                       description="袋重不足", received_at=sh(2026, 11, 3, 10, 0))


@pytest.mark.django_db(transaction=True)
def test_complaints_registered_at_once_all_get_their_own_number(on_postgres, am_user, customer):
    errors, barrier = [], threading.Barrier(6)

    def worker():
        try:
            barrier.wait()
            _register(am_user, customer)
        except Exception as exc:  # collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    codes = sorted(Complaint.objects.values_list("code", flat=True))
    assert codes == [f"TS20261103-{n:03d}" for n in range(1, 7)]


@pytest.mark.django_db
def test_the_day_keeps_counting_past_999(am_user, customer):
    first = _register(am_user, customer)
    Complaint.objects.filter(pk=first.pk).update(code="TS20261103-999")
    second = _register(am_user, customer)
    Complaint.objects.filter(pk=second.pk).update(code="TS20261103-1000")
    assert _next_code(sh(2026, 11, 3, 15, 0)) == "TS20261103-1001"
