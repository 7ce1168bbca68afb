"""The standard roles a Chinese sales organisation has, with their data scope and permissions.

Packs and administrators may add roles; these are the ones every regulation in seeds/ names.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q

from kehu.org.models import DataScope, Role

ARCHIVE_EDIT = (
    "customers.view_customer", "customers.add_customer", "customers.change_customer",
)


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: str
    scope: str
    permissions: tuple[str, ...]
    description: str = ""


STANDARD_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec("account_manager", "客户经理", DataScope.OWN,
             (*ARCHIVE_EDIT, "customers.view_personal_data", "customers.export_customer"),
             "开发与维护本人名下客户（000 第六条、第八条）"),
    RoleSpec("dept_manager", "部门经理", DataScope.SUBTREE,
             (*ARCHIVE_EDIT, "customers.view_personal_data", "customers.handover_customer",
              "customers.view_read_log", "customers.export_customer"),
             "管理本部门及下级单位的客户，办理移交"),
    RoleSpec("sales_reviewer", "销售部审核", DataScope.ALL,
             ("customers.view_customer", "customers.view_personal_data"), "审核客户资质材料（000 第七条）"),
    RoleSpec("finance_reviewer", "财务审核", DataScope.ALL,
             ("customers.view_customer",), "审核税务登记与开票资料（000 第五条、第七条）"),
    RoleSpec("general_manager", "总经理", DataScope.ALL,
             ("customers.view_customer", "customers.view_personal_data", "customers.view_read_log",
              "customers.export_customer", "customers.handover_customer"), "审批客户准入（000 第七条）"),
    RoleSpec("marketing_head", "市场营销部负责人", DataScope.ALL,
             ("customers.view_customer", "customers.view_personal_data", "customers.view_read_log",
              "customers.export_customer", "customers.handover_customer"),
             "客户档案的归口管理，批准外部查阅（001 第九条）"),
    RoleSpec("qc", "质检", DataScope.OWN, ("customers.view_customer",), "处理质量投诉（001 第十九条）"),
    RoleSpec("staff", "业务人员", DataScope.OWN, ("customers.view_customer",), "只读本人客户"),
    RoleSpec("sysadmin", "系统管理员", DataScope.ALL,
             ("customers.view_customer", "customers.view_read_log", "customers.handover_customer",
              "customers.change_status", "org.change_user", "org.add_user", "org.view_user"),
             "维护组织、用户、角色、政策包与日历"),
)


_EXTENSIONS: dict[str, set[str]] = {}
_APP_ROLES: dict[str, RoleSpec] = {}


def register_role(spec: RoleSpec) -> None:
    """Apps add roles their regulation names (e.g. 计划员, 董事长) from AppConfig.ready; bootstrap creates them."""
    _APP_ROLES[spec.code] = spec


def all_role_specs() -> tuple[RoleSpec, ...]:
    """The standard roles, then the roles apps registered."""
    standard = {spec.code for spec in STANDARD_ROLES}
    return STANDARD_ROLES + tuple(spec for code, spec in _APP_ROLES.items() if code not in standard)


def register_role_permissions(role_code: str, permissions: tuple[str, ...]) -> None:
    """Apps add the permissions their features need to the standard roles (call from AppConfig.ready)."""
    _EXTENSIONS.setdefault(role_code, set()).update(permissions)


def _permissions(codes: tuple[str, ...]) -> list[Permission]:
    """The permissions named `app_label.codename`, in one query (a role has dozens; bootstrap runs per test)."""
    wanted = [tuple(code.split(".", 1)) for code in codes]
    if not wanted:
        return []
    q = Q()
    for app_label, codename in set(wanted):
        q |= Q(content_type__app_label=app_label, codename=codename)
    found = {(p.content_type.app_label, p.codename): p
             for p in Permission.objects.filter(q).select_related("content_type")}
    missing = [".".join(key) for key in wanted if key not in found]
    if missing:
        raise LookupError(f"unknown permission {missing[0]}")
    return [found[key] for key in dict.fromkeys(wanted)]


@transaction.atomic
def roles_bootstrap() -> dict[str, Role]:
    """Create or refresh the standard roles (idempotent), with the permissions apps registered."""
    roles = {}
    for spec in all_role_specs():
        role, _ = Role.objects.update_or_create(
            code=spec.code, defaults={"name": spec.name, "data_scope": spec.scope, "description": spec.description}
        )
        codes = spec.permissions + tuple(sorted(_EXTENSIONS.get(spec.code, ())))
        role.permissions.set(_permissions(codes))
        roles[spec.code] = role
    return roles
