from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kehu.customers.models import ArchiveEvent, Customer, CustomerRead


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "status", "owner", "unit")
    list_filter = ("status", "kind")
    search_fields = ("code", "name", "uscc")
    autocomplete_fields = ("owner", "unit", "region")
    readonly_fields = ("version",)

    def has_change_permission(self, request, obj=None):
        # Archive edits go through the services (scope, history, conflict check): use the application.
        return False

    def has_add_permission(self, request):
        return False


@admin.register(CustomerRead)
class CustomerReadAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "customer", "channel")
    list_filter = ("channel",)
    raw_id_fields = ("customer", "user")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ArchiveEvent)
class ArchiveEventAdmin(admin.ModelAdmin):
    list_display = ("at", "customer", "kind", "summary", "actor")
    list_filter = ("kind",)
    raw_id_fields = ("customer", "actor")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
