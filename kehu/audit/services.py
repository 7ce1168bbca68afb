from __future__ import annotations

from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from kehu.audit.models import AuditExport
from kehu.audit.selectors import AuditFilter, audit_trail_count
from kehu.core.logs import request_id_var
from kehu.core.permissions import require_perm
from kehu.customers.models import ReadChannel
from kehu.customers.services import customer_read_record


@transaction.atomic
def audit_export_record(*, actor, flt: AuditFilter, file_format: str) -> tuple[AuditExport, AuditFilter]:
    """Record an export of the audit trail before it is streamed: who, when, which filter, how many rows.
    An export filtered on one customer is also a read of that archive (channel export). Returns the record and
    the filter to stream with (bounded by this moment, so the file holds exactly the recorded rows)."""
    require_perm(actor, "audit.export_audit_trail", "您没有导出审计记录的权限。")
    flt = replace(flt, until=timezone.now())
    export = AuditExport.objects.create(
        actor=actor, date_from=flt.date_from, date_to=flt.date_to, customer=flt.customer,
        user_id=flt.user_id, kinds=list(flt.kinds), file_format=file_format, row_count=audit_trail_count(flt),
        request_id=request_id_var.get(),
    )
    if flt.customer is not None:
        customer_read_record(customer=flt.customer, actor=actor, channel=ReadChannel.EXPORT)
    return export, flt
