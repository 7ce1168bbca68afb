"""API serializers for the organisation: org units, the signed-in user, token login."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kehu.core.api import ID_MAX
from kehu.org.models import OrgUnit, OrgUnitKind, Role, User


class OrgUnitOutputSerializer(serializers.ModelSerializer):
    # A plain string, not an enum: org-unit kinds and customer kinds are both called `kind` and their enum
    # components would collide in the schema (ENUM_NAME_OVERRIDES would be the other fix).
    kind = serializers.CharField(
        read_only=True,
        help_text=_("company 公司 / department 部门 / province 省 / city 地市 / county 区县 / area 片区 / "
                    "station 加油站 / office 驻厂办"),
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = OrgUnit
        fields = ("id", "code", "name", "kind", "kind_display", "parent", "depth", "path", "region_group",
                  "is_active")
        read_only_fields = fields


class OrgUnitFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OrgUnitKind.choices, required=False, allow_blank=True,
                                   help_text=_("单位类型"))
    parent = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX,
                                      help_text=_("只列出该单位的直接下级"))
    under = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX,
                                     help_text=_("列出该单位及其全部下级"))
    q = serializers.CharField(required=False, allow_blank=True, help_text=_("名称或编码片段"))
    active = serializers.BooleanField(required=False, allow_null=True, default=None,
                                      help_text=_("只列出启用（true）或停用（false）的单位"))


class RoleOutputSerializer(serializers.ModelSerializer):
    data_scope_display = serializers.CharField(source="get_data_scope_display", read_only=True)

    class Meta:
        model = Role
        fields = ("code", "name", "data_scope", "data_scope_display")
        read_only_fields = fields


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class MeOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="label", read_only=True)
    unit = UnitRefSerializer(read_only=True, allow_null=True)
    roles = RoleOutputSerializer(many=True, read_only=True)
    data_scope = serializers.SerializerMethodField(help_text=_("各角色中最宽的数据范围"))
    permissions = serializers.SerializerMethodField()
    can_view_personal_data = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "username", "name", "display_name", "email", "unit", "manager", "roles", "data_scope",
                  "permissions", "can_view_personal_data", "is_superuser")
        read_only_fields = fields

    def get_data_scope(self, obj: User) -> str:
        from kehu.org.selectors import user_scope

        return user_scope(obj).kind

    def get_permissions(self, obj: User) -> list[str]:
        return sorted(obj.get_all_permissions())

    def get_can_view_personal_data(self, obj: User) -> bool:
        return obj.has_perm("customers.view_personal_data")


class UserOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="label", read_only=True)
    unit = UnitRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ("id", "username", "name", "unit", "is_active")
        read_only_fields = fields


class UserFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, help_text=_("用户名或姓名片段"))
    unit = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX,
                                    help_text=_("所属单位 ID（含下级单位）"))
    role = serializers.CharField(required=False, allow_blank=True, help_text=_("角色编码，如 account_manager"))
    active = serializers.BooleanField(required=False, allow_null=True, default=True,
                                      help_text=_("默认只列出在职用户"))


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("用户名"))
    password = serializers.CharField(label=_("密码"), style={"input_type": "password"}, trim_whitespace=False,
                                     write_only=True)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("在请求头中发送：Authorization: Token <token>"))
    user = MeOutputSerializer()
