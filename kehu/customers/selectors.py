"""Reads of the customer archive. Every list and every single read goes through the actor's data scope."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import F, Func, Lookup, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Contains
from pypinyin import Style, pinyin

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
_CODE_LIKE = re.compile(r"^[A-Za-z]{1,4}\d{4,}$")

# Extra visibility (time-limited access grants, issue 5) plugs in here without touching every selector.
_EXTRA_VISIBILITY: list = []


def register_visibility(fn) -> None:
    """fn(actor) -> Q over Customer that widens what the actor may read (e.g. an approved access request)."""
    _EXTRA_VISIBILITY.append(fn)


def customer_scope_q(actor: User) -> Q:
    return scope_q(actor, owner_field="owner", unit_field="unit")


def customer_visible_q(actor: User) -> Q:
    q = customer_scope_q(actor)
    if not q:
        # Scope "all" is the empty Q (every row); OR-ing another Q onto it would collapse to that Q alone.
        return q
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


# --- one-box search -------------------------------------------------------------------------------------
# Trigram indexes (PostgreSQL pg_trgm GIN, SQLite FTS5 trigram; migration customers 0002) need ≥3 characters.
# Shorter Chinese queries are narrowed through the indexed pinyin key first (腾讯 → "tengxun", every reading of
# each character) and then checked against the names themselves, so they never scan a million rows.
_TRIGRAM_MIN = 3
_MAX_PINYIN_VARIANTS = 16
_MAX_PHONE_MATCHES = 500
_FTS_TABLE = "customers_customer_fts"
_FTS_TEXT_COLUMNS = ("name", "short_name")


class _ILike(Lookup):
    """Case-insensitive LIKE that PostgreSQL serves from a gin_trgm_ops index (Django's icontains uses UPPER())."""

    lookup_name = "kehu_ilike"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        op = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
        return f"{lhs} {op} {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains_q(field_name: str, value: str, *, ci: bool = False) -> Q:
    """Substring match. Case-sensitive LIKE where case cannot matter (Chinese, the lower-case pinyin keys):
    PostgreSQL estimates LIKE far better than ILIKE, and a bad estimate makes it walk the code index for
    ORDER BY code LIMIT 50 instead of using the trigram index (seen: 1.4 s instead of 30 ms)."""
    if ci:
        return Q(_ILike(F(field_name), f"%{_like_escape(value)}%"))
    return Q(**{f"{field_name}__contains": value})


def _prefix_q(field_name: str, value: str) -> Q:
    """Prefix match that uses a btree: PostgreSQL has Django's varchar_pattern_ops `_like` indexes for LIKE 'x%';
    SQLite's LIKE is case-insensitive and cannot use a BINARY index, so ask for the equivalent range."""
    if connection.vendor == "sqlite":
        return Q(**{f"{field_name}__gte": value, f"{field_name}__lt": value + "\U0010ffff"})
    return Q(**{f"{field_name}__startswith": value})


def _fts_q(columns: tuple[str, ...], value: str) -> Q:
    """SQLite: rows whose columns contain `value` (≥3 characters), answered by the FTS5 trigram table."""
    _sqlite_fts_ensure()
    phrase = '"' + value.replace('"', '""') + '"'
    match = "{" + " ".join(columns) + "} : " + phrase
    # The table name is a constant and the user's text travels as a bound parameter.
    sql = f"SELECT rowid FROM {_FTS_TABLE} WHERE {_FTS_TABLE} MATCH %s"  # noqa: S608
    return Q(pk__in=RawSQL(sql, [match]))  # noqa: S611


def _text_q(columns: tuple[str, ...], value: str, *, ci: bool = False) -> Q:
    """Any of `columns` contains `value`, through the trigram index when it can (FTS5 trigram is
    case-insensitive anyway)."""
    if connection.vendor == "sqlite" and len(value) >= _TRIGRAM_MIN:
        return _fts_q(columns, value)
    result = Q()
    for col in columns:
        result |= _contains_q(col, value, ci=ci)
    return result


@lru_cache(maxsize=4096)
def _char_readings(ch: str) -> tuple[str, ...]:
    readings = pinyin(ch, style=Style.NORMAL, heteronym=True, errors=lambda s: list(s))
    return tuple(dict.fromkeys(r.lower() for r in (readings[0] if readings else [ch]) if r)) or (ch,)


def _pinyin_variants(text: str) -> list[str] | None:
    """Every pinyin spelling the name key may hold for `text` (polyphones: 行 → xing/hang), or None if too many."""
    variants = [""]
    for ch in text:
        if not ch.isalnum():
            continue
        readings = _char_readings(ch) if _CJK.match(ch) else (ch.lower(),)
        variants = [v + r for v in variants for r in readings]
        if len(variants) > _MAX_PINYIN_VARIANTS:
            return None
    return variants


def _chinese_q(value: str) -> Q:
    names = _text_q(_FTS_TEXT_COLUMNS, value)
    if len(value) >= _TRIGRAM_MIN or " " in value:
        return names
    if connection.vendor == "postgresql":
        # 1–2 characters: pg_trgm cannot answer LIKE '%腾讯%'. The bigram index (customers 0003) holds every
        # adjacent pair as a word: " 腾讯 " for two characters, a word start " 腾" for one. Exact, no recheck.
        bigrams = Func(F("name"), F("short_name"), function="kehu_cjk_bigrams", output_field=TextField())
        return Q(Contains(bigrams, f" {value} " if len(value) == 2 else f" {value}"))
    # SQLite, 1–2 characters: FTS5 trigram cannot answer them either. Narrow through the pinyin key (indexed,
    # "tengxun" is long enough), then keep the rows whose names really contain the characters.
    variants = _pinyin_variants(value)
    if not variants or any(len(v) < _TRIGRAM_MIN for v in variants):
        return names  # rare (e.g. 额 → "e"): the plain scan
    narrowed = Q()
    for v in variants:
        narrowed |= _text_q(("name_pinyin",), v)
    return narrowed & names


def _code_q(value: str) -> Q:
    return Q(code__in=sorted({value, value.upper()}))


def search_filter(query: str, *, include_phones: bool = True) -> Q:
    """One box: name or short name substring, full pinyin, pinyin initials, credit code, customer code, phone.

    Every path is answered from an index on PostgreSQL and on SQLite (see migration customers 0002).
    `include_phones=False` for users who may not see personal data, so a search cannot probe whose number it is.
    """
    q = unicodedata.normalize("NFKC", query or "").strip()
    q = re.sub(r"\s+", " ", q)
    if not q:
        return Q()
    if _CJK.search(q):
        return _chinese_q(q)
    upper = q.upper()
    compact = q.replace(" ", "")
    if _USCC_LIKE.match(upper) and any(ch.isdigit() for ch in upper) and any(ch.isalpha() for ch in upper):
        # A credit code (or its first 15–17 characters) or a customer code.
        found = Q(uscc=upper) if len(upper) == 18 else _prefix_q("uscc", upper)
        return found | _code_q(q)
    if _DIGITS.match(compact):
        phone = normalize_phone(compact)
        digits = re.sub(r"\D", "", phone)
        found = _code_q(q) | _prefix_q("uscc", upper)
        if len(digits) >= _TRIGRAM_MIN:
            found |= _text_q(("code",), digits)
        if include_phones and len(digits) >= 7:
            # Resolved to ids first: an EXISTS inside an OR would make both databases scan every customer.
            ids = list(
                Contact.objects.filter(_prefix_q("mobile", digits) | Q(phone__in=sorted({phone, compact})))
                .values_list("customer_id", flat=True).distinct()[:_MAX_PHONE_MATCHES]
            )
            if ids:
                found |= Q(pk__in=ids)
        return found
    if _ASCII_LETTERS.match(compact):
        low = compact.lower()
        found = _code_q(q) | _text_q(("name_initials", "name_pinyin"), low)
        if len(compact) >= _TRIGRAM_MIN:
            found |= _text_q(_FTS_TEXT_COLUMNS, upper)  # Latin letters in names are upper case (TCL科技)
        return found
    if _CODE_LIKE.match(compact):
        # KH00001234 / kh0000123: a customer code or its start (btree), not a name.
        return _code_q(q) | _prefix_q("code", upper)
    # Other letters and digits (ABC1化工 → "abc1"): a name substring, or a customer code or its start.
    return _text_q(_FTS_TEXT_COLUMNS, q, ci=True) | _code_q(q) | _prefix_q("code", upper)


def customer_count_bounded(qs: QuerySet, limit: int = 1000) -> tuple[int, bool]:
    """(count, more): counts at most `limit` rows, so a list page never counts a million.

    The UI shows `1000+` when `more` is true.
    """
    n = qs.order_by()[: limit + 1].count()
    return min(n, limit), n > limit


_fts_checked = False


def _sqlite_fts_ensure() -> None:
    """Re-create the FTS5 sync triggers if a later SQLite table rebuild (ALTER via Django's table remake)
    dropped them, and rebuild the index so that search never silently misses rows. Once per process."""
    global _fts_checked
    if _fts_checked or connection.vendor != "sqlite":
        return
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE 'customers_customer_fts_%'"
        )
        (n,) = cur.fetchone()
        if n < 3:
            import importlib

            mig = importlib.import_module("kehu.customers.migrations.0002_search_indexes")
            for sql in mig.SQLITE_FORWARD:
                cur.execute(sql)
    _fts_checked = True


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
        qs = qs.filter(search_filter(filters.query, include_phones=can_view_personal_data(actor)))
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


_PERSONAL_FIELDS = {"mobile", "phone", "id_number"}


def _masked(field_name: str, value):
    if value in (None, "（空）") or field_name not in _PERSONAL_FIELDS:
        return value
    return mask_id_number(str(value)) if field_name == "id_number" else mask_mobile(str(value))


def _timeline_for(model, records, label_fn, *, mask: bool = False) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    previous: dict[int, Any] = {}
    fields = [f for f in model._meta.fields if f.attname not in _SKIP_FIELDS and f.name not in _SKIP_FIELDS]
    for rec in records:
        prev = previous.get(rec.id)
        changes: list[FieldChange] = []
        if rec.history_type == "~" and prev is not None:
            for f in fields:
                old, new = getattr(prev, f.attname, None), getattr(rec, f.attname, None)
                if old != new:
                    old_shown, new_shown = _display(f, old), _display(f, new)
                    if mask:
                        old_shown, new_shown = _masked(f.name, old_shown), _masked(f.name, new_shown)
                    changes.append(FieldChange(f.name, str(f.verbose_name), old_shown, new_shown))
            if not changes:
                previous[rec.id] = rec
                continue
        elif rec.history_type == "+":
            for f in fields:
                new = getattr(rec, f.attname, None)
                if new not in (None, "", False, {}):
                    shown = _masked(f.name, _display(f, new)) if mask else _display(f, new)
                    changes.append(FieldChange(f.name, str(f.verbose_name), None, shown))
        previous[rec.id] = rec
        user = rec.history_user
        entries.append(
            TimelineEntry(
                at=rec.history_date, actor=str(user) if user else "系统", what=label_fn(rec),
                action=_ACTIONS.get(rec.history_type, rec.history_type), reason=rec.history_change_reason or "",
                changes=tuple(changes),
            )
        )
    return entries


def customer_timeline(*, customer: Customer, actor: User | None = None) -> list[TimelineEntry]:
    """The archive's whole history, newest first, in a fixed number of queries whatever its length.

    With an actor who may not see personal data, contacts' phones and ID numbers are masked in the changes too."""
    mask = actor is not None and not can_view_personal_data(actor)
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
        entries.extend(_timeline_for(model, records, label, mask=mask and model is Contact))
    for ev in ArchiveEvent.objects.filter(customer=customer).select_related("actor"):
        entries.append(
            TimelineEntry(at=ev.at, actor=str(ev.actor) if ev.actor else "系统", what="业务事件",
                          action=ev.summary, reason=ev.reason)
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
