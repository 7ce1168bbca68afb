"""Thin web views: parse input, call a selector or service, render."""

from __future__ import annotations

import contextlib
import json
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.errors import ServiceError
from kehu.core.forms import apply_service_error
from kehu.customers.selectors import customer_get_for_actor
from kehu.sales import exporters
from kehu.sales.forms import ImportForm, PaymentFilterForm, PickupFilterForm
from kehu.sales.models import ImportJob, ImportStatus
from kehu.sales.selectors import (
    PaymentFilters,
    PickupFilters,
    demand_plan_list,
    import_job_get,
    monthly_volume,
    payment_list,
    pickup_list,
)
from kehu.sales.services import import_job_create, import_progress_path

PAGE_SIZE = 50


def _pickup_filters(request) -> tuple[PickupFilterForm, PickupFilters]:
    form = PickupFilterForm(request.GET or None)
    f = PickupFilters()
    if form.is_valid():
        d = form.cleaned_data
        f = PickupFilters(query=d["q"].strip(), product_group_id=d["group"].pk if d["group"] else None,
                          date_from=d["date_from"], date_to=d["date_to"])
    return form, f


def _query_string(request) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])


@login_required
@permission_required("sales.view_pickup", raise_exception=True)
def pickup_list_view(request: HttpRequest) -> HttpResponse:
    form, filters = _pickup_filters(request)
    qs = pickup_list(actor=request.user, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    totals = qs.order_by().aggregate(n=Count("id"), amount=Sum("amount"))
    ctx = {"form": form, "page": page, "totals": totals, "query": _query_string(request),
           "can_export": request.user.has_perm("sales.export_pickup"),
           "can_import": request.user.has_perm("sales.import_pickup")}
    template = "sales/_pickup_results.html" if request.htmx else "sales/pickup_list.html"
    return render(request, template, ctx)


def _export(request, qs, columns, stem: str, fmt: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        return FileResponse(exporters.xlsx_file(qs, columns), as_attachment=True, filename=f"{stem}-{stamp}.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp = StreamingHttpResponse(exporters.csv_stream(qs, columns), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.csv"'
    return resp


@login_required
@permission_required("sales.export_pickup", raise_exception=True)
def pickup_export_view(request: HttpRequest, fmt: str) -> HttpResponse:
    _, filters = _pickup_filters(request)
    return _export(request, pickup_list(actor=request.user, filters=filters), exporters.PICKUP_COLUMNS,
                   "pickups", fmt)


def _payment_filters(request):
    form = PaymentFilterForm(request.GET or None)
    f = PaymentFilters()
    if form.is_valid():
        d = form.cleaned_data
        f = PaymentFilters(query=d["q"].strip(), date_from=d["date_from"], date_to=d["date_to"])
    return form, f


@login_required
@permission_required("sales.view_payment", raise_exception=True)
def payment_list_view(request: HttpRequest) -> HttpResponse:
    form, filters = _payment_filters(request)
    qs = payment_list(actor=request.user, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sales/payment_list.html", {
        "form": form, "page": page, "query": _query_string(request),
        "can_export": request.user.has_perm("sales.export_pickup")})


@login_required
@permission_required("sales.export_pickup", raise_exception=True)
def payment_export_view(request: HttpRequest, fmt: str) -> HttpResponse:
    _, filters = _payment_filters(request)
    return _export(request, payment_list(actor=request.user, filters=filters), exporters.PAYMENT_COLUMNS,
                   "payments", fmt)


@login_required
@permission_required("sales.view_demandplan", raise_exception=True)
def plan_list_view(request: HttpRequest) -> HttpResponse:
    plans = demand_plan_list(actor=request.user).order_by("-month", "customer__code")[:200]
    return render(request, "sales/plan_list.html", {"plans": plans})


# ---------------------------------------------------------------- import


@login_required
@permission_required("sales.import_pickup", raise_exception=True)
def import_view(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(actor=request.user, upload=form.cleaned_data["file"],
                                    source=form.cleaned_data["source"])
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
        else:
            return redirect("sales:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=request.user).order_by("-created_at")[:10]
    return render(request, "sales/import.html", {"form": form, "jobs": jobs})


def _job_or_404(request, pk) -> ImportJob:
    try:
        return import_job_get(actor=request.user, pk=pk)
    except ServiceError:
        raise Http404 from None


def _job_context(job: ImportJob) -> dict:
    progress = {"phase": "queued", "percent": 0}
    path = import_progress_path(job.pk)
    if job.status in (ImportStatus.SUCCEEDED, ImportStatus.REJECTED, ImportStatus.FAILED):
        progress = {"phase": "done", "percent": 100}
    elif path.exists():
        with contextlib.suppress(OSError, ValueError):
            progress = json.loads(path.read_text(encoding="utf-8"))
    phase_labels = {"queued": _("排队中"), "read": _("读取文件"), "validate": _("校验数据"), "write": _("写入数据库"),
                    "done": _("完成")}
    return {"job": job, "progress": progress, "phase_label": phase_labels.get(progress.get("phase"), ""),
            "finished": job.status not in (ImportStatus.PENDING, ImportStatus.RUNNING),
            "errors": job.row_errors.all()[:100]}


@login_required
@permission_required("sales.import_pickup", raise_exception=True)
def import_job_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    return render(request, "sales/import_job.html", _job_context(job))


@login_required
@permission_required("sales.import_pickup", raise_exception=True)
def import_job_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    return render(request, "sales/_import_progress.html", _job_context(job))


@login_required
@permission_required("sales.import_pickup", raise_exception=True)
def import_job_errors_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    job = _job_or_404(request, pk)
    return _export(request, job.row_errors.order_by("line", "id"), exporters.ERROR_COLUMNS,
                   f"import-{job.pk}-errors", fmt)


@login_required
def import_template_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        return FileResponse(exporters.template_xlsx(), as_attachment=True, filename="pickup-import-template.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp = HttpResponse(exporters.template_csv(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="pickup-import-template.csv"'
    return resp


# ---------------------------------------------------------------- archive tab: monthly volume


def _monthly(request, pk: int):
    customer = customer_get_for_actor(actor=request.user, pk=pk)
    months = min(max(int(request.GET.get("months", 12) or 12), 1), 36)
    return customer, monthly_volume(customer, months=months)


def _monthly_payload(mv) -> dict:
    return {
        "months": [m["label"] for m in mv.months],
        "series": [{"name": g, "unit": u, "data": [str(m["groups"][g]) for m in mv.months]}
                   for g, u in mv.groups.items()],
        "amount": [str(m["amount"]) for m in mv.months],
    }


@login_required
@permission_required("sales.view_pickup", raise_exception=True)
def customer_monthly_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        customer, mv = _monthly(request, pk)
    except ServiceError:
        return HttpResponse(status=404)
    return render(request, "sales/_customer_monthly.html", {
        "customer": customer, "mv": mv, "payload": json.dumps(_monthly_payload(mv), ensure_ascii=False)})


@login_required
@permission_required("sales.view_pickup", raise_exception=True)
def customer_monthly_json_view(request: HttpRequest, pk: int) -> JsonResponse:
    try:
        _, mv = _monthly(request, pk)
    except ServiceError:
        return JsonResponse({"detail": "未找到。"}, status=404)
    return JsonResponse(_monthly_payload(mv), json_dumps_params={"ensure_ascii": False})
