"""A regrade that loses the database half-way (PostgreSQL restarted) wrote nothing and is recorded as interrupted
once the database is back — not left "running" for ever."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError

from kehu.policy import services
from kehu.policy.models import RegradeRun, RunStatus

pytestmark = pytest.mark.django_db


def test_a_regrade_that_loses_the_database_is_recorded_as_interrupted(monkeypatch, groups):
    def restart(*args, **kwargs):
        exc = OperationalError("terminating connection due to administrator command")
        exc.__cause__ = psycopg.errors.AdminShutdown("terminating connection due to administrator command")
        raise exc

    monkeypatch.setattr(services, "_regrade_in_transaction", restart)
    with pytest.raises(OperationalError):
        services.regrade(pack_name="hb-chemicals", period="2024-05")
    run = RegradeRun.objects.get()
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert run.error.startswith("中断：数据库连接断开，本次未写入任何结果")
