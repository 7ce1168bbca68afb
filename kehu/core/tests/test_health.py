"""Health and readiness probes for a load balancer: no login, no session, cheap, and a 503 that says why."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import OperationalError

from kehu.core import health
from kehu.workdays import calendar
from kehu.workdays.models import CalendarYear


@pytest.fixture(autouse=True)
def _fresh_calendar():
    calendar.cache_clear()
    yield
    calendar.cache_clear()


def test_healthz_answers_without_login_and_without_touching_the_database(client):
    # No django_db mark: any database access (a session or user lookup included) would raise here.
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "sessionid" not in response.cookies
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_when_database_queue_and_calendar_answer(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready" and body["not_ready"] == []
    assert set(body["checks"]) == {"database", "queue", "calendar"}
    assert body["checks"]["calendar"]["detail"].startswith("2026 (library)")
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_readyz_is_503_naming_the_calendar_when_the_current_year_is_unknown(client, monkeypatch):
    monkeypatch.setattr(health.timezone, "localdate", lambda: date(2031, 3, 2))
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["not_ready"] == ["calendar"]
    assert "2031年的节假日与调休数据缺失" in body["checks"]["calendar"]["detail"]


@pytest.mark.django_db
def test_readyz_recovers_once_the_administrator_enters_the_year(client, monkeypatch):
    monkeypatch.setattr(health.timezone, "localdate", lambda: date(2031, 3, 2))
    CalendarYear.objects.create(year=2031, complete=True)
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["checks"]["calendar"]["detail"] == "2031 (admin); 2032 not yet entered"


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_does_not_answer(client, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "READINESS_CHECKS", (("database", broken), *health.READINESS_CHECKS[1:]))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["not_ready"] == ["database"]
    assert "connection refused" in body["checks"]["database"]["detail"]


@pytest.mark.django_db
def test_readyz_names_the_queue_when_redis_does_not_answer(client, settings, monkeypatch):
    from huey.contrib.djhuey import HUEY

    monkeypatch.setattr(HUEY, "immediate", False)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["not_ready"] == ["queue"]
    assert "ConnectionError" in body["checks"]["queue"]["detail"]
    assert body["checks"]["queue"]["ms"] < 2000
