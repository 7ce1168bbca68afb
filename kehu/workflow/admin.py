from django.contrib import admin

from kehu.workflow.models import (
    AccessGrant,
    AgencyLicence,
    Approval,
    ApprovalStep,
    BlockedCreditCode,
    Delegation,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Approvals change only through the services (checks, history, notifications)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepInline(admin.TabularInline):
    model = ApprovalStep
    extra = 0
    can_delete = False
    fields = ("round", "order", "role_code", "action", "status", "decision", "decided_by", "decided_at", "due_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "status", "submitted_by", "submitted_at", "pack_name")
    list_filter = ("kind", "status")
    search_fields = ("title",)
    inlines = [StepInline]


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    list_display = ("from_user", "to_user", "start", "end", "cancelled_at")


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdmin):
    list_display = ("user", "customer", "granted_by", "granted_at", "expires_at")


@admin.register(BlockedCreditCode)
class BlockedCreditCodeAdmin(ReadOnlyAdmin):
    list_display = ("uscc", "customer_name", "ground", "created_at")
    search_fields = ("uscc", "customer_name")


@admin.register(AgencyLicence)
class AgencyLicenceAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "year", "region", "expires_on", "revoked_at")
