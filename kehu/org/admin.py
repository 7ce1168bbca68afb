from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kehu.org.models import OrgUnit, Role, User
from kehu.org.services import org_unit_create, org_unit_move


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("indented_name", "code", "kind", "region_group", "head", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent", "head")

    @admin.display(description=_("名称"), ordering="path")
    def indented_name(self, obj):
        return "　" * obj.depth + obj.name

    def save_model(self, request, obj, form, change):
        # The materialised path is kept by the services, never by hand.
        if not change:
            created = org_unit_create(
                code=obj.code, name=obj.name, kind=obj.kind, parent=obj.parent, region_group=obj.region_group
            )
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
            OrgUnit.objects.filter(pk=obj.pk).update(head=obj.head, is_active=obj.is_active)
            return
        parent_changed = "parent" in form.changed_data
        new_parent = obj.parent
        super().save_model(request, obj, form, change)
        if parent_changed:
            org_unit_move(unit=obj, new_parent=new_parent)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "data_scope")
    filter_horizontal = ("permissions",)
    search_fields = ("code", "name")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "unit", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "roles")
    search_fields = ("username", "display_name", "email")
    autocomplete_fields = ("unit", "manager")
    filter_horizontal = ("roles", "groups", "user_permissions")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("组织与角色"), {"fields": ("display_name", "mobile", "unit", "manager", "roles")}),
    )
