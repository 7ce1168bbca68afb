"""Reads for the organisation: data scope is decided here, once, for every selector that lists customers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from kehu.org.models import SCOPE_WIDTH, DataScope, OrgUnit, User


@dataclass(frozen=True)
class Scope:
    kind: str
    user_id: int
    unit_id: int | None
    unit_path: str | None
    subordinate_ids: frozenset[int]


def user_scope(user: User) -> Scope:
    """The widest data scope among the user's roles (superusers see all)."""
    cached = getattr(user, "_kehu_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        kind = DataScope.ALL
    else:
        scopes = list(user.roles.values_list("data_scope", flat=True))
        kind = max(scopes, key=lambda s: SCOPE_WIDTH[DataScope(s)]) if scopes else DataScope.OWN
    unit_path = None
    if user.unit_id:
        unit_path = OrgUnit.objects.filter(pk=user.unit_id).values_list("path", flat=True).first()
    subordinates: set[int] = set()
    if kind == DataScope.OWN_AND_SUBORDINATES:
        frontier = {user.pk}
        # Reporting lines are shallow; one query per level, never per customer.
        while frontier:
            frontier = set(User.objects.filter(manager_id__in=frontier).values_list("pk", flat=True)) - subordinates
            frontier.discard(user.pk)
            subordinates |= frontier
    scope = Scope(
        kind=str(kind), user_id=user.pk, unit_id=user.unit_id, unit_path=unit_path,
        subordinate_ids=frozenset(subordinates),
    )
    user._kehu_scope = scope
    return scope


def scope_q(user: User, *, owner_field: str = "owner", unit_field: str = "unit") -> Q:
    """A filter that keeps only the rows the user's data scope covers."""
    scope = user_scope(user)
    if scope.kind == DataScope.ALL:
        return Q()
    if scope.kind == DataScope.SUBTREE and scope.unit_path:
        return Q(**{f"{unit_field}__path__startswith": scope.unit_path}) | Q(**{owner_field: scope.user_id})
    if scope.kind == DataScope.UNIT and scope.unit_id:
        return Q(**{f"{unit_field}_id": scope.unit_id}) | Q(**{owner_field: scope.user_id})
    if scope.kind == DataScope.OWN_AND_SUBORDINATES:
        return Q(**{f"{owner_field}_id__in": [scope.user_id, *scope.subordinate_ids]})
    return Q(**{f"{owner_field}_id": scope.user_id})


def unit_subtree(unit: OrgUnit):
    return OrgUnit.objects.filter(path__startswith=unit.path)


def users_with_role(role_code: str, *, unit: OrgUnit | None = None):
    qs = User.objects.filter(is_active=True, roles__code=role_code)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.distinct()
