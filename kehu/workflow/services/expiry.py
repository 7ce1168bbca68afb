"""Qualification expiry (000 第十五条): reminders 30, 7 and 1 days before, suspension once a qualification has
expired without a verified renewal, and the suspension lifted when the renewal arrives.

The daily job is set-based (a fixed number of queries whatever the number of customers) and idempotent: the
unique (qualification, notice kind) row means a second run the same day notifies nobody again, and only
active customers are suspended."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from kehu.customers.models import ArchiveEvent, Customer, CustomerStatus, Qualification
from kehu.org.models import User
from kehu.workflow.models import ExpirySuspension, NoticeKind, Notification, QualificationNotice
from kehu.workflow.services.notifications import _send_mails

REMINDER_DAYS = ((1, NoticeKind.DAYS_1), (7, NoticeKind.DAYS_7), (30, NoticeKind.DAYS_30))
SALES_ROLE = "sales_reviewer"  # 销售部 checks qualification validity (000 第十五条)
RECEIVING_STATUSES = (CustomerStatus.ACTIVE, CustomerStatus.APPLYING, CustomerStatus.SUSPENDED)


def _renewed(today: date):
    """A verified qualification of the same type for the same customer, valid today (or long-term)."""
    return Qualification.objects.filter(
        customer=OuterRef("customer"), licence_type=OuterRef("licence_type"), verified_at__isnull=False,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today)).exclude(pk=OuterRef("pk"))


def _lapsed(today: date):
    """Qualifications that expired before `today` and have no verified renewal."""
    return Qualification.objects.filter(expires_on__lt=today).exclude(Exists(_renewed(today)))


def _customer_url(customer_id: int) -> str:
    try:
        return reverse("customers:detail", args=[customer_id])
    except NoReverseMatch:
        return reverse("workflow:expiring")


@dataclass
class ExpiryRunResult:
    notices: int = 0
    notifications: int = 0
    suspended: int = 0
    lifted: int = 0


def _notification_rows(recipients_by_customer, sales_users, items):
    rows, mails = [], []
    now = timezone.now()
    for customer, title, body in items:
        users = {u.pk: u for u in sales_users}
        owner = recipients_by_customer.get(customer.pk)
        if owner is not None and owner.is_active:
            users[owner.pk] = owner
        url = _customer_url(customer.pk)
        for u in users.values():
            rows.append(Notification(user=u, kind="qualification_expiry", title=title[:200], body=body, url=url,
                                     created_at=now))
            if u.email:
                mails.append((f"[Kehu 客户] {title}", body, None, [u.email]))
    return rows, mails


@transaction.atomic
def qualification_expiry_run(*, today: date | None = None) -> ExpiryRunResult:
    """The daily job. `today` is a parameter so that tests (and catch-up runs) can simulate the calendar."""
    today = today or timezone.localdate()
    result = ExpiryRunResult()
    sales_users = list(User.objects.filter(is_active=True, roles__code=SALES_ROLE).distinct())

    # 1. Reminders before expiry.
    upcoming = list(
        Qualification.objects.filter(
            expires_on__gte=today, expires_on__lte=today + timedelta(days=30),
            customer__status__in=RECEIVING_STATUSES,
        ).exclude(Exists(Qualification.objects.filter(
            customer=OuterRef("customer"), licence_type=OuterRef("licence_type"), verified_at__isnull=False,
        ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))))
        .select_related("customer", "customer__owner")
    )
    sent = set(QualificationNotice.objects.filter(qualification__in=upcoming).values_list("qualification_id", "kind"))
    new_notices, items = [], []
    for q in upcoming:
        left = (q.expires_on - today).days
        kind = next(k for days, k in REMINDER_DAYS if left <= days)
        if (q.pk, kind) in sent:
            continue
        new_notices.append(QualificationNotice(qualification=q, kind=kind, on_date=today))
        items.append((q.customer, f"资质将于{left}天后到期：{q.customer.name} {q.get_licence_type_display()}",
                      f"{q.customer.name}的{q.get_licence_type_display()}（{q.number}）有效期至 {q.expires_on}。"
                      f"到期未换证将暂停业务往来（000 第十五条），请及时更新资质。"))

    # 2. Suspension of active customers with a lapsed qualification.
    lapsed = list(_lapsed(today).filter(customer__status=CustomerStatus.ACTIVE).select_related("customer__owner"))
    by_customer: dict[int, list[Qualification]] = defaultdict(list)
    for q in lapsed:
        by_customer[q.customer_id].append(q)
    to_suspend = list(Customer.objects.select_for_update(of=("self",))
                      .filter(pk__in=by_customer, status=CustomerStatus.ACTIVE).select_related("owner"))
    events, suspensions = [], []
    now = timezone.now()
    expired_sent = set(QualificationNotice.objects.filter(qualification__in=lapsed, kind=NoticeKind.EXPIRED)
                       .values_list("qualification_id", flat=True))
    for c in to_suspend:
        quals = by_customer[c.pk]
        detail = "；".join(f"{q.get_licence_type_display()}（{q.number}）{q.expires_on}到期" for q in quals)
        c.status = CustomerStatus.SUSPENDED
        c.version += 1
        c.updated_at = now
        reason = f"资质到期未换证，暂停业务往来（000 第十五条）：{detail}"
        events.append(ArchiveEvent(customer=c, actor=None, kind="status", summary="状态：正式客户 → 暂停业务",
                                   reason=reason, data={"job": "qualification_expiry", "on": today.isoformat()}))
        suspensions.append(ExpirySuspension(customer=c, suspended_on=today, detail=detail[:300]))
        new_notices.extend(QualificationNotice(qualification=q, kind=NoticeKind.EXPIRED, on_date=today)
                           for q in quals if q.pk not in expired_sent)
        items.append((c, f"资质已到期，已暂停业务：{c.name}", reason + "。上传并核验新证后自动恢复。"))
    if to_suspend:
        bulk_update_with_history(to_suspend, Customer, ["status", "version", "updated_at"], batch_size=1000,
                                 default_change_reason="资质到期未换证，暂停业务往来（000 第十五条）")
        ArchiveEvent.objects.bulk_create(events, batch_size=2000)
        ExpirySuspension.objects.bulk_create(suspensions, batch_size=2000)
    result.suspended = len(to_suspend)

    # 3. Lift suspensions whose qualifications have been renewed (also done at once by qualification_renewal_check).
    result.lifted = _lift(Customer.objects.filter(
        status=CustomerStatus.SUSPENDED,
        expiry_suspensions__lifted_at__isnull=True,
    ).exclude(Exists(_lapsed(today).filter(customer=OuterRef("pk")))), actor=None, today=today)

    QualificationNotice.objects.bulk_create(new_notices, batch_size=2000, ignore_conflicts=True)
    result.notices = len(new_notices)
    owners = {c.pk: c.owner for c, _t, _b in items}
    rows, mails = _notification_rows(owners, sales_users, items)
    Notification.objects.bulk_create(rows, batch_size=2000)
    result.notifications = len(rows)
    if mails:
        from django.conf import settings

        mails = [(s, b, settings.DEFAULT_FROM_EMAIL, to) for s, b, _f, to in mails]
        transaction.on_commit(lambda: _send_mails(mails))
    return result


def _lift(candidates, *, actor: User | None, today: date) -> int:
    # At most one open suspension per customer (partial unique constraint): the join yields no duplicates.
    customers = list(candidates.select_for_update(of=("self",)).select_related("owner"))
    if not customers:
        return 0
    now = timezone.now()
    for c in customers:
        c.status = CustomerStatus.ACTIVE
        c.version += 1
        c.updated_at = now
    bulk_update_with_history(customers, Customer, ["status", "version", "updated_at"], batch_size=1000,
                             default_user=actor, default_change_reason="资质已更新，恢复业务往来（000 第十五条）")
    ArchiveEvent.objects.bulk_create([
        ArchiveEvent(customer=c, actor=actor, kind="status", summary="状态：暂停业务 → 正式客户",
                     reason="已上传并核验更新后的资质，恢复业务往来（000 第十五条）")
        for c in customers
    ])
    ExpirySuspension.objects.filter(customer__in=customers, lifted_at__isnull=True).update(lifted_at=now)
    Notification.objects.bulk_create([
        Notification(user=c.owner, kind="qualification_renewed", title=f"资质已更新，恢复业务：{c.name}",
                     url=_customer_url(c.pk), created_at=now)
        for c in customers if c.owner is not None and c.owner.is_active
    ])
    return len(customers)


def qualification_renewal_check(customer: Customer, *, actor: User | None = None, today: date | None = None) -> bool:
    """Call after a verified qualification is saved: lifts an expiry suspension once nothing has lapsed.

    Returns True when the customer was reinstated."""
    today = today or timezone.localdate()
    with transaction.atomic():
        candidates = Customer.objects.filter(
            pk=customer.pk, status=CustomerStatus.SUSPENDED, expiry_suspensions__lifted_at__isnull=True,
        ).exclude(Exists(_lapsed(today).filter(customer=OuterRef("pk"))))
        return _lift(candidates, actor=actor, today=today) > 0
