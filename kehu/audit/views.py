from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from kehu.audit.forms import AuditExportForm
from kehu.audit.models import AuditExport, AuditExportFormat
from kehu.audit.retention import retention_cutoff, retention_months
from kehu.audit.selectors import AuditFilter, audit_trail
from kehu.audit.services import audit_export_record
from kehu.core.permissions import require_perm
from kehu.customers.views import service_view
from kehu.sales.exporters import Column, csv_stream, xlsx_file

AUDIT_COLUMNS = (
    Column("时间", lambda r: timezone.localtime(r.at).strftime("%Y-%m-%d %H:%M:%S")),
    Column("类别", lambda r: r.kind),
    Column("记录", lambda r: r.record),
    Column("操作", lambda r: r.action),
    Column("客户编码", lambda r: r.customer_code),
    Column("客户名称", lambda r: r.customer_name),
    Column("操作人ID", lambda r: r.user_id if r.user_id is not None else ""),
    Column("操作人账号", lambda r: r.username),
    Column("变更内容", lambda r: r.changes),
    Column("原因/说明", lambda r: r.reason),
)


@login_required
@service_view
@require_http_methods(["GET", "POST"])
def audit_export(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "audit.export_audit_trail", "您没有导出审计记录的权限。")
    form = AuditExportForm(request.POST or None, initial=AuditExportForm.initial_values())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = data["username"]
        flt = AuditFilter(date_from=data["date_from"], date_to=data["date_to"], customer=data["customer_code"],
                          user_id=user.pk if user else None, kinds=tuple(data["kinds"]))
        fmt = data["file_format"]
        export, flt = audit_export_record(actor=request.user, flt=flt, file_format=fmt)
        rows = audit_trail(actor=request.user, flt=flt)
        name = f"audit-{flt.date_from:%Y%m%d}-{flt.date_to:%Y%m%d}-{export.pk}"
        if fmt == AuditExportFormat.CSV:
            response: HttpResponse = StreamingHttpResponse(csv_stream(rows, AUDIT_COLUMNS),
                                                           content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        return FileResponse(xlsx_file(rows, AUDIT_COLUMNS, sheet="审计记录"), as_attachment=True,
                            filename=f"{name}.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    recent = AuditExport.objects.select_related("actor", "customer", "user")[:20]
    return render(request, "audit/export.html", {
        "form": form, "recent": recent, "retention_months": retention_months(), "cutoff": retention_cutoff(),
    }, status=400 if request.method == "POST" else 200)
