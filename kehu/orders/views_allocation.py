"""Allocation pages for planners: run a month, read every line's reason, adjust by hand, print for the meeting."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.documents import form_pdf, form_xlsx, format_value
from kehu.core.errors import ScopeError, ServiceError
from kehu.core.forms import apply_service_error
from kehu.orders.forms import AdjustForm, AllocationRunForm, ProductionPlanForm
from kehu.orders.models import AllocationLine, ProductionPlan
from kehu.orders.reports import allocation_document, previous_quarter_day, review_document
from kehu.orders.selectors import allocation_get, allocation_lines, allocation_list
from kehu.orders.services.allocation import (
    allocation_adjust,
    allocation_run,
    line_reason,
    parse_month,
    production_plan_set,
)
from kehu.sales.models import ProductGroup


@login_required
@permission_required("orders.view_allocation", raise_exception=True)
def allocation_list_view(request: HttpRequest) -> HttpResponse:
    can_run = request.user.has_perm("orders.run_allocation")
    month = f"{timezone.localdate():%Y-%m}"
    run_form = AllocationRunForm(request.POST if request.POST.get("form") == "run" else None, prefix="run",
                                 initial={"month": month})
    plan_form = ProductionPlanForm(request.POST if request.POST.get("form") == "plan" else None, prefix="plan",
                                   initial={"month": month})
    if request.method == "POST" and can_run:
        if request.POST.get("form") == "plan" and plan_form.is_valid():
            d = plan_form.cleaned_data
            try:
                production_plan_set(actor=request.user, month=parse_month(d["month"]), product_group=d["product_group"],
                                    quantity=d["quantity"], note=d["note"])
            except (ValidationError, ServiceError) as exc:
                apply_service_error(plan_form, exc)
            else:
                messages.success(request, _("生产计划已保存。"))
                return redirect("orders:allocation_list")
        if request.POST.get("form") == "run" and run_form.is_valid():
            d = run_form.cleaned_data
            try:
                result = allocation_run(actor=request.user, month=parse_month(d["month"]),
                                        product_group=d["product_group"], replace=d["replace"])
            except (ValidationError, ServiceError) as exc:
                apply_service_error(run_form, exc)
            else:
                messages.success(request, _("已分配 %(n)d 个产品组，共 %(l)d 行。") % {
                    "n": len(result.allocations), "l": result.lines})
                if len(result.allocations) == 1:
                    return redirect("orders:allocation_detail", pk=result.allocations[0].pk)
                return redirect("orders:allocation_list")
    elif request.method == "POST":
        raise Http404
    return render(request, "orders/allocation_list.html", {
        "allocations": allocation_list(actor=request.user)[:100], "run_form": run_form, "plan_form": plan_form,
        "plans": ProductionPlan.objects.select_related("product_group").order_by("-month", "product_group__code")[:24],
        "can_run": can_run})


def _allocation_or_404(request, pk: int):
    try:
        return allocation_get(actor=request.user, pk=pk)
    except ScopeError:
        raise Http404 from None


@login_required
@permission_required("orders.view_allocation", raise_exception=True)
def allocation_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = _allocation_or_404(request, pk)
    lines = list(allocation_lines(actor=request.user, allocation=allocation)[:2000])
    rows = [(line, line_reason(line)) for line in lines]
    return render(request, "orders/allocation_detail.html", {
        "allocation": allocation, "rows": rows, "can_run": request.user.has_perm("orders.run_allocation"),
        "remaining": allocation.available - allocation.allocated, "adjust_form": AdjustForm()})


@login_required
@require_POST
@permission_required("orders.run_allocation", raise_exception=True)
def allocation_adjust_view(request: HttpRequest, pk: int) -> HttpResponse:
    line = AllocationLine.objects.filter(pk=pk).only("pk", "allocation_id").first()
    if line is None:
        raise Http404
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            allocation_adjust(actor=request.user, line_id=pk, quantity=form.cleaned_data["quantity"],
                              reason=form.cleaned_data["reason"])
        except (ValidationError, ServiceError) as exc:
            for message in (exc.messages if isinstance(exc, ValidationError) else [exc.message]):
                messages.error(request, message)
        else:
            messages.success(request, _("已调整。"))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("orders:allocation_detail", pk=line.allocation_id)


def _send(document, fmt: str, stem: str) -> HttpResponse:
    if fmt == "pdf":
        response = HttpResponse(form_pdf(document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
        return response
    response = HttpResponse(form_xlsx(document),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    return response


@login_required
@permission_required("orders.view_allocation", raise_exception=True)
def allocation_print_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    allocation = _allocation_or_404(request, pk)
    document = allocation_document(actor=request.user, allocation=allocation)
    return _send(document, fmt, f"allocation-{allocation.month:%Y-%m}-{allocation.product_group.code}")


def _review_params(request) -> tuple[date, ProductGroup | None]:
    day = previous_quarter_day(timezone.localdate())
    text = request.GET.get("quarter", "")
    if text:
        try:
            year, q = text.upper().split("Q")
            day = date(int(year), int(q) * 3, 1)
        except (ValueError, TypeError):
            raise Http404 from None
        if not 1 <= int(q) <= 4:
            raise Http404
    group = None
    if request.GET.get("group"):
        group = ProductGroup.objects.filter(code=request.GET["group"]).first()
        if group is None:
            raise Http404
    return day, group


@login_required
@permission_required("orders.view_allocation", raise_exception=True)
def review_view(request: HttpRequest) -> HttpResponse:
    day, group = _review_params(request)
    document = review_document(actor=request.user, quarter_day=day, product_group=group)
    table = [[format_value(v, c) for v, c in zip(row, document.columns, strict=True)] for row in document.rows]
    totals = [format_value(v, c) for v, c in zip(document.totals, document.columns, strict=True)]
    return render(request, "orders/review.html", {
        "document": document, "table": table, "totals": totals, "query": request.GET.urlencode(),
        "groups": ProductGroup.objects.filter(is_active=True).order_by("code"),
        "quarter": request.GET.get("quarter", ""), "group": group})


@login_required
@permission_required("orders.view_allocation", raise_exception=True)
def review_print_view(request: HttpRequest, fmt: str) -> HttpResponse:
    day, group = _review_params(request)
    document = review_document(actor=request.user, quarter_day=day, product_group=group)
    return _send(document, fmt, f"quarterly-review-{document.meta[0][1]}")
