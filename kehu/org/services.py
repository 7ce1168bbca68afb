"""Writes for the organisation tree and people."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from kehu.org.models import OrgUnit, Role, User


def _path_for(parent: OrgUnit | None, unit_id: int) -> tuple[str, int]:
    prefix = parent.path if parent else ""
    return f"{prefix}{unit_id:06d}/", (parent.depth + 1) if parent else 0


@transaction.atomic
def org_unit_create(
    *, code: str, name: str, kind: str, parent: OrgUnit | None = None, region_group: str = ""
) -> OrgUnit:
    unit = OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent, region_group=region_group)
    unit.path, unit.depth = _path_for(parent, unit.pk)
    unit.save(update_fields=["path", "depth"])
    return unit


@transaction.atomic
def org_unit_move(*, unit: OrgUnit, new_parent: OrgUnit | None) -> OrgUnit:
    """Re-parent a unit and rewrite the materialised path of its whole subtree."""
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValueError("不能把单位移到它自己的下级之下 / cannot move a unit under its own subtree")
    old_path = unit.path
    new_path, new_depth = _path_for(new_parent, unit.pk)
    delta = new_depth - unit.depth
    subtree = list(OrgUnit.objects.select_for_update().filter(path__startswith=old_path))
    for node in subtree:
        node.path = new_path + node.path[len(old_path):]
        node.depth += delta
        if node.pk == unit.pk:
            node.parent = new_parent
    OrgUnit.objects.bulk_update(subtree, ["path", "depth", "parent"], batch_size=500)
    unit.refresh_from_db()
    return unit


def user_create(
    *,
    username: str,
    password: str | None,
    display_name: str = "",
    unit: OrgUnit | None = None,
    roles: Iterable[Role] = (),
    manager: User | None = None,
    email: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username,
        display_name=display_name,
        unit=unit,
        manager=manager,
        email=email,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if roles:
        user.roles.set(roles)
    return user
