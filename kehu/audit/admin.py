from django.contrib import admin

from kehu.audit.models import AuditExport
from kehu.audit.retention import ReadOnlyAuditAdminMixin


@admin.register(AuditExport)
class AuditExportAdmin(ReadOnlyAuditAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor", "date_from", "date_to", "customer", "user", "file_format", "row_count")
    list_filter = ("file_format",)
    raw_id_fields = ("actor", "customer", "user")
    date_hierarchy = "at"
