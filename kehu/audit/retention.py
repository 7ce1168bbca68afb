"""Audit records are kept at least six months and cannot be edited or deleted (MLPS 2.0 level 2: 审计记录应受到保护，
避免受到未预期的删除、修改或覆盖；网络安全法第二十一条: 留存相关的网络日志不少于六个月).

Audit records are: every django-simple-history table (archive history, policy history, any app's), the archive
read log (`CustomerRead`), archive events (`ArchiveEvent`) and the exports of the trail (`AuditExport`).

- Through the ORM, a saved audit row cannot be updated, and a row cannot be deleted (directly or by a cascade,
  e.g. deleting a customer that has reads) — `AuditRecordProtected`. Only `audit_prune` deletes, and only rows
  older than the retention period.
- In the Django admin every audit model is read-only: no change, no delete, no bulk delete action.
- `KEHU_AUDIT_RETENTION_MONTHS` (default 12, a full yearly review cycle) may not be set below 6: a system check
  refuses to start, and the pruning job refuses a date inside the period whatever the setting says.
"""

from __future__ import annotations

import calendar
import contextvars
import functools
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import models, transaction
from django.db.models.signals import pre_delete, pre_save
from django.utils import timezone
from simple_history.models import HistoricalChanges

MINIMUM_RETENTION_MONTHS = 6
PRUNE_BATCH = 5000
DEFAULT_RETENTION_MONTHS = 12


class AuditRecordProtected(Exception):
    """An audit row was about to be changed or deleted inside the retention period."""


@dataclass(frozen=True)
class AuditSource:
    model: type[models.Model]
    time_field: str
    user_field: str | None  # who acted
    kind: str  # history / read / event / export


def _is_history(model: type[models.Model]) -> bool:
    return issubclass(model, HistoricalChanges) and hasattr(model, "instance_type")


def audit_sources() -> list[AuditSource]:
    """Every model whose rows are audit records, in a stable order (history tables first, by app and name)."""
    from kehu.audit.models import AuditExport
    from kehu.customers.models import ArchiveEvent, CustomerRead

    history = sorted((m for m in apps.get_models() if _is_history(m)),
                     key=lambda m: (m._meta.app_label != "customers", m._meta.app_label, m._meta.model_name))
    out = [AuditSource(m, "history_date", "history_user", "history") for m in history]
    out += [AuditSource(CustomerRead, "at", "user", "read"), AuditSource(ArchiveEvent, "at", "actor", "event"),
            AuditSource(AuditExport, "at", "actor", "export")]
    return out


def audit_models() -> set[type[models.Model]]:
    return {s.model for s in audit_sources()}


# ---------------------------------------------------------------------------------------------- period
def retention_months() -> int:
    return int(getattr(settings, "KEHU_AUDIT_RETENTION_MONTHS", DEFAULT_RETENTION_MONTHS))


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def retention_cutoff(today: date | None = None) -> date:
    """Records from this day on are inside the retention period; only older ones may ever be pruned."""
    months = max(retention_months(), MINIMUM_RETENTION_MONTHS)
    return months_before(today or timezone.localdate(), months)


def check_retention_setting(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    months = retention_months()
    if months < MINIMUM_RETENTION_MONTHS:
        return [checks.Error(
            f"KEHU_AUDIT_RETENTION_MONTHS={months}: audit records must be kept at least "
            f"{MINIMUM_RETENTION_MONTHS} months (审计记录至少保存六个月).",
            hint=f"Set KEHU_AUDIT_RETENTION_MONTHS to {MINIMUM_RETENTION_MONTHS} or more.", id="audit.E001")]
    return []


# ---------------------------------------------------------------------------------------------- guards
_pruning: contextvars.ContextVar[date | None] = contextvars.ContextVar("kehu_audit_pruning", default=None)


def _row_time(instance: models.Model, field: str) -> date | None:
    value = getattr(instance, field, None)
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _refuse_update(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding:
        return
    raise AuditRecordProtected(
        f"{sender._meta.label} #{instance.pk}: 审计记录不可修改 / audit records cannot be changed")


@functools.cache
def _time_field(model: type[models.Model]) -> str:
    return next(s.time_field for s in audit_sources() if s.model is model)


def _refuse_delete(sender, instance, **kwargs):
    before = _pruning.get()
    time_field = _time_field(sender)
    when = _row_time(instance, time_field)
    if before is not None and when is not None and when < before:
        return
    raise AuditRecordProtected(
        f"{sender._meta.label} #{instance.pk}（{when}）: 审计记录保存期内不可删除（至少 {retention_months()} 个月）"
        f" / audit records cannot be deleted within the retention period")


def connect_guards() -> None:
    for model in audit_models():
        uid = f"kehu-audit-{model._meta.label_lower}"
        pre_save.connect(_refuse_update, sender=model, weak=False, dispatch_uid=f"{uid}-save")
        pre_delete.connect(_refuse_delete, sender=model, weak=False, dispatch_uid=f"{uid}-delete")


class ReadOnlyAuditAdminMixin:
    """What `lock_admin` puts in front of an audit model's ModelAdmin."""

    def has_add_permission(self, request, *args: Any) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class NoDeleteAdminMixin:
    """For a model whose deletion would delete or anonymise audit rows (a customer's read log, who made a change)."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class HistoryViewOnlyMixin:
    """simple-history's admin saves a POSTed old version (a "revert") for anyone who may merely *view* the
    history, past the model's own change permission and the services: its history pages are for reading."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        from django.core.exceptions import PermissionDenied

        if request.method != "GET":
            raise PermissionDenied("历史版本只可查看，不能恢复或修改 / history is read-only")
        return super().history_form_view(request, object_id, version_id, extra_context)


def audit_parents() -> set[type[models.Model]]:
    """Models that audit rows point to with CASCADE or SET_NULL: deleting one would erase or anonymise them
    (a customer takes its read log with it; a deleted user's changes lose their author). Customers are
    disqualified or churned and users deactivated instead."""
    parents = set()
    for model in audit_models():
        for f in model._meta.fields:
            rel = f.remote_field
            if rel is not None and rel.on_delete not in (models.PROTECT, models.RESTRICT, models.DO_NOTHING):
                parents.add(rel.model)
    return parents - audit_models()


def _wrap(site, model, mixin) -> bool:
    model_admin = site._registry.get(model)
    if model_admin is None or isinstance(model_admin, mixin):
        return False
    name = f"{mixin.__name__.removesuffix('Mixin')}{type(model_admin).__name__}"
    cls = type(name, (mixin, type(model_admin)), {"__module__": __name__})
    site._registry[model] = cls(model, site)
    return True


def lock_admin(site=None) -> list[type[models.Model]]:
    """Make every audit model registered in the admin read-only (whoever registered it), and the models whose
    deletion would erase audit rows undeletable there; returns the models changed."""
    from django.contrib import admin

    site = site or admin.site
    changed = [m for m in audit_models() if _wrap(site, m, ReadOnlyAuditAdminMixin)]
    changed += [m for m in audit_parents() if _wrap(site, m, NoDeleteAdminMixin)]
    from simple_history.admin import SimpleHistoryAdmin

    changed += [m for m, a in list(site._registry.items())
                if isinstance(a, SimpleHistoryAdmin) and _wrap(site, m, HistoryViewOnlyMixin)]
    return changed


# ---------------------------------------------------------------------------------------------- prune
def audit_prune(*, before: date | None = None, dry_run: bool = False) -> dict:
    """Delete audit rows older than `before` (default: the start of the retention period). A `before` inside the
    retention period is refused: nothing younger than the period is ever deleted, whatever the caller asks."""
    cutoff = retention_cutoff()
    before = before or cutoff
    if before > cutoff:
        raise AuditRecordProtected(
            f"拒绝清理：{before} 在审计记录保存期内（{retention_months()} 个月，{cutoff} 之后的记录必须保留）"
            f" / refused: {before} is inside the retention period (records from {cutoff} on are kept)")
    bound = timezone.make_aware(datetime.combine(before, time.min))
    counts: dict[str, int] = {}
    token = _pruning.set(before)
    try:
        with transaction.atomic():
            for source in audit_sources():
                manager = source.model._default_manager
                qs = manager.filter(**{f"{source.time_field}__lt": bound})
                if dry_run:
                    counts[source.model._meta.label] = qs.count()
                    continue
                deleted = 0
                # in batches: a delete with signals holds every deleted object in memory
                while pks := list(qs.order_by().values_list("pk", flat=True)[:PRUNE_BATCH]):
                    deleted += manager.filter(pk__in=pks).delete()[0]
                counts[source.model._meta.label] = deleted
    finally:
        _pruning.reset(token)
    return {"before": before.isoformat(), "retention_months": retention_months(), "dry_run": dry_run,
            "deleted": {k: v for k, v in counts.items() if v}}
