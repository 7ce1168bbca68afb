"""Reads of the customer archive. Every list and every single read goes through the actor's data scope."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from kehu.core.errors import ScopeError
from kehu.customers.models import (
    ArchiveEvent,
    Attachment,
    Contact,
    Customer,
    CustomerRead,
    InvoicingProfile,
    Qualification,
)
from kehu.customers.validators import normalize_phone
from kehu.org.models import User
from kehu.org.selectors import scope_q

_ASCII_LETTERS = re.compile(r"^[a-zA-Z]+$")
_DIGITS = re.compile(r"^[\d\-+]+$")
_USCC_LIKE = re.compile(r"^[0-9A-Z]{15,18}$")
_CJK = re.compile(r"[\u3400-\u9fff]")

# Extra visibility (time-limited access grants, issue 5) plugs in here without touching every selector.
_EXTRA_VISIBILITY: list = []


def register_visibility(fn) -> None:
    """fn(actor) -> Q over Customer that widens what the actor may read (e.g. an approved access request)."""
    _EXTRA_VISIBILITY.append(fn)


def customer_scope_q(actor: User) -> Q:
    return scope_q(actor, owner_field="owner", unit_field="unit")


def customer_visible_q(actor: User) -> Q:
    q = customer_scope_q(actor)
    for fn in _EXTRA_VISIBILITY:
        q |= fn(actor)
    return q


def customer_queryset_for_actor(actor: User) -> QuerySet[Customer]:
    return Customer.objects.filter(customer_visible_q(actor))


def customer_get_for_actor(*, actor: User, pk: int, for_update: bool = False) -> Customer:
    """One customer, or ScopeError (shown as 404) when it does not exist or lies outside the actor's scope."""
    qs = Customer.objects.filter(customer_visible_q(actor)) if not for_update else Customer.objects.filter(
        customer_scope_q(actor)
    )
    if for_update:
        # Lock only the customer row (not the joined owner/unit rows, which may be NULL).
        qs = qs.select_for_update(of=("self",))
    customer = qs.filter(pk=pk).select_related("owner", "unit", "region").first()
    if customer is None:
        raise ScopeError("客户不存在，或不在您的管理范围内。")
    return customer


def search_filter(query: str) -> Q:
    """One box: name or short name substring, full pinyin, pinyin initials, credit code, customer code, phone."""
    q = (query or "").strip()
    if not q:
        return Q()
    if _CJK.search(q):
        return Q(name__contains=q) | Q(short_name__contains=q)
    upper = q.upper()
    if _USCC_LIKE.match(upper) and any(ch.isdigit() for ch in upper) and any(ch.isalpha() for ch in upper):
        return Q(uscc__startswith=upper) | Q(code__iexact=q)
    if _DIGITS.match(q):
        phone = normalize_phone(q)
        digits_q = Q(code__contains=q) | Q(uscc__startswith=upper)
        if len(phone) >= 7:
            digits_q |= Exists(Contact.objects.filter(customer=OuterRef("pk"), mobile__startswith=phone))
            digits_q |= Exists(Contact.objects.filter(customer=OuterRef("pk"), phone__contains=phone))
        return digits_q
    if _ASCII_LETTERS.match(q):
        low = q.lower()
        return (
            Q(name_initials__contains=low) | Q(name_pinyin__contains=low) | Q(code__iexact=q)
            | Q(name__icontains=q)
        )
    return Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q)


@dataclass
class CustomerFilters:
    query: str = ""
    status: str = ""
    owner_id: int | None = None
    unit_id: int | None = None
    classification: dict[str, str] = field(default_factory=dict)


def customer_list(*, actor: User, filters: CustomerFilters | None = None) -> QuerySet[Customer]:
    filters = filters or CustomerFilters()
    qs = customer_queryset_for_actor(actor)
    if filters.query:
        qs = qs.filter(search_filter(filters.query))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.unit_id:
        from kehu.org.models import OrgUnit

        path = OrgUnit.objects.filter(pk=filters.unit_id).values_list("path", flat=True).first()
        qs = qs.filter(unit__path__startswith=path) if path else qs.none()
    for dim, value in filters.classification.items():
        if value:
            qs = qs.filter(**{f"classifications__{dim}": value})
    return qs.select_related("owner", "unit").order_by("code")


MASK = "****"


def mask_mobile(value: str) -> str:
    if not value:
        return value
    return value[:3] + MASK + value[-4:] if len(value) >= 8 else MASK


def mask_id_number(value: str) -> str:
    if not value:
        return value
    return value[:3] + "*" * max(len(value) - 7, 4) + value[-4:] if len(value) > 7 else MASK


def can_view_personal_data(actor: User) -> bool:
    return actor.has_perm("customers.view_personal_data")


def contact_masked_values(actor: User, contact: Contact) -> dict[str, str]:
    """What the actor may see of a contact's personal data."""
    if can_view_personal_data(actor):
        return {"mobile": contact.mobile, "phone": contact.phone, "id_number": contact.id_number}
    return {
        "mobile": mask_mobile(contact.mobile),
        "phone": mask_mobile(contact.phone),
        "id_number": mask_id_number(contact.id_number),
    }


def customer_reads(*, actor: User, customer: Customer, limit: int = 200) -> QuerySet[CustomerRead]:
    from kehu.core.errors import ForbiddenError

    if not actor.has_perm("customers.view_read_log"):
        raise ForbiddenError("您没有查看查阅记录的权限。")
    return CustomerRead.objects.filter(customer=customer).select_related("user").order_by("-at")[:limit]


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    what: str  # e.g. 客户, 联系人 张三
    action: str  # 新建 / 修改 / 删除 / event kind
    reason: str
    changes: tuple[FieldChange, ...] = ()


_ACTIONS = {"+": "新建", "~": "修改", "-": "删除"}
_SKIP_FIELDS = {"id", "history_id", "history_date", "history_change_reason", "history_type", "history_user",
                "history_user_id", "history_relation", "customer", "customer_id", "file"}


def _display(field, value):
    if value is None or value == "":
        return "（空）"
    if getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _timeline_for(model, records, label_fn) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    previous: dict[int, Any] = {}
    fields = [f for f in model._meta.fields if f.attname not in _SKIP_FIELDS and f.name not in _SKIP_FIELDS]
    users = {}
    for rec in records:
        prev = previous.get(rec.id)
        changes: list[FieldChange] = []
        if rec.history_type == "~" and prev is not None:
            for f in fields:
                old, new = getattr(prev, f.attname, None), getattr(rec, f.attname, None)
                if old != new:
                    changes.append(FieldChange(f.name, str(f.verbose_name), _display(f, old), _display(f, new)))
            if not changes:
                previous[rec.id] = rec
                continue
        elif rec.history_type == "+":
            for f in fields:
                new = getattr(rec, f.attname, None)
                if new not in (None, "", False, {}):
                    changes.append(FieldChange(f.name, str(f.verbose_name), None, _display(f, new)))
        previous[rec.id] = rec
        user = rec.history_user
        users[rec.history_user_id] = user
        entries.append(
            TimelineEntry(
                at=rec.history_date, actor=str(user) if user else "系统", what=label_fn(rec),
                action=_ACTIONS.get(rec.history_type, rec.history_type), reason=rec.history_change_reason or "",
                changes=tuple(changes),
            )
        )
    return entries


def customer_timeline(*, customer: Customer) -> list[TimelineEntry]:
    """The archive's whole history, newest first, in a fixed number of queries whatever its length."""
    specs = [
        (Customer, Customer.history.filter(id=customer.pk), lambda r: "客户档案"),
        (Contact, Contact.history.filter(customer_id=customer.pk), lambda r: f"联系人 {r.name}"),
        (Qualification, Qualification.history.filter(customer_id=customer.pk),
         lambda r: f"资质 {dict(Qualification._meta.get_field('licence_type').flatchoices).get(r.licence_type)}"),
        (InvoicingProfile, InvoicingProfile.history.filter(customer_id=customer.pk), lambda r: "开票资料"),
        (Attachment, Attachment.history.filter(customer_id=customer.pk), lambda r: f"附件 {r.title}"),
    ]
    entries: list[TimelineEntry] = []
    for model, qs, label in specs:
        records = qs.select_related("history_user").order_by("history_date", "history_id")
        entries.extend(_timeline_for(model, records, label))
    for ev in ArchiveEvent.objects.filter(customer=customer).select_related("actor"):
        entries.append(
            TimelineEntry(at=ev.at, actor=str(ev.actor) if ev.actor else "系统", what="业务事件",
                          action=ev.summary, reason=ev.reason)
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
