"""Whose commissioned-housing records a user may see. Company staff (大客户部, approvers, 审计法务部, 财务, 营销中心,
administrators) see every project; a user holding the role `commissioner_staff` (委建房工作小组, the commissioning
unit's own people) sees only the commissioning units they are linked to (CommissionerRepresentative) — nothing at
all while unlinked. The role limits even when combined with a company role (least privilege).

Selectors filter with `commissioner_q`; services and the by-id getters call `require_commissioner`, which answers
ScopeError (404, or a 400 on the field when the id came in a request body) so another unit's records are never
revealed. The scope costs one query per user (two for a limited user), cached on the user object like the
permission cache."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ScopeError

COMMISSIONER_ROLE = "commissioner_staff"
NOT_LINKED = _("您的账号属于委建房工作小组，但尚未关联委建单位，看不到任何房源、名单与票据。"
               "请联系大客户部在委建单位页面关联您的账号。")


@dataclass(frozen=True)
class HousingScope:
    limited: bool  # True: only the commissioning units below
    commissioner_ids: frozenset[int]

    def covers(self, commissioner_id: int | None) -> bool:
        return not self.limited or (commissioner_id is not None and commissioner_id in self.commissioner_ids)


ALL = HousingScope(False, frozenset())


def housing_scope(actor) -> HousingScope:
    cached = getattr(actor, "_kehu_housing_scope", None)
    if cached is not None:
        return cached
    if actor.is_superuser or not actor.roles.filter(code=COMMISSIONER_ROLE).exists():
        scope = ALL
    else:
        from kehu.housing.models import CommissionerRepresentative

        scope = HousingScope(True, frozenset(CommissionerRepresentative.objects.filter(user=actor)
                                             .values_list("commissioning_unit_id", flat=True)))
    actor._kehu_housing_scope = scope
    return scope


def forget_scope(user) -> None:
    """After a link changes: the next read of this user object recomputes the scope."""
    user.__dict__.pop("_kehu_housing_scope", None)


def commissioner_q(actor, field: str = "commissioning_unit_id") -> Q:
    """Rows whose `field` (a commissioning unit's id) the user may see; Q() for company staff."""
    scope = housing_scope(actor)
    if not scope.limited:
        return Q()
    return Q(**{f"{field}__in": sorted(scope.commissioner_ids)})


def require_commissioner(actor, commissioner_id: int | None, message: str = "不存在。") -> None:
    """Refuse a record of another commissioning unit (or one belonging to none: 关系房, internal records)."""
    if not housing_scope(actor).covers(commissioner_id):
        raise ScopeError(message)


def require_company(actor, message: str = "不存在。") -> None:
    """Records that belong to no commissioning unit (negotiation memos, 关系房, financing targets): company only."""
    if housing_scope(actor).limited:
        raise ScopeError(message)
