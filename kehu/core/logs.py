"""Structured logs: one JSON object per line, every line of a request carrying its request id and user id.

- `RequestLogMiddleware` (outermost) takes the caller's `X-Request-ID` when it is a sane token, or makes one, returns
  it on the response, and writes one access line per request on the `kehu.request` logger: method, path *without*
  the query string, status, duration in ms, user id (never the name). Health probes log at DEBUG.
- `JsonFormatter` / `TextFormatter` add the request id and user id of the current request (a context variable,
  so a line logged deep inside a service carries them too) and mask personal data that may still reach a message:
  mobile numbers, 18-digit ID numbers, e-mail addresses and query strings (a search for a name or a phone arrives
  as `?q=`). Names cannot be recognised by a pattern: the rule is that Kehu's own log lines never contain one.
- A database that does not answer (connection refused or lost, PostgreSQL restarting, SQLite locked) gives a 503
  with `Retry-After` instead of a 500, so a client or the load balancer retries; it is still logged as an error.

Configured in settings from `KEHU_LOG_FORMAT` (json | text), `KEHU_LOG_LEVEL`, `KEHU_ACCESS_LOG_LEVEL`.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import SimpleLazyObject, empty

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("kehu_request_id", default="")
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("kehu_user_id", default=None)

access_logger = logging.getLogger("kehu.request")

# A caller's id is used only when it is a plain token (no spaces, quotes or control characters to inject).
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")
PROBE_PATHS = frozenset({"/healthz", "/readyz"})
SHANGHAI = ZoneInfo("Asia/Shanghai")

# ---------------------------------------------------------------------------------------------- masking
_MASKS = (
    # a path's query string (search words, phone numbers, names typed into a filter)
    (re.compile(r"(/[^\s?\"']*)\?[^\s\"']*"), r"\1?[query]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # 18-digit resident ID numbers (last may be X) and 15-digit old ones
    (re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])"), "[id-number]"),
    # mainland mobile numbers, also written +86 / 86-
    (re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)"), "[mobile]"),
)


def mask_personal_data(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


# ---------------------------------------------------------------------------------------------- formatters
# Attributes every LogRecord has; anything else was passed as `extra=` and is a candidate field.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Extras never written: Django's django.request logger passes the request object itself.
_STAMPED = frozenset({"request_id", "user_id"})
_DROPPED_EXTRAS = frozenset({"request", "query_string", "query", "params", "user", "username", "name"})


def _stamping_factory(base):
    def factory(*args, **kwargs) -> logging.LogRecord:
        record = base(*args, **kwargs)
        # Stamped when the line is logged, so a handler that formats later (a queue, a test) still has them.
        record.request_id = request_id_var.get()
        record.user_id = user_id_var.get()
        return record

    factory._kehu_stamping = True  # type: ignore[attr-defined]
    return factory


def install_record_factory() -> None:
    base = logging.getLogRecordFactory()
    if not getattr(base, "_kehu_stamping", False):
        logging.setLogRecordFactory(_stamping_factory(base))


install_record_factory()


def _fields(record: logging.LogRecord) -> dict:
    ts = datetime.fromtimestamp(record.created, SHANGHAI).isoformat(timespec="milliseconds")
    out: dict = {"ts": ts, "level": record.levelname, "logger": record.name}
    rid = getattr(record, "request_id", "")
    if rid:
        out["request_id"] = rid
    uid = getattr(record, "user_id", None)
    if uid is not None:
        out["user_id"] = uid
    out["msg"] = mask_personal_data(record.getMessage())
    for key, value in vars(record).items():
        if (key in _STANDARD_ATTRS or key in _DROPPED_EXTRAS or key in out or key in _STAMPED
                or key.startswith("_")):
            continue
        if isinstance(value, str):
            out[key] = mask_personal_data(value)
        elif value is None or isinstance(value, bool | int | float):
            out[key] = value
    if record.exc_info:
        out["exc"] = mask_personal_data(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        out["exc"] = mask_personal_data(record.exc_text)
    return out


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record), ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The same fields for a human at a terminal: `ts LEVEL logger [request_id user] msg key=value …`."""

    def format(self, record: logging.LogRecord) -> str:
        f = _fields(record)
        head = f"{f.pop('ts')} {f.pop('level'):<7} {f.pop('logger')}"
        ctx = " ".join(str(v) for v in (f.pop("request_id", ""), f.pop("user_id", "")) if v != "")
        msg = f.pop("msg")
        exc = f.pop("exc", "")
        rest = " ".join(f"{k}={v}" for k, v in f.items())
        line = " ".join(p for p in (head, f"[{ctx}]" if ctx else "", msg, rest) if p)
        return f"{line}\n{exc}" if exc else line


# ---------------------------------------------------------------------------------------------- middleware
def _user_id(request: HttpRequest) -> int | None:
    """The authenticated user's id if the request looked it up; never forces a session or token lookup."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk
    return None


def database_unavailable(exc: BaseException) -> bool:
    """True for 'the database is not answering' (retry later), False for an error in the SQL itself."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    module = type(cause).__module__ if cause is not None else ""
    if module.startswith("psycopg"):
        # no SQLSTATE: the connection failed or was lost; 08: connection exception; 57P0x: server shutting down
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in {"57P01", "57P02", "57P03"}
    return "database is locked" in str(exc)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        rid_token = request_id_var.set(rid)
        uid_token = user_id_var.set(None)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - start) * 1000, 1)
            response["X-Request-ID"] = rid
            user_id = _user_id(request)
            if user_id is not None:
                user_id_var.set(user_id)  # an API token user is known only after DRF authenticated
            access_logger.log(
                logging.DEBUG if request.path in PROBE_PATHS else logging.INFO,
                "%s %s %s %.1fms", request.method, request.path, response.status_code, duration_ms,
                extra={"method": request.method, "path": request.path, "status": response.status_code,
                       "duration_ms": duration_ms},
            )
            return response
        finally:
            request_id_var.reset(rid_token)
            user_id_var.reset(uid_token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Lines logged inside the view carry the user id too. Session users are known here (the view would look
        # them up anyway); API token users only once DRF authenticates, so the access line reads it again.
        if request.path not in PROBE_PATHS:
            try:
                user = getattr(request, "user", None)
                if user is not None and user.is_authenticated:
                    user_id_var.set(user.pk)
            except Exception as exc:
                # Looking the user up is the first query of most requests: with the database down it fails here,
                # outside the view, where process_exception would not see it.
                if database_unavailable(exc):
                    return self.process_exception(request, exc)
                raise
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_unavailable(exception):
            return None
        logging.getLogger("kehu.request").error("database unavailable: %s", exception, exc_info=exception)
        message = "数据库暂时不可用，请稍后重试。/ The database is not answering; please retry shortly."
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": message, "code": "unavailable"}, status=503)
        else:
            response = HttpResponse(f"<!doctype html><meta charset=utf-8><title>503</title><p>{message}</p>",
                                    status=503)
        response["Retry-After"] = "5"
        response.database_unavailable = True  # kehu.core.dbwait runs a read cut by the outage once more
        return response

