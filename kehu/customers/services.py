"""Writes to the customer archive. Each top-level service is one transaction, checks permission and scope,
validates fully, and leaves a history record (who, when, what, why)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from kehu.core.errors import ConflictError, ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import (
    ArchiveEvent,
    Attachment,
    Contact,
    Customer,
    CustomerRead,
    CustomerStatus,
    InvoicingProfile,
    Qualification,
)
from kehu.customers.pinyin import customer_search_keys
from kehu.customers.selectors import customer_get_for_actor, customer_scope_q
from kehu.customers.validators import normalize_phone, normalize_uscc, validate_document_file
from kehu.org.models import User

CUSTOMER_EDITABLE_FIELDS = (
    "name", "short_name", "kind", "uscc", "status", "owner", "unit", "region", "address",
    "is_important", "classifications", "notes",
)
CONTACT_FIELDS = (
    "name", "title", "is_decision_maker", "mobile", "phone", "email", "id_number", "birthday", "preferences", "notes",
)
QUALIFICATION_FIELDS = ("licence_type", "number", "issued_on", "expires_on")
INVOICING_FIELDS = ("bank_name", "bank_account", "address", "phone", "tax_number")


# Called inside the saving transaction after a verified qualification is saved (e.g. the approvals app lifts an
# expiry suspension). Apps register here so the archive does not import them.
_QUALIFICATION_VERIFIED_HOOKS: list = []


def register_qualification_verified_hook(fn) -> None:
    """fn(customer, *, actor) runs after a verified qualification is saved, in the same transaction."""
    _QUALIFICATION_VERIFIED_HOOKS.append(fn)


def _stamp(instance, actor: User | None, reason: str = "") -> None:
    """Tell django-simple-history who made the change and why (the API and CLI have no request)."""
    instance._history_user = actor
    if reason:
        instance._change_reason = reason[:100]


def _full_clean(instance, *, exclude: Iterable[str] = ()) -> None:
    instance.full_clean(exclude=list(exclude), validate_unique=True)


def _next_customer_code() -> str:
    last = Customer.objects.filter(code__startswith="KH").order_by("-code").values_list("code", flat=True).first()
    number = int(last[2:]) + 1 if last and last[2:].isdigit() else 1
    return f"KH{number:08d}"


def _refresh_search_keys(customer: Customer) -> None:
    customer.name_pinyin, customer.name_initials = customer_search_keys(customer.name, customer.short_name)


def archive_event_record(
    *, customer: Customer, actor: User | None, kind: str, summary: str, reason: str = "", data: Mapping | None = None
) -> ArchiveEvent:
    """Other apps put their business events (grade change, approval, complaint …) on the archive timeline."""
    return ArchiveEvent.objects.create(
        customer=customer, actor=actor, kind=kind, summary=summary[:300], reason=reason, data=dict(data or {})
    )


def archive_events_bulk_record(events: Iterable[ArchiveEvent], *, batch_size: int = 2000) -> int:
    created = ArchiveEvent.objects.bulk_create(list(events), batch_size=batch_size)
    return len(created)


def customer_read_record(*, customer: Customer, actor: User, channel: str) -> None:
    CustomerRead.objects.create(customer=customer, user=actor, channel=channel)


def customer_reads_bulk_record(*, customer_ids: Iterable[int], actor: User, channel: str) -> None:
    CustomerRead.objects.bulk_create(
        [CustomerRead(customer_id=cid, user=actor, channel=channel) for cid in customer_ids], batch_size=5000
    )


def _check_important_contacts(customer: Customer, contact_count: int) -> None:
    if customer.is_important and contact_count < 2:
        raise ValidationError(
            {"is_important": "重要客户须至少登记两名联系人（大客户信息管理规定），请先补充联系人。"}
        )


@transaction.atomic
def customer_create(*, actor: User, reason: str = "", **fields: Any) -> Customer:
    require_perm(actor, "customers.add_customer", "您没有新建客户的权限。")
    unknown = set(fields) - set(CUSTOMER_EDITABLE_FIELDS) - {"code"}
    if unknown:
        raise ServiceError(f"未知字段：{', '.join(sorted(unknown))}")
    customer = Customer(**fields)
    if customer.uscc:
        customer.uscc = normalize_uscc(customer.uscc)
    else:
        customer.uscc = None
    if not customer.code:
        customer.code = _next_customer_code()
    if customer.owner_id is None:
        customer.owner = actor
    if customer.unit_id is None:
        customer.unit_id = customer.owner.unit_id if customer.owner else None
    _refresh_search_keys(customer)
    _full_clean(customer)
    _check_important_contacts(customer, 0)
    _stamp(customer, actor, reason or "新建客户档案")
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        raise ValidationError({"uscc": "该统一社会信用代码已被其他客户使用。"}) from exc
    return customer


def _snapshot(customer: Customer, fields: Iterable[str]) -> dict[str, Any]:
    out = {}
    for f in fields:
        field = customer._meta.get_field(f)
        out[f] = getattr(customer, field.attname)
    return out


@transaction.atomic
def customer_update(
    *, actor: User, customer: Customer, expected_version: int, reason: str = "", **changes: Any
) -> Customer:
    """Save changes read at `expected_version`. A stale version raises ConflictError with both versions."""
    unknown = set(changes) - set(CUSTOMER_EDITABLE_FIELDS)
    if unknown:
        raise ServiceError(f"未知字段：{', '.join(sorted(unknown))}")
    current = customer_get_for_actor(actor=actor, pk=customer.pk, for_update=True)
    require_perm(actor, "customers.change_customer", "您没有修改客户档案的权限。")
    if current.version != expected_version:
        raise ConflictError(
            "保存冲突：在您编辑期间，此客户档案已被他人修改。您的修改尚未保存，请对照下方两个版本后重新提交。",
            current=_snapshot(current, CUSTOMER_EDITABLE_FIELDS),
            submitted={k: getattr(v, "pk", v) for k, v in changes.items()},
            current_version=current.version,
        )
    if "uscc" in changes:
        changes["uscc"] = normalize_uscc(changes["uscc"]) or None
    if "status" in changes and changes["status"] != current.status:
        require_perm(actor, "customers.change_status", "客户状态须通过审批流程变更，您不能直接修改。")
    if "owner" in changes and getattr(changes["owner"], "pk", changes["owner"]) != current.owner_id:
        raise ServiceError("更换客户经理请使用“移交”功能，以便记录移交原因。", field="owner")
    for key, value in changes.items():
        setattr(current, key, value)
    _refresh_search_keys(current)
    _full_clean(current)
    _check_important_contacts(current, current.contacts.count())
    current.version = expected_version + 1
    _stamp(current, actor, reason)
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError as exc:
        raise ValidationError({"uscc": "该统一社会信用代码已被其他客户使用。"}) from exc
    return current


def _touch(customer: Customer) -> None:
    """A change to a child is a change to the archive: bump its version so open edit forms see a conflict."""
    Customer.objects.filter(pk=customer.pk).update(version=F("version") + 1, updated_at=timezone.now())


def _child_for_actor(actor: User, model, pk: int):
    obj = model.objects.select_related("customer").get(pk=pk)
    customer_get_for_actor(actor=actor, pk=obj.customer_id)
    return obj


@transaction.atomic
def contact_save(
    *, actor: User, customer: Customer, contact: Contact | None = None, reason: str = "", **fields: Any
) -> Contact:
    customer = customer_get_for_actor(actor=actor, pk=customer.pk, for_update=True)
    require_perm(actor, "customers.change_customer", "您没有修改客户档案的权限。")
    if contact is None:
        contact = Contact(customer=customer)
    elif contact.customer_id != customer.pk:
        raise ServiceError("联系人不属于该客户。")
    for key in CONTACT_FIELDS:
        if key in fields:
            value = fields[key]
            if key in ("mobile", "phone"):
                value = normalize_phone(value or "")
            setattr(contact, key, value if value is not None else ("" if key not in ("birthday",) else None))
    _full_clean(contact)
    _stamp(contact, actor, reason)
    contact.save()
    _touch(customer)
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact_id: int, reason: str = "") -> None:
    contact = _child_for_actor(actor, Contact, contact_id)
    require_perm(actor, "customers.change_customer", "您没有修改客户档案的权限。")
    customer = Customer.objects.select_for_update().get(pk=contact.customer_id)
    remaining = customer.contacts.exclude(pk=contact.pk).count()
    if customer.is_important and remaining < 2:
        raise ServiceError("重要客户须至少保留两名联系人，不能删除。", field="contact")
    _stamp(contact, actor, reason or "删除联系人")
    contact.delete()
    _touch(customer)


@transaction.atomic
def qualification_save(
    *,
    actor: User,
    customer: Customer,
    qualification: Qualification | None = None,
    file=None,
    verified: bool = False,
    reason: str = "",
    **fields: Any,
) -> Qualification:
    customer = customer_get_for_actor(actor=actor, pk=customer.pk, for_update=True)
    require_perm(actor, "customers.change_customer", "您没有修改客户档案的权限。")
    if qualification is None:
        qualification = Qualification(customer=customer)
    elif qualification.customer_id != customer.pk:
        raise ServiceError("资质不属于该客户。")
    for key in QUALIFICATION_FIELDS:
        if key in fields:
            setattr(qualification, key, fields[key])
    errors: dict[str, list[str]] = {}
    if qualification.issued_on and qualification.expires_on and qualification.expires_on < qualification.issued_on:
        errors.setdefault("expires_on", []).append("有效期至不能早于发证日期。")
    if qualification.issued_on and qualification.issued_on > timezone.localdate():
        errors.setdefault("issued_on", []).append("发证日期不能晚于今天。")
    if file is not None:
        try:
            validate_document_file(file, max_bytes=settings.KEHU_MAX_ATTACHMENT_BYTES)
        except ValidationError as exc:
            errors.setdefault("file", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    if file is not None:
        qualification.file = file
    if verified:
        qualification.verified_by = actor
        qualification.verified_at = timezone.now()
    _full_clean(qualification, exclude=["file"])
    _stamp(qualification, actor, reason)
    qualification.save()
    _touch(customer)
    if verified:
        for hook in _QUALIFICATION_VERIFIED_HOOKS:
            hook(customer, actor=actor)
    return qualification


@transaction.atomic
def qualification_delete(*, actor: User, qualification_id: int, reason: str = "") -> None:
    qualification = _child_for_actor(actor, Qualification, qualification_id)
    require_perm(actor, "customers.change_customer", "您没有修改客户档案的权限。")
    _stamp(qualification, actor, reason or "删除资质")
    qualification.delete()
    _touch(qualification.customer)


@transaction.atomic
def invoicing_save(*, actor: User, customer: Customer, reason: str = "", **fields: Any) -> InvoicingProfile:
    customer = customer_get_for_actor(actor=actor, pk=customer.pk, for_update=True)
    require_perm(actor, "customers.change_customer", "您没有修改客户档案的权限。")
    profile = InvoicingProfile.objects.filter(customer=customer).first() or InvoicingProfile(customer=customer)
    for key in INVOICING_FIELDS:
        if key in fields:
            value = (fields[key] or "").strip()
            if key == "bank_account":
                value = value.replace(" ", "").replace("-", "")
            if key == "phone":
                value = normalize_phone(value)
            setattr(profile, key, value)
    _full_clean(profile)
    _stamp(profile, actor, reason)
    profile.save()
    _touch(customer)
    return profile


@transaction.atomic
def attachment_add(*, actor: User, customer: Customer, title: str, file, reason: str = "") -> Attachment:
    customer = customer_get_for_actor(actor=actor, pk=customer.pk, for_update=True)
    require_perm(actor, "customers.change_customer", "您没有修改客户档案的权限。")
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = ["请填写附件标题。"]
    elif len(title) > 100:
        errors["title"] = ["附件标题不能超过100个字符。"]
    if file is None:
        errors["file"] = ["请选择要上传的文件。"]
    else:
        try:
            validate_document_file(file, max_bytes=settings.KEHU_MAX_ATTACHMENT_BYTES)
        except ValidationError as exc:
            errors["file"] = exc.messages
    if errors:
        raise ValidationError(errors)
    attachment = Attachment(customer=customer, title=title.strip(), file=file, size=file.size, uploaded_by=actor)
    _stamp(attachment, actor, reason or "上传附件")
    attachment.save()
    _touch(customer)
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User, attachment_id: int, reason: str = "") -> None:
    attachment = _child_for_actor(actor, Attachment, attachment_id)
    require_perm(actor, "customers.change_customer", "您没有修改客户档案的权限。")
    _stamp(attachment, actor, reason or "删除附件")
    attachment.delete()
    _touch(attachment.customer)


@transaction.atomic
def customer_handover(
    *,
    actor: User,
    from_user: User,
    to_user: User,
    reason: str,
    customer_ids: Iterable[int] | None = None,
) -> int:
    """Move all of `from_user`'s customers (or the chosen ones) to `to_user`, in one transaction."""
    require_perm(actor, "customers.handover_customer", "您没有移交客户的权限。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写移交原因。"})
    if from_user.pk == to_user.pk:
        raise ValidationError({"to_user": "接收人不能与移交人相同。"})
    if not to_user.is_active:
        raise ValidationError({"to_user": "接收人已停用，不能接收客户。"})
    qs = Customer.objects.select_for_update(of=("self",)).filter(owner=from_user)
    if customer_ids is not None:
        ids = set(customer_ids)
        qs = qs.filter(pk__in=ids)
    customers = list(qs.filter(customer_scope_q(actor)).order_by("pk"))
    if customer_ids is not None and len(customers) != len(ids):
        raise ValidationError({"customers": "所选客户中有的不属于移交人，或不在您的管理范围内。"})
    if customer_ids is None and qs.count() != len(customers):
        raise ValidationError({"customers": "移交人有部分客户不在您的管理范围内，请由上级管理员办理。"})
    _owner_write(customers, to_user=to_user, actor=actor, history_reason=f"移交：{reason}", kind="handover",
                 summary=f"客户经理由 {from_user} 移交给 {to_user}", reason=reason,
                 data=lambda c: {"from": from_user.pk, "to": to_user.pk})
    return len(customers)


def _owner_write(customers: list[Customer], *, to_user: User | None, actor: User | None, history_reason: str,
                 kind: str, summary: str, reason: str, data) -> None:
    """Write a new owner on locked customers: one history row and one timeline event each, in bulk."""
    now = timezone.now()
    for c in customers:
        c.owner = to_user
        c.version += 1
        c.updated_at = now
    bulk_update_with_history(
        customers, Customer, ["owner", "version", "updated_at"], batch_size=1000,
        default_user=actor, default_change_reason=history_reason[:100],
    )
    archive_events_bulk_record(
        ArchiveEvent(customer=c, actor=actor, kind=kind, summary=summary, reason=reason, data=data(c))
        for c in customers
    )


def customer_owner_change(
    *, actor: User | None, customer_ids: Iterable[int], to_user: User | None, kind: str, summary: str, reason: str,
    expected_owner_ids: Mapping[int, int | None] | None = None,
) -> list[Customer]:
    """Change the owner of customers outside a handover: a return to the shared pool (`to_user=None`) or a claim
    from it (kehu.development). The caller has checked its own permission and rules; this locks the rows, refuses
    a customer whose owner is no longer the one the caller saw (`expected_owner_ids`), and records the change in
    the archive's history and timeline like a handover. Runs inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise ServiceError("customer_owner_change must run inside the caller's transaction")
    if to_user is not None and not to_user.is_active:
        raise ValidationError({"to_user": "接收人已停用，不能接收客户。"})
    ids = sorted(set(customer_ids))
    customers = list(Customer.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
    if len(customers) != len(ids):
        raise ValidationError({"customers": "所选客户不存在。"})
    if expected_owner_ids is not None:
        moved = [c for c in customers if c.owner_id != expected_owner_ids.get(c.pk)]
        if moved:
            raise ConflictError(
                f"客户“{moved[0].name}”的客户经理已被他人变更，请刷新后重试。",
                current={"owner": moved[0].owner_id}, submitted={"owner": expected_owner_ids.get(moved[0].pk)},
                current_version=moved[0].version,
            )
    previous = {c.pk: c.owner_id for c in customers}
    _owner_write(customers, to_user=to_user, actor=actor, history_reason=f"{summary}：{reason}", kind=kind,
                 summary=summary, reason=reason,
                 data=lambda c: {"from": previous[c.pk], "to": to_user.pk if to_user else None})
    return customers


@transaction.atomic
def user_deactivate(*, actor: User, user: User, successor: User | None, reason: str) -> int:
    """A departing user leaves no customer ownerless: everything is handed over before the account closes."""
    require_perm(actor, "org.change_user", "您没有停用用户的权限。")
    owned = Customer.objects.filter(owner=user).exists()
    moved = 0
    if owned:
        if successor is None:
            raise ValidationError({"successor": "该用户名下仍有客户，请先指定接收人。"})
        moved = customer_handover(actor=actor, from_user=user, to_user=successor, reason=reason or "人员离职")
    user.is_active = False
    user.save(update_fields=["is_active"])
    return moved


def customer_status_set(*, actor: User | None, customer: Customer, status: str, reason: str) -> Customer:
    """Lifecycle transitions come from approvals and jobs (admission, expiry, disqualification)."""
    if status not in CustomerStatus.values:
        raise ServiceError(f"未知状态：{status}")
    with transaction.atomic():
        current = Customer.objects.select_for_update().get(pk=customer.pk)
        if current.status == status:
            return current
        old = current.get_status_display()
        current.status = status
        current.version += 1
        _stamp(current, actor, reason)
        current.save(update_fields=["status", "version", "updated_at"])
        archive_event_record(
            customer=current, actor=actor, kind="status",
            summary=f"状态：{old} → {current.get_status_display()}", reason=reason,
        )
    return current
