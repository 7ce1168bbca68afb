"""Thin web views over the reports selectors and services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.documents import form_pdf, form_xlsx, format_value
from kehu.core.errors import ForbiddenError, ScopeError, ServiceError
from kehu.reports import selectors as sel
from kehu.reports import services
from kehu.reports.periods import latest_ended_period

VIEW = "reports.view_reportsubmission"


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return getattr(exc, "message", str(exc))


def _unit_id(request) -> int | None:
    raw = (request.GET.get("unit") or request.POST.get("unit") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ServiceError(_("填报单位不存在，或不在您的管理范围内。"), field="unit")
    return int(raw)


def _definition_or_404(code: str):
    try:
        return sel.report_definition(code)
    except sel.ReportNotFound:
        raise Http404 from None


@login_required
@permission_required(VIEW, raise_exception=True)
def report_list_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    enabled = sel.report_enabled_map()
    can_manage = request.user.has_perm("reports.manage_report_settings")
    due = {(r.definition.code): r for r in sel.reports_due(actor=request.user, include_submitted=True)}
    rows = []
    for d in sel.report_definitions():
        if not enabled.get(d.code) and not can_manage:
            continue
        period = latest_ended_period(d, today)
        rows.append({"definition": d, "enabled": enabled.get(d.code), "period": period, "due": due.get(d.code),
                     "first_due": sel.first_due(d, period)})
    recent = list(sel.submission_list(actor=request.user)[:20])
    return render(request, "reports/report_list.html", {"rows": rows, "recent": recent, "can_manage": can_manage})


def _table_view(result) -> list[dict]:
    """Tables with their values printed as on the form (one formatting for screen, XLSX and PDF)."""
    out = []
    for table in result.tables:
        kinds = [c.kind for c in table.columns]
        out.append({
            "table": table,
            "rows": [[(format_value(v, c), k) for v, c, k in zip(row, table.columns, kinds, strict=True)]
                     for row in table.rows],
            "totals": None if table.totals is None else [
                (format_value(v, c), k) for v, c, k in zip(table.totals, table.columns, kinds, strict=True)],
        })
    return out


ROW_LIMIT = 500  # rows shown on screen per table; the download has every row


@login_required
@permission_required(VIEW, raise_exception=True)
def report_view(request: HttpRequest, code: str) -> HttpResponse:
    definition = _definition_or_404(code)
    today = timezone.localdate()
    period_text = (request.GET.get("period") or "").strip() or latest_ended_period(definition, today).key
    filters = {f.code: request.GET.get(f.code, "") for f in definition.filters}
    filter_fields = [{"code": f.code, "label": f.label, "choices": f.choices(), "value": filters[f.code]}
                     for f in definition.filters]
    ctx = {"definition": definition, "period_text": period_text, "filters": filters, "filter_fields": filter_fields,
           "units": sel.report_units_for(request.user), "error": "", "report": None}
    try:
        unit_id = _unit_id(request)
        report = sel.report_compute(actor=request.user, code=code, period=period_text, unit_id=unit_id,
                                    filters=filters, today=today)
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message) from None
    except (ServiceError, ValidationError) as exc:
        ctx["error"] = _error_text(exc)
        return render(request, "reports/report_detail.html", ctx, status=400)
    current = sel.current_submission(code=code, period=report.period.key, unit=report.unit)
    query = urlencode({"period": report.period.key, "unit": report.unit.pk,
                       **{k: v for k, v in report.filters.items()}})
    ctx.update({
        "report": report, "tables": _table_view(report.result), "row_limit": ROW_LIMIT, "query": query,
        "current": current, "unit": report.unit,
        "versions": list(sel.submission_list(actor=request.user, code=code, period=report.period.key,
                                             unit_id=report.unit.pk)),
        "ended": report.period.end < today,
        "can_submit": request.user.has_perm(sel.SUBMIT_PERMISSION) and sel.covers_whole_unit(request.user,
                                                                                             report.unit),
    })
    return render(request, "reports/report_detail.html", ctx)


def _download(document, fmt: str, stem: str) -> HttpResponse:
    if fmt == "xlsx":
        body, ctype = form_xlsx(document), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, ctype = form_pdf(document), "application/pdf"
    response = HttpResponse(body, content_type=ctype)
    from django.utils.encoding import escape_uri_path

    filename = f"{stem}.{fmt}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


@login_required
@permission_required(VIEW, raise_exception=True)
def report_export_view(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    definition = _definition_or_404(code)
    period_text = (request.GET.get("period") or "").strip() or latest_ended_period(
        definition, timezone.localdate()).key
    try:
        report = sel.report_compute(actor=request.user, code=code, period=period_text, unit_id=_unit_id(request),
                                    filters={f.code: request.GET.get(f.code, "") for f in definition.filters})
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message) from None
    except (ServiceError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        return redirect(reverse("reports:report_detail", args=[code]))
    stem = f"{definition.title}-{report.unit.name}-{report.period.key}-未提交"
    return _download(sel.report_document(report), fmt, stem)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def report_submit_view(request: HttpRequest, code: str) -> HttpResponse:
    _definition_or_404(code)
    period_text = (request.POST.get("period") or "").strip()
    definition = sel.report_definition(code)
    filters = {f.code: request.POST.get(f.code, "") for f in definition.filters}
    back = reverse("reports:report_detail", args=[code]) + "?" + urlencode(
        {"period": period_text, "unit": request.POST.get("unit", ""), **filters})
    try:
        submission = services.report_submit(actor=request.user, code=code, period=period_text,
                                            unit_id=_unit_id(request), filters=filters)
    except (ServiceError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    messages.success(request, _("已提交，报表数据已冻结（第%(v)s版）。") % {"v": submission.version})
    return redirect(reverse("reports:submission_detail", args=[submission.pk]))


def _submission_or_404(request, pk: int):
    try:
        return sel.submission_get(actor=request.user, pk=pk)
    except ScopeError:
        raise Http404 from None


@login_required
@permission_required(VIEW, raise_exception=True)
def submission_view(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_or_404(request, pk)
    try:
        report = sel.submission_report(submission)
    except sel.ReportNotFound:
        raise Http404 from None
    versions = list(sel.submission_list(actor=request.user, code=submission.report_code, period=submission.period,
                                        unit_id=submission.unit_id))
    return render(request, "reports/submission_detail.html", {
        "submission": submission, "report": report, "definition": report.definition,
        "tables": _table_view(report.result), "row_limit": ROW_LIMIT, "versions": versions,
        "can_correct": (submission.is_current and request.user.has_perm(sel.CORRECT_PERMISSION)
                        and sel.covers_whole_unit(request.user, submission.unit)),
    })


@login_required
@permission_required(VIEW, raise_exception=True)
def submission_export_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    submission = _submission_or_404(request, pk)
    try:
        report = sel.submission_report(submission)
    except sel.ReportNotFound:
        raise Http404 from None
    stem = f"{report.definition.title}-{submission.unit.name}-{submission.period}-第{submission.version}版"
    return _download(sel.report_document(report), fmt, stem)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def submission_correct_view(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_or_404(request, pk)
    try:
        new = services.report_correct(actor=request.user, submission_id=submission.pk,
                                      reason=request.POST.get("reason", ""))
    except (ServiceError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        return redirect(reverse("reports:submission_detail", args=[submission.pk]))
    messages.success(request, _("已提交更正（第%(v)s版），原第%(old)s版保留备查。") % {"v": new.version,
                                                                            "old": submission.version})
    return redirect(reverse("reports:submission_detail", args=[new.pk]))


@login_required
@permission_required("reports.manage_report_settings", raise_exception=True)
@require_POST
def report_setting_view(request: HttpRequest, code: str) -> HttpResponse:
    _definition_or_404(code)
    enabled = request.POST.get("enabled") == "1"
    services.report_setting_set(actor=request.user, code=code, enabled=enabled)
    messages.success(request, _("已启用该报表。") if enabled else _("已停用该报表。"))
    return redirect(reverse("reports:report_list"))
