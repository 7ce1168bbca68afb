"""Administration: which pack governs a unit's development and pool; pool records read-only (the archive's history
and timeline hold the ownership changes)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from kehu.development.models import PoolEntry, UnitRegulation


class UnitRegulationForm(forms.ModelForm):
    class Meta:
        model = UnitRegulation
        fields = ("unit", "pack_name")

    def clean_pack_name(self):
        from kehu.policy.selectors import pack_files

        name = self.cleaned_data["pack_name"]
        if name not in pack_files():
            raise ValidationError(f"政策包“{name}”不存在（可用：{'、'.join(pack_files())}）。")
        return name


@admin.register(UnitRegulation)
class UnitRegulationAdmin(SimpleHistoryAdmin):
    form = UnitRegulationForm
    list_display = ("unit", "pack_name", "set_by", "set_at")
    search_fields = ("unit__name", "pack_name")

    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PoolEntry)
class PoolEntryAdmin(admin.ModelAdmin):
    list_display = ("customer", "unit", "reason", "entered_at", "previous_owner", "last_follow_up", "claimed_by",
                    "claimed_at")
    list_filter = ("reason", "pack_name")
    search_fields = ("customer__name", "customer__code")
    list_select_related = ("customer", "unit", "previous_owner", "claimed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
