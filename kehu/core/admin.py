from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kehu.core.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """Read-only: runs are written by the job runner, never by hand."""

    list_display = ("name", "idempotency_key", "status", "trigger", "started_at", "finished_at", "duration",
                    "short_message")
    list_filter = ("status", "trigger", "name")
    search_fields = ("name", "idempotency_key", "message")
    date_hierarchy = "started_at"
    readonly_fields = ("name", "idempotency_key", "args", "trigger", "status", "started_at", "finished_at",
                       "duration", "message", "result", "worker")
    fields = readonly_fields

    @admin.display(description=_("用时（秒）"))
    def duration(self, obj: JobRun):
        d = obj.duration_seconds
        return "" if d is None else f"{d:.2f}"

    @admin.display(description=_("信息"))
    def short_message(self, obj: JobRun) -> str:
        first = (obj.message or "").splitlines()[0] if obj.message else ""
        return first[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
