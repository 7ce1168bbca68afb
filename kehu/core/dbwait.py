"""Ride out a short database outage instead of answering it with errors.

A PostgreSQL restart or fail-over takes a few seconds (3.3 s in the load run, docs/operations.md). Without this,
every request that arrives in those seconds gets the 503 of `kehu.core.logs` and the user has to retry by hand.
`DatabaseWaitMiddleware` makes sure the request's connection is usable *before* anything of the request runs:
a kept connection is health-checked, a missing one opened, and while the database refuses, the request waits
(up to `KEHU_DB_WAIT_SECONDS`, default 8 s, retrying every 0.25 s). Nothing of the request has run yet, so a POST
is as safe to hold as a GET. After the budget the request goes on and meets the 503 as before. A request the
outage cuts half-way was rolled back: a read (GET, HEAD, OPTIONS) runs once more on a fresh connection within what
is left of the budget — repeating a read loses nothing — while a write gets the 503, since only its author can
tell whether to send it again. Health probes never wait: `/readyz` must tell the load balancer at once that the
database is gone.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

from kehu.core.logs import PROBE_PATHS, database_unavailable

RETRY_INTERVAL_SECONDS = 0.25
READS = frozenset({"GET", "HEAD", "OPTIONS"})


def wait_for_database(budget_seconds: float, *, sleep=time.sleep, clock=time.monotonic) -> int:
    """Make the default connection usable, waiting up to `budget_seconds` while the database is unavailable.
    Returns the number of failed attempts (0 when it was usable at once). Errors that are not an outage (a bad
    password, a missing database) are raised at once: waiting would not cure them."""
    deadline = clock() + budget_seconds
    failures = 0
    while True:
        try:
            connection.close_if_health_check_failed()  # a kept connection the restart killed is dropped here
            connection.ensure_connection()
            return failures
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            failures += 1
            connection.close()
            if clock() + RETRY_INTERVAL_SECONDS > deadline:
                return failures
            sleep(RETRY_INTERVAL_SECONDS)


class DatabaseWaitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.budget = float(getattr(settings, "KEHU_DB_WAIT_SECONDS", 8))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.budget <= 0 or request.path in PROBE_PATHS or connection.in_atomic_block:
            return self.get_response(request)
        deadline = time.monotonic() + self.budget
        wait_for_database(self.budget)
        response = self.get_response(request)
        if (getattr(response, "database_unavailable", False) and request.method in READS
                and time.monotonic() < deadline):
            connection.close()  # the outage left it broken
            wait_for_database(deadline - time.monotonic())
            response = self.get_response(request)
        return response
