"""The audit trail as one time-ordered stream: archive (and every other) history, read log, archive events and
earlier exports of the trail, filtered by date range, customer and acting user.

Memory stays flat at any size: each source is read with a server-side cursor, changes are computed against the
previous version fetched per chunk (one query per 2,000 rows), and the sources are merged by time.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from kehu.audit.retention import AuditSource, audit_sources
from kehu.core.permissions import require_perm
from kehu.customers.models import Customer, ReadChannel
from kehu.customers.selectors import _SKIP_FIELDS, _display, _masked

CHUNK = 2000
KINDS = {"history": "修改记录", "read": "查阅记录", "event": "档案事件", "export": "审计导出"}
_HISTORY_ACTIONS = {"+": "新建", "~": "修改", "-": "删除"}
_CHANGES_MAX = 2000


@dataclass(frozen=True)
class AuditFilter:
    date_from: date
    date_to: date  # inclusive
    customer: Customer | None = None
    user_id: int | None = None
    kinds: tuple[str, ...] = tuple(KINDS)
    # The moment the export was asked for: rows written after it (the export's own record) are left out, so the
    # recorded row count is what the file holds.
    until: datetime | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        start = timezone.make_aware(datetime.combine(self.date_from, time.min))
        end = timezone.make_aware(datetime.combine(self.date_to + timedelta(days=1), time.min))
        return start, min(end, self.until) if self.until else end


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    kind: str
    record: str  # e.g. 联系人 #12
    action: str
    customer_code: str
    customer_name: str
    user_id: int | None
    username: str
    changes: str
    reason: str


def _customer_field(model) -> str | None:
    names = {f.name for f in model._meta.fields}
    if getattr(model, "instance_type", None) is Customer:
        return "id"
    return "customer" if "customer" in names else None


def _source_queryset(source: AuditSource, flt: AuditFilter) -> QuerySet | None:
    model = source.model
    start, end = flt.bounds
    qs = model._default_manager.filter(**{f"{source.time_field}__gte": start, f"{source.time_field}__lt": end})
    cust = _customer_field(model) if source.kind == "history" else "customer"
    if flt.customer is not None:
        if cust is None:
            return None
        qs = qs.filter(**{"id" if cust == "id" else "customer_id": flt.customer.pk})
    if flt.user_id is not None:
        qs = qs.filter(**{f"{source.user_field}_id": flt.user_id})
    return qs


def _sources(flt: AuditFilter) -> list[tuple[AuditSource, QuerySet]]:
    out = []
    for source in audit_sources():
        if source.kind not in flt.kinds:
            continue
        qs = _source_queryset(source, flt)
        if qs is not None:
            out.append((source, qs))
    return out


def audit_trail_count(flt: AuditFilter) -> int:
    return sum(qs.count() for _, qs in _sources(flt))


def _changes(model, rec, prev) -> str:
    fields = [f for f in model._meta.fields if f.attname not in _SKIP_FIELDS and f.name not in _SKIP_FIELDS]
    parts = []
    for f in fields:
        new = getattr(rec, f.attname, None)
        if rec.history_type == "~":
            if prev is None:
                continue
            old = getattr(prev, f.attname, None)
            if old == new:
                continue
            parts.append(f"{f.verbose_name}: {_masked(f.name, _display(f, old))} → {_masked(f.name, _display(f, new))}")
        elif rec.history_type == "+" and new not in (None, "", False, {}, []):
            parts.append(f"{f.verbose_name}: {_masked(f.name, _display(f, new))}")
    text = "；".join(str(p) for p in parts)
    return text if len(text) <= _CHANGES_MAX else text[: _CHANGES_MAX - 1] + "…"


def _history_rows(source: AuditSource, qs: QuerySet) -> Iterator[AuditRow]:
    model = source.model
    instance_model = model.instance_type
    label = str(instance_model._meta.verbose_name)
    previous = model._default_manager.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
    qs = qs.annotate(prev_history_id=Subquery(previous.order_by("-history_id").values("history_id")[:1]))
    cust = _customer_field(model)
    if cust == "customer":
        customers = Customer.objects.filter(pk=OuterRef("customer_id"))
        qs = qs.annotate(c_code=Subquery(customers.values("code")[:1]), c_name=Subquery(customers.values("name")[:1]))
    qs = qs.select_related("history_user").order_by("history_date", "history_id")
    chunk: list = []

    def flush(records: list) -> Iterator[AuditRow]:
        prev_ids = [r.prev_history_id for r in records if r.prev_history_id]
        prevs = {p.history_id: p for p in model._default_manager.filter(history_id__in=prev_ids)}
        for rec in records:
            if cust == "id":
                code, name = rec.code, rec.name
            elif cust == "customer":
                code, name = rec.c_code or "", rec.c_name or ""
            else:
                code = name = ""
            user = rec.history_user
            yield AuditRow(
                at=rec.history_date, kind=KINDS["history"], record=f"{label} #{rec.id}",
                action=_HISTORY_ACTIONS.get(rec.history_type, rec.history_type), customer_code=code,
                customer_name=name, user_id=rec.history_user_id, username=user.username if user else "",
                changes=_changes(model, rec, prevs.get(rec.prev_history_id)),
                reason=rec.history_change_reason or "",
            )

    for rec in qs.iterator(chunk_size=CHUNK):
        chunk.append(rec)
        if len(chunk) >= CHUNK:
            yield from flush(chunk)
            chunk = []
    if chunk:
        yield from flush(chunk)


def _read_rows(qs: QuerySet) -> Iterator[AuditRow]:
    channels = dict(ReadChannel.choices)
    for r in qs.select_related("user", "customer").order_by("at", "id").iterator(chunk_size=CHUNK):
        yield AuditRow(at=r.at, kind=KINDS["read"], record=f"查阅记录 #{r.pk}",
                       action=f"查阅（{channels.get(r.channel, r.channel)}）", customer_code=r.customer.code,
                       customer_name=r.customer.name, user_id=r.user_id, username=r.user.username, changes="",
                       reason="")


def _event_rows(qs: QuerySet) -> Iterator[AuditRow]:
    for e in qs.select_related("actor", "customer").order_by("at", "id").iterator(chunk_size=CHUNK):
        yield AuditRow(at=e.at, kind=KINDS["event"], record=f"档案事件 #{e.pk}", action=e.kind,
                       customer_code=e.customer.code, customer_name=e.customer.name, user_id=e.actor_id,
                       username=e.actor.username if e.actor else "", changes=e.summary, reason=e.reason)


def _export_rows(qs: QuerySet) -> Iterator[AuditRow]:
    for x in qs.select_related("actor", "customer", "user").order_by("at", "id").iterator(chunk_size=CHUNK):
        what = [f"{x.date_from}～{x.date_to}", "、".join(KINDS.get(k, k) for k in x.kinds),
                x.get_file_format_display(), f"{x.row_count} 行"]
        if x.user_id:
            what.append(f"操作人 {x.user.username}")
        yield AuditRow(at=x.at, kind=KINDS["export"], record=f"审计导出 #{x.pk}", action="导出审计记录",
                       customer_code=x.customer.code if x.customer_id else "",
                       customer_name=x.customer.name if x.customer_id else "", user_id=x.actor_id,
                       username=x.actor.username, changes="；".join(what), reason="")


def audit_trail(*, actor, flt: AuditFilter) -> Iterator[AuditRow]:
    """The filtered trail, oldest first. Needs the audit export permission."""
    require_perm(actor, "audit.export_audit_trail", "您没有导出审计记录的权限。")
    streams = []
    for source, qs in _sources(flt):
        if source.kind == "history":
            streams.append(_history_rows(source, qs))
        elif source.kind == "read":
            streams.append(_read_rows(qs))
        elif source.kind == "event":
            streams.append(_event_rows(qs))
        else:
            streams.append(_export_rows(qs))
    return heapq.merge(*streams, key=lambda r: r.at)
