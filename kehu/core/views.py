from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from kehu.core.dashboard import dashboard_panels
from kehu.core.health import readiness


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"panels": dashboard_panels(request.user)})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answers. Touches neither the database nor the session."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when this instance can serve; 503 naming what is not ready (database, queue, calendar)."""
    ok, checks = readiness()
    body = {
        "status": "ready" if ok else "not_ready",
        "not_ready": [c.name for c in checks if not c.ok],
        "checks": {c.name: {"ok": c.ok, "detail": c.detail, "ms": c.ms} for c in checks},
    }
    return JsonResponse(body, status=200 if ok else 503)
