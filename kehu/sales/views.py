"""Thin web views: parse input, call a selector or service, render."""

from __future__ import annotations

import contextlib
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.errors import ServiceError
from kehu.core.forms import apply_service_error
from kehu.customers.selectors import customer_get_for_actor
from kehu.sales import exporters
from kehu.sales.forms import ImportKindForm, PaymentFilterForm, PaymentForm, PickupFilterForm, PickupForm
from kehu.sales.models import FINISHED_STATUSES, RETRYABLE_STATUSES, ImportJob, ImportKind, ImportStatus
from kehu.sales.selectors import (
    PaymentFilters,
    PickupFilters,
    customer_id_by_code,
    demand_plan_list,
    import_job_get,
    monthly_volume,
    payment_list,
    pickup_list,
    receivable_by_invoice,
)
from kehu.sales.services import (
    IMPORT_PERMISSION,
    import_job_create,
    import_job_retry,
    import_jobs_mark_interrupted,
    import_progress_path,
    payment_record,
    pickup_record,
)

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


def _can_import(user) -> bool:
    return any(user.has_perm(p) for p in set(IMPORT_PERMISSION.values()))


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    if not _can_import(request.user):
        raise PermissionDenied
    initial_kind = request.GET.get("kind") if request.GET.get("kind") in ImportKind.values else ImportKind.PICKUPS
    form = ImportKindForm(request.POST or None, request.FILES or None, initial={"kind": initial_kind})
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(actor=request.user, upload=form.cleaned_data["file"],
                                    kind=form.cleaned_data["kind"], source=form.cleaned_data["source"])
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
        else:
            return redirect("sales:import_job", pk=job.pk)
    jobs = list(ImportJob.objects.filter(created_by=request.user).order_by("-created_at")[:10])
    import_jobs_mark_interrupted(jobs=[j for j in jobs if j.status == ImportStatus.RUNNING])
    if any(j.status == ImportStatus.RUNNING for j in jobs):
        jobs = list(ImportJob.objects.filter(created_by=request.user).order_by("-created_at")[:10])
    return render(request, "sales/import.html", {"form": form, "jobs": jobs, "kinds": ImportKind.choices})


def _job_or_404(request, pk) -> ImportJob:
    try:
        return import_job_get(actor=request.user, pk=pk)
    except ServiceError:
        raise Http404 from None


def _job_context(job: ImportJob) -> dict:
    if job.status == ImportStatus.RUNNING and import_jobs_mark_interrupted(jobs=[job]):
        job.refresh_from_db()
    progress = {"phase": "queued", "percent": 0}
    path = import_progress_path(job.pk)
    if job.status in FINISHED_STATUSES:
        progress = {"phase": "done", "percent": 100}
    elif path.exists():
        with contextlib.suppress(OSError, ValueError):
            progress = json.loads(path.read_text(encoding="utf-8"))
    phase_labels = {"queued": _("排队中"), "read": _("读取文件"), "validate": _("校验数据"), "write": _("写入数据库"),
                    "done": _("完成")}
    return {"job": job, "progress": progress, "phase_label": phase_labels.get(progress.get("phase"), ""),
            "finished": job.status in FINISHED_STATUSES, "retryable": job.status in RETRYABLE_STATUSES,
            "errors": job.row_errors.all()[:100]}


@login_required
def import_job_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    return render(request, "sales/import_job.html", _job_context(job))


@login_required
def import_job_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    return render(request, "sales/_import_progress.html", _job_context(job))


@login_required
@require_POST
def import_job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    try:
        import_job_retry(actor=request.user, job=job)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("sales:import_job", pk=job.pk)


@login_required
def import_job_errors_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    job = _job_or_404(request, pk)
    return _export(request, job.row_errors.order_by("line", "id"), exporters.ERROR_COLUMNS,
                   f"import-{job.pk}-errors", fmt)


@login_required
def import_template_view(request: HttpRequest, fmt: str, kind: str = ImportKind.PICKUPS) -> HttpResponse:
    stem = {"pickups": "pickup", "receivables": "receivable", "payments": "payment"}[kind]
    if fmt == "xlsx":
        return FileResponse(exporters.template_xlsx(kind), as_attachment=True, filename=f"{stem}-import-template.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp = HttpResponse(exporters.template_csv(kind), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{stem}-import-template.csv"'
    return resp


# ---------------------------------------------------------------- single records (web forms over the services)

# service field -> form field, so that a service's message lands beside the input the user typed it in
_FIELD_MAP = {"customer": "customer_code", "receivable": "invoice_no"}


def _apply(form, exc) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        exc = ValidationError({_FIELD_MAP.get(k, k): v for k, v in exc.error_dict.items()})
    elif isinstance(exc, ServiceError) and exc.field in _FIELD_MAP:
        exc.field = _FIELD_MAP[exc.field]
    apply_service_error(form, exc)


@login_required
@permission_required("sales.add_pickup", raise_exception=True)
def pickup_create_view(request: HttpRequest) -> HttpResponse:
    form = PickupForm(request.POST or None, initial={"picked_on": timezone.localdate(), "unit": "t"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        customer_id = customer_id_by_code(actor=request.user, code=d["customer_code"])
        if customer_id is None:
            form.add_error("customer_code", _("客户编码不存在，或不在您的客户范围内。"))
        else:
            try:
                pickup = pickup_record(actor=request.user, customer=customer_id, product=d["product"],
                                       quantity=d["quantity"], unit=d["unit"], amount=d["amount"],
                                       picked_on=d["picked_on"], warehouse=d["warehouse"], source_ref=d["source_ref"])
            except (ValidationError, ServiceError) as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("已录入提货记录 %(ref)s。") % {"ref": pickup.source_ref})
                return redirect(f"{reverse('sales:pickup_list')}?q={pickup.source_ref}")
    return render(request, "sales/record_form.html", {
        "form": form, "title": _("录入提货记录"), "active": "pickups", "back": reverse("sales:pickup_list")})


@login_required
@permission_required("sales.add_payment", raise_exception=True)
def payment_create_view(request: HttpRequest) -> HttpResponse:
    form = PaymentForm(request.POST or None, initial={"paid_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        customer_id = customer_id_by_code(actor=request.user, code=d["customer_code"])
        receivable = None
        if customer_id is None:
            form.add_error("customer_code", _("客户编码不存在，或不在您的客户范围内。"))
        elif d["invoice_no"]:
            receivable = receivable_by_invoice(customer_id=customer_id, invoice_no=d["invoice_no"])
            if receivable is None:
                form.add_error("invoice_no", _("该客户名下没有这个发票号。"))
        if not form.errors:
            try:
                payment = payment_record(actor=request.user, customer=customer_id, amount=d["amount"],
                                         paid_on=d["paid_on"], reference=d["reference"], receivable=receivable,
                                         method=d["method"])
            except (ValidationError, ServiceError) as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("已录入收款 %(ref)s。") % {"ref": payment.reference})
                return redirect(f"{reverse('sales:payment_list')}?q={payment.reference}")
    return render(request, "sales/record_form.html", {
        "form": form, "title": _("录入收款"), "active": "payments", "back": reverse("sales:payment_list")})


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
