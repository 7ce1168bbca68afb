"""A database restart of a few seconds is waited out before the request runs: the user gets the page, not a 503.
Beyond the wait budget the 503 comes as before; a fault that waiting cannot cure is not waited for."""

import psycopg
import pytest
from django.db import OperationalError, connection

from kehu.core import dbwait


def _restarting() -> OperationalError:
    exc = OperationalError("the database system is starting up")
    exc.__cause__ = psycopg.OperationalError("the database system is starting up")
    return exc


@pytest.fixture
def outage(monkeypatch):
    """The database refuses the next `n` connection attempts, then answers (as PostgreSQL after a restart)."""
    real = connection.ensure_connection
    state = {"left": 0, "attempts": 0}

    def ensure_connection():
        state["attempts"] += 1
        if state["left"] > 0:
            state["left"] -= 1
            raise _restarting()
        return real()

    monkeypatch.setattr(connection, "ensure_connection", ensure_connection)
    return state


@pytest.mark.django_db(transaction=True)
def test_a_request_arriving_during_a_restart_waits_and_gets_its_page(client, am_user, outage, settings):
    settings.KEHU_DB_WAIT_SECONDS = 5
    client.force_login(am_user)
    outage["left"] = 3  # ≈ 0.75 s of refusals
    response = client.get("/")
    assert response.status_code == 200
    assert outage["left"] == 0 and outage["attempts"] >= 4


@pytest.mark.django_db(transaction=True)
def test_an_outage_longer_than_the_budget_is_still_a_503_to_retry(client, am_user, outage, settings):
    settings.KEHU_DB_WAIT_SECONDS = 0.5
    client.force_login(am_user)
    outage["left"] = 10_000
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "5"


@pytest.mark.django_db(transaction=True)
def test_health_probes_do_not_wait_for_the_database(client, outage, settings):
    settings.KEHU_DB_WAIT_SECONDS = 30
    outage["left"] = 10_000
    response = client.get("/readyz")
    assert response.status_code == 503
    # one attempt by the probe itself, none by the wait: the load balancer learns at once
    assert outage["attempts"] <= 2


def test_the_wait_gives_up_at_its_budget_and_counts_the_refusals(monkeypatch):
    now = {"t": 0.0}
    monkeypatch.setattr(connection, "close_if_health_check_failed", lambda: None)
    monkeypatch.setattr(connection, "close", lambda: None)
    monkeypatch.setattr(connection, "ensure_connection", lambda: (_ for _ in ()).throw(_restarting()))

    def sleep(seconds):
        now["t"] += seconds

    failures = dbwait.wait_for_database(2.0, sleep=sleep, clock=lambda: now["t"])
    assert failures == 9 and now["t"] == pytest.approx(2.0)  # tried at 0, 0.25, …, 2.0 s


def test_a_fault_waiting_cannot_cure_is_raised_at_once(monkeypatch):
    monkeypatch.setattr(connection, "close_if_health_check_failed", lambda: None)
    monkeypatch.setattr(connection, "ensure_connection",
                        lambda: (_ for _ in ()).throw(OperationalError('password authentication failed')))
    with pytest.raises(OperationalError, match="password"):
        dbwait.wait_for_database(5.0, sleep=lambda s: pytest.fail("must not wait"))


@pytest.fixture
def cut_once(monkeypatch):
    """The first query on the customers table fails as a PostgreSQL shutdown cuts a running request; later ones
    answer (once armed, after the test's data is made). Counts the queries that reached that table."""
    from django.db.backends import utils

    real = utils.CursorWrapper.execute
    state = {"armed": False, "cut": False, "hits": 0}

    def execute(self, sql, params=None):
        if state["armed"] and "customers_customer" in sql:
            state["hits"] += 1
            if not state["cut"]:
                state["cut"] = True
                exc = OperationalError("terminating connection due to administrator command")
                exc.__cause__ = psycopg.OperationalError("terminating connection due to administrator command")
                raise exc
        return real(self, sql, params)

    monkeypatch.setattr(utils.CursorWrapper, "execute", execute)
    return state


@pytest.mark.django_db(transaction=True)
def test_a_read_cut_half_way_by_a_restart_runs_once_more_and_gets_its_answer(client, am_user, customer_factory,
                                                                             cut_once, settings):
    settings.KEHU_DB_WAIT_SECONDS = 5
    customer_factory(code="W1", name="等待测试有限公司", owner=am_user)
    client.force_login(am_user)
    cut_once["armed"] = True
    response = client.get("/api/customers/")
    assert response.status_code == 200 and "等待测试有限公司" in response.content.decode()
    assert cut_once["cut"] and cut_once["hits"] >= 2


@pytest.mark.django_db(transaction=True)
def test_a_write_cut_half_way_is_answered_503_and_not_sent_again(client, am_user, customer_factory, cut_once,
                                                                 settings):
    settings.KEHU_DB_WAIT_SECONDS = 5
    customer = customer_factory(code="W2", name="写入测试有限公司", owner=am_user)
    client.force_login(am_user)
    cut_once["armed"] = True
    response = client.patch(f"/api/customers/{customer.pk}/", {"notes": "改", "version": 1, "reason": "测试"},
                            content_type="application/json")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert cut_once["hits"] == 1  # one attempt: whether to send a write again is its author's call
