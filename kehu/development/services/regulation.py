"""Which pack governs development and the shared pool in a unit's subtree (an administrator's choice)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from kehu.core.permissions import require_perm
from kehu.development.models import UnitRegulation
from kehu.org.models import OrgUnit, User


@transaction.atomic
def unit_regulation_set(*, actor: User, unit: OrgUnit, pack_name: str) -> UnitRegulation:
    from kehu.policy.selectors import pack_files

    require_perm(actor, "development.add_unitregulation", "只有系统管理员可以设定单位适用的政策包。")
    if pack_name not in pack_files():
        raise ValidationError({"pack_name": f"政策包“{pack_name}”不存在（可用：{'、'.join(pack_files())}）。"})
    row = UnitRegulation.objects.filter(unit=unit).first() or UnitRegulation(unit=unit)
    row.pack_name = pack_name
    row.set_by = actor
    row._history_user = actor
    row.save()
    return row
