"""Fuzzing the REST API in-process: schemathesis generates requests from the project's own OpenAPI schema
(/api/schema/) and sends them through config.wsgi.application as three demo users — admin (everything),
jingli1 (a scoped 客户经理) and caiwu (财务, all customers, read-mostly).

A 500 is a bug; so is an answer that does not match the schema.

- test_every_endpoint_survives_strict_fuzzing runs in the default suite: every endpoint of /api/, three examples
  each, derandomized (the same requests every run), on the demo company with its activity, failing on any 5xx,
  any body that violates its documented schema, and any undocumented status code or content type.
- test_whole_api_survives_fuzzing (`pytest -m heavy`) covers every endpoint with more examples and fails on
  any 5xx. KEHU_FUZZ_EXAMPLES sets the examples per operation and mode, KEHU_FUZZ_STRICT=1 also fails on
  off-schema answers there, KEHU_FUZZ_SEED picks another random run (default: derandomized).

A failure lists every failing request as `METHOD path [user] check: message` followed by a curl line
that reproduces it against `manage.py runserver`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, seed  # noqa: E402
from hypothesis import settings as hsettings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Revoking the token the run itself authenticates with would turn every later request into a 403.
SKIPPED_OPERATIONS = {("DELETE", "/api/auth/token/")}
USERS = ("admin", "jingli1", "caiwu")
STRICT_CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@dataclass
class FuzzReport:
    requests: int = 0
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def add(self, label: str, user: str, check: str, message: str, curl: str) -> None:
        # One line per operation, user and check: the first failing request is the reproduction.
        self.failures.setdefault((label, user, check), f"{message.strip()[:300]}\n      {curl}")

    def render(self) -> str:
        return "\n".join(f"{label} [{user}] {check}: {detail}"
                         for (label, user, check), detail in sorted(self.failures.items()))


def _tokens() -> dict[str, str]:
    from rest_framework.authtoken.models import Token

    from kehu.org.models import User

    return {u.username: Token.objects.get_or_create(user=u)[0].key for u in User.objects.filter(username__in=USERS)}


def _schema():
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


def _check_name(exc: BaseException) -> str:
    return type(exc).__name__


def _unrouted_html_404(response, case) -> bool:
    """Django's own HTML 404 for an /api/ URL that matches no route (a path id that is not a number), as long
    as config/urls.py does not yet route 404s to kehu.core.api.not_found (which answers JSON)."""
    from django.urls import Resolver404, resolve

    import config.urls

    if response.status_code != 404 or getattr(config.urls, "handler404", None):
        return False
    try:
        resolve(case.formatted_path)
    except Resolver404:
        return True
    return False


def _make_one(report: FuzzReport, label: str, username: str, headers: dict, checks: list):
    def one(case):
        report.requests += 1
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # the app raised through the WSGI handler: also a 500
            report.add(label, username, "exception", repr(exc), case.as_curl_command(headers))
            return
        if _unrouted_html_404(response, case):
            return
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except BaseException as exc:  # Failure, or a FailureGroup of several
            for failure in getattr(exc, "exceptions", None) or [exc]:
                title = getattr(failure, "title", _check_name(failure))
                message = getattr(failure, "message", str(failure))
                report.add(label, username, title, message, case.as_curl_command(headers))

    return one


def fuzz(*, paths: re.Pattern | None, examples: int, checks: list, random_seed: int | None) -> FuzzReport:
    """Every selected operation, as every demo user, in positive and negative mode; never raises."""
    schema = _schema()
    tokens = _tokens()
    assert set(tokens) == set(USERS), "the demo users are missing"
    report = FuzzReport()
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if (op.method.upper(), op.path) not in SKIPPED_OPERATIONS
                  and (paths is None or paths.match(op.path))]
    assert operations, "no operation selected"
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        for username, token in tokens.items():
            headers = {"Authorization": f"Token {token}"}
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                settings = hsettings(
                    max_examples=examples, deadline=None, database=None, derandomize=random_seed is None,
                    suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
                )

                one = _make_one(report, label, username, headers, checks)
                test = given(case=operation.as_strategy(generation_mode=mode))(settings(one))
                if random_seed is not None:
                    test = seed(random_seed)(test)
                try:
                    test()
                except Exception as exc:  # strategy could not be built or generation failed outright
                    report.add(label, username, f"generation ({mode.value})", repr(exc), "")
    _options_sweep(schema, tokens, operations, report)
    return report


def _options_sweep(schema, tokens: dict[str, str], operations, report: FuzzReport) -> None:
    """OPTIONS on every selected path with existing ids: DRF's metadata calls get_object() for PUT/POST."""
    from django.test import Client

    from kehu.customers.models import Customer

    customer = Customer.objects.order_by("pk").first()
    ids = {"customer_pk": customer.pk if customer else 1}
    client = Client()
    for path in sorted({op.path for op in operations}):
        url = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)
        for username, token in tokens.items():
            report.requests += 1
            response = client.options(url, HTTP_AUTHORIZATION=f"Token {token}")
            if response.status_code >= 500:
                report.add(f"OPTIONS {path}", username, "Server error", str(response.status_code),
                           f"curl -X OPTIONS -H 'Authorization: Token …' http://localhost{url}")


def _load_demo(*, customers: int, activity: bool) -> None:
    from django.core.management import call_command

    with open(os.devnull, "w") as devnull:
        call_command("kehu_demo", customers=customers, no_activity=not activity, stdout=devnull)


@pytest.fixture
def demo_company_with_activity(db):
    """The demo company with pickups, payments, grades, approvals and complaints, so that list endpoints have
    rows to page through (an oversized page limit only reaches SQL when there are rows)."""
    _load_demo(customers=int(os.environ.get("KEHU_FUZZ_CUSTOMERS", "50")), activity=True)


def _only_generation_problems(report: FuzzReport) -> FuzzReport:
    # Hypothesis giving up on an operation whose schema it cannot satisfy (Unsatisfiable) is not an API bug.
    report.failures = {k: v for k, v in report.failures.items()
                       if not (k[2].startswith("generation") and "Unsatisfiable" in v)}
    return report


@pytest.mark.django_db(transaction=True)
def test_every_endpoint_survives_strict_fuzzing(demo_company_with_activity, settings):
    settings.MEDIA_ROOT = os.environ.get("KEHU_FUZZ_MEDIA", "/tmp/kehu-fuzz-media")  # noqa: S108
    report = _only_generation_problems(fuzz(paths=None, examples=3, checks=STRICT_CHECKS, random_seed=None))
    assert report.requests > 1000
    assert not report.failures, f"{len(report.failures)} failing operations:\n{report.render()}"


@pytest.mark.heavy
@pytest.mark.django_db(transaction=True)
def test_whole_api_survives_fuzzing(demo_company_with_activity, settings):
    settings.MEDIA_ROOT = os.environ.get("KEHU_FUZZ_MEDIA", "/tmp/kehu-fuzz-media")  # noqa: S108
    strict = os.environ.get("KEHU_FUZZ_STRICT") == "1"
    random_seed = int(os.environ["KEHU_FUZZ_SEED"]) if os.environ.get("KEHU_FUZZ_SEED") else None
    report = fuzz(paths=None, examples=int(os.environ.get("KEHU_FUZZ_EXAMPLES", "25")),
                  checks=STRICT_CHECKS if strict else [not_a_server_error], random_seed=random_seed)
    report = _only_generation_problems(report)
    print(f"\n{report.requests} requests; failures:\n{report.render()}")
    assert not report.failures, f"{len(report.failures)} failing operations:\n{report.render()}"

