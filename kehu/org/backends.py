"""Permissions granted through roles (a user holds the union of its roles' permissions)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class RoleBackend(ModelBackend):
    def _get_role_permissions(self, user_obj):
        return Permission.objects.filter(role__users=user_obj)

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_kehu_perm_cache"):
            perms = set(super().get_all_permissions(user_obj))
            rows = self._get_role_permissions(user_obj).values_list("content_type__app_label", "codename")
            perms |= {f"{app}.{codename}" for app, codename in rows}
            user_obj._kehu_perm_cache = perms
        return user_obj._kehu_perm_cache
