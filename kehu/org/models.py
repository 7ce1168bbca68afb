"""Organisation: org-unit tree (departments and territories), users, roles and data scopes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgUnitKind(models.TextChoices):
    COMPANY = "company", _("公司")
    DEPARTMENT = "department", _("部门")
    PROVINCE = "province", _("省")
    CITY = "city", _("地市")
    COUNTY = "county", _("区县")
    AREA = "area", _("片区")
    STATION = "station", _("加油站")
    OFFICE = "office", _("驻厂办")


class OrgUnit(models.Model):
    """One node of the organisation tree.

    `path` is a materialised path ("0001/0004/0012/") so that "this unit's subtree" is one indexed
    prefix query instead of a recursive walk.
    """

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=OrgUnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=400, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    region_group = models.CharField(
        _("地区分组"), max_length=40, blank=True, help_text=_("政策包按分组设置系数，如“一类城市”“二类城市”")
    )
    head = models.ForeignKey(
        "org.User", verbose_name=_("负责人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class DataScope(models.TextChoices):
    OWN = "own", _("本人客户")
    OWN_AND_SUBORDINATES = "subordinates", _("本人及下属客户")
    UNIT = "unit", _("本单位客户")
    SUBTREE = "subtree", _("本单位及下级单位客户")
    ALL = "all", _("全部客户")


# Widest first: a user with several roles gets the widest scope among them.
SCOPE_WIDTH = {
    DataScope.OWN: 0,
    DataScope.OWN_AND_SUBORDINATES: 1,
    DataScope.UNIT: 2,
    DataScope.SUBTREE: 3,
    DataScope.ALL: 4,
}


class Role(models.Model):
    """A job role (客户经理, 财务审核 …): grants permissions and a data scope."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    data_scope = models.CharField(_("数据范围"), max_length=20, choices=DataScope.choices, default=DataScope.OWN)
    permissions = models.ManyToManyField(Permission, verbose_name=_("权限"), blank=True)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("所属单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    manager = models.ForeignKey(
        "self", verbose_name=_("直接上级"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    roles = models.ManyToManyField(Role, verbose_name=_("角色"), blank=True, related_name="users")
    mobile = models.CharField(_("手机"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def label(self) -> str:
        return str(self)
