"""Structured logs: one JSON line per request with request id, user id, method, path, status and duration;
no personal data in clear; a database that does not answer is a 503 to retry, not a 500."""

from __future__ import annotations

import json
import logging
import re

import psycopg
import pytest
from django.db import OperationalError
from django.urls import reverse

from kehu.core import logs

pytestmark = pytest.mark.django_db


def _lines(caplog, logger_name: str) -> list[dict]:
    formatter = logs.JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == logger_name]


def test_a_request_is_logged_as_one_json_line_with_the_callers_request_id(client, am_user, caplog):
    client.force_login(am_user)
    with caplog.at_level(logging.INFO, logger="kehu.request"):
        response = client.get(reverse("customers:list") + "?q=13812345678", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "lb-7f3a.42"
    (line,) = _lines(caplog, "kehu.request")
    assert line["request_id"] == "lb-7f3a.42"
    assert line["user_id"] == am_user.pk
    assert (line["method"], line["path"], line["status"]) == ("GET", reverse("customers:list"), 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00", line["ts"])
    text = json.dumps(line, ensure_ascii=False)
    assert "13812345678" not in text and "?q=" not in text
    assert am_user.username not in text and am_user.display_name not in text


def test_a_request_without_a_usable_id_gets_a_fresh_one(client, caplog):
    with caplog.at_level(logging.INFO, logger="kehu.request"):
        response = client.get(reverse("login"), HTTP_X_REQUEST_ID="bad id\r\nX-Injected: 1")
    rid = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    (line,) = _lines(caplog, "kehu.request")
    assert line["request_id"] == rid and "user_id" not in line


def test_lines_logged_inside_the_request_carry_its_id_and_user(client, am_user, caplog, monkeypatch):
    def panels(user):
        logging.getLogger("kehu.tests").warning("dashboard for a user whose mobile is %s", "13812345678")
        return []

    monkeypatch.setattr("kehu.core.views.dashboard_panels", panels)
    client.force_login(am_user)
    with caplog.at_level(logging.WARNING, logger="kehu.tests"):
        client.get(reverse("home"), HTTP_X_REQUEST_ID="trace-1")
    (line,) = _lines(caplog, "kehu.tests")
    assert (line["request_id"], line["user_id"], line["level"]) == ("trace-1", am_user.pk, "WARNING")
    assert line["msg"] == "dashboard for a user whose mobile is [mobile]"


def test_health_probes_log_at_debug_only(client, caplog):
    with caplog.at_level(logging.INFO, logger="kehu.request"):
        client.get("/healthz")
    assert _lines(caplog, "kehu.request") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("call 13812345678 now", "call [mobile] now"),
    ("+86 13812345678", "[mobile]"),
    ("身份证 11010519491231002X 已核验", "身份证 [id-number] 已核验"),
    ("mail wu@example.com.cn", "mail [email]"),
    ('"GET /customers/?q=张三&page=2 HTTP/1.1" 200', '"GET /customers/?[query] HTTP/1.1" 200'),
    ("customer 42 saved (version 7)", "customer 42 saved (version 7)"),
    ("统一社会信用代码 91110108551385082Q", "统一社会信用代码 91110108551385082Q"),
])
def test_personal_data_is_masked_in_any_message(text, expected):
    assert logs.mask_personal_data(text) == expected


def test_extras_are_masked_and_the_request_object_is_never_written():
    logger = logging.getLogger("kehu.tests.logs")
    record = logger.makeRecord("kehu.tests.logs", logging.WARNING, __file__, 1, "saved %s", ("13812345678",), None,
                               extra={"request": object(), "note": "id 110105194912310021", "count": 3})
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["msg"] == "saved [mobile]" and line["note"] == "id [id-number]" and line["count"] == 3
    assert "request" not in line


def test_text_format_has_the_same_fields_for_a_terminal():
    record = logging.getLogger("x").makeRecord("kehu.request", logging.INFO, __file__, 1, "GET / 200", (), None,
                                               extra={"status": 200})
    record.request_id, record.user_id = "r1", 5
    line = logs.TextFormatter().format(record)
    assert re.fullmatch(r"\S+ INFO    kehu.request \[r1 5\] GET / 200 status=200", line)


def _unavailable() -> OperationalError:
    exc = OperationalError("server closed the connection unexpectedly")
    exc.__cause__ = psycopg.OperationalError("server closed the connection unexpectedly")
    return exc


def test_a_database_that_does_not_answer_is_a_503_to_retry(client, am_user, monkeypatch):
    client.force_login(am_user)

    def down(user):
        raise _unavailable()

    monkeypatch.setattr("kehu.core.views.dashboard_panels", down)
    response = client.get(reverse("home"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "数据库暂时不可用" in response.content.decode()


def test_a_database_down_before_the_view_looks_up_the_user_is_a_503_too(client, am_user, monkeypatch):
    client.force_login(am_user)

    def down(request):
        raise _unavailable()

    monkeypatch.setattr("django.contrib.auth.middleware.auth.get_user", down)
    response = client.get(reverse("customers:list"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    api = client.get("/api/customers/")
    assert api.status_code == 503 and api.json()["code"] == "unavailable"


def test_an_error_in_the_sql_itself_stays_a_500(client, am_user, monkeypatch):
    client.raise_request_exception = False
    client.force_login(am_user)

    def bug(user):
        exc = OperationalError("column x does not exist")
        exc.__cause__ = psycopg.errors.UndefinedColumn("column x does not exist")
        raise exc

    monkeypatch.setattr("kehu.core.views.dashboard_panels", bug)
    assert client.get(reverse("home")).status_code == 500


def test_sqlite_busy_counts_as_unavailable_but_a_missing_table_does_not():
    assert logs.database_unavailable(OperationalError("database is locked"))
    assert not logs.database_unavailable(OperationalError("no such table: customers_customer"))
    assert logs.database_unavailable(_unavailable())
