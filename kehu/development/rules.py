"""What the packs say about development for a unit: which pack governs the unit, its plan rule and targets, the
survey months and the shared pool's figures (administrator values resolved). Periods and due dates."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings

from kehu.org.models import DataScope, OrgUnit, User
from kehu.org.selectors import user_scope
from kehu.policy.engine.development import Development, SharedPoolRule
from kehu.workdays.calendar import SHANGHAI

logger = logging.getLogger(__name__)


# ----- which pack governs a unit ---------------------------------------------------------------------------------


def _regulations() -> list[tuple[str, str]]:
    """(unit path, pack name), longest path first: the nearest mapped ancestor decides."""
    from kehu.development.models import UnitRegulation

    rows = UnitRegulation.objects.values_list("unit__path", "pack_name")
    return sorted(rows, key=lambda r: len(r[0]), reverse=True)


def _pick(path: str | None, regulations: list[tuple[str, str]]) -> str:
    if path:
        for prefix, pack_name in regulations:
            if path.startswith(prefix):
                return pack_name
    return settings.KEHU_DEFAULT_PACK


def pack_name_for_unit(unit: OrgUnit | None) -> str:
    return _pick(unit.path if unit else None, _regulations())


def pack_names_for_units(unit_ids: Iterable[int | None]) -> dict[int | None, str]:
    """Unit id → pack name for many units in two queries (units are few; customers are many)."""
    ids = {u for u in unit_ids if u is not None}
    regulations = _regulations()
    paths = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "path"))
    out: dict[int | None, str] = {uid: _pick(paths.get(uid), regulations) for uid in ids}
    out[None] = settings.KEHU_DEFAULT_PACK
    return out


def units_by_pack() -> dict[str, list[int]]:
    """Every unit's id grouped by the pack that governs it (one pass over the org tree)."""
    regulations = _regulations()
    out: dict[str, list[int]] = {}
    for uid, path in OrgUnit.objects.values_list("pk", "path"):
        out.setdefault(_pick(path, regulations), []).append(uid)
    return out


def development_rules(pack_name: str) -> Development | None:
    """The pack's `development` section, or None when the pack has none or cannot be loaded."""
    from kehu.policy.selectors import pack_get

    try:
        return pack_get(pack_name).development
    except Exception:  # a broken or missing pack must not stop the pages; the pack page reports the error
        logger.exception("policy pack %s could not be loaded for development rules", pack_name)
        return None


@dataclass(frozen=True)
class PoolFigures:
    """The shared pool's figures for one pack; None = not set by the administrator (that rule does not apply)."""

    pack_name: str
    rule: SharedPoolRule | None
    days_without_follow_up: int | None
    reminder_days_before: int | None
    claim_cap: int | None
    claim_cap_period: str
    reclaim_wait_days: int | None

    @property
    def article(self) -> str:
        return f"{self.pack_name} {self.rule.citation.article}" if self.rule else ""

    @property
    def releases(self) -> bool:
        return bool(self.days_without_follow_up and self.days_without_follow_up > 0)

    def key(self, figure: str) -> str:
        from kehu.policy.engine.model import AdminValue

        value = getattr(self.rule, figure, None) if self.rule else None
        return value.key if isinstance(value, AdminValue) else ""


def pool_figures(pack_name: str) -> PoolFigures:
    from kehu.policy.selectors import admin_values_for

    dev = development_rules(pack_name)
    rule = dev.shared_pool if dev else None
    if rule is None:
        return PoolFigures(pack_name, None, None, None, None, "month", None)
    values = rule.resolve(admin_values_for(pack_name))
    return PoolFigures(pack_name, rule, values["days_without_follow_up"], values["reminder_days_before"],
                       values["claim_cap"], rule.claim_cap_period, values["reclaim_wait_days"])


# ----- who manages which units -----------------------------------------------------------------------------------


def manages_unit(actor: User, unit: OrgUnit) -> bool:
    """The actor's data scope covers the whole unit: 全部, or the unit lies in (or is) the actor's own unit subtree
    (本单位: the unit itself)."""
    scope = user_scope(actor)
    if scope.kind == DataScope.ALL:
        return True
    if scope.kind == DataScope.SUBTREE and scope.unit_path:
        return unit.path.startswith(scope.unit_path)
    if scope.kind == DataScope.UNIT:
        return scope.unit_id == unit.pk
    return False


def ancestor_ids(unit: OrgUnit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


# ----- periods ---------------------------------------------------------------------------------------------------


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def period_bounds(kind: str, d: date) -> tuple[date, date]:
    """(first day, last day) of the month or quarter containing `d`."""
    if kind == "quarter":
        start = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
        return start, month_end(add_months(start, 2))
    if kind == "week":
        start = d - timedelta(days=d.weekday())
        return start, start + timedelta(days=6)
    start = month_start(d)
    return start, month_end(start)


def plan_due_on(dev: Development, period_start: date) -> date | None:
    """002 6.5.3: the plan for a month is due on the 25th of the month before."""
    if dev.plan is None or dev.plan.due is None:
        return None
    month = add_months(period_start, dev.plan.due.month_offset)
    return month.replace(day=dev.plan.due.day_of_month)


def survey_round(dev: Development, d: date) -> tuple[int, int, date] | None:
    """(year, month, due date) of the survey round that `d` falls in: the next survey month (002 6.5.1: July for
    January–July, December for August–December), due on that month's last day."""
    if dev.survey is None:
        return None
    for month in dev.survey.months:
        if d.month <= month:
            return d.year, month, month_end(date(d.year, month, 1))
    month = dev.survey.months[0]
    return d.year + 1, month, month_end(date(d.year + 1, month, 1))


def day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=SHANGHAI)
