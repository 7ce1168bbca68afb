"""The shared pool (公海). A customer without an owner is in its unit's pool; a customer nobody has followed up for
the pack's number of days returns there (with a reminder to its 客户经理 some days before); people of that unit
claim from it within a per-person cap, and whoever lost a customer waits before claiming it again.

Ownership always changes through kehu.customers.services.customer_owner_change (history row + timeline event).
The figures come from the pack's `development.shared_pool`, set by the administrator; an unset figure means that
rule does not apply (no automatic return, no cap, no wait) — the pool page says which are unset."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from kehu.core.errors import ScopeError, ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import ArchiveEvent, Customer, CustomerStatus
from kehu.development.models import PoolEntry, PoolReason, PoolReminder
from kehu.development.rules import (
    PoolFigures,
    day_start,
    pack_name_for_unit,
    pack_names_for_units,
    period_bounds,
    pool_figures,
    units_by_pack,
)
from kehu.org.models import DataScope, User
from kehu.org.selectors import user_scope

# Customers a 客户经理 is expected to follow up; disqualified and churned ones keep their last owner on record.
POOL_STATUSES = (CustomerStatus.ACTIVE, CustomerStatus.SUSPENDED, CustomerStatus.PROSPECT)
# Timeline events that start a new owner's clock as a follow-up would.
OWNERSHIP_EVENTS = ("handover", "pool_claim")
CHUNK = 2000  # ids per IN (...) list and per ownership write


class PoolTaken(ServiceError):
    status_code = 409
    code = "taken"


# ----- last follow-up ------------------------------------------------------------------------------------------


def followed_up_since_q(since: date) -> Q:
    """Customers with a follow-up on or after `since`: a visit or phone follow-up report (kehu.service 走访报告单),
    a complaint follow-up call, or a new owner (handover / claim). One EXISTS each, no per-customer query."""
    from kehu.service.models import ComplaintFollowUp, VisitReport

    start = day_start(since)
    visit = VisitReport.objects.filter(customer=OuterRef("pk"), visited_on__gte=since)
    call = ComplaintFollowUp.objects.filter(complaint__customer=OuterRef("pk"), called_at__gte=start)
    owner = ArchiveEvent.objects.filter(customer=OuterRef("pk"), kind__in=OWNERSHIP_EVENTS, at__gte=start)
    return Q(created_at__gte=start) | Q(Exists(visit)) | Q(Exists(call)) | Q(Exists(owner))


def last_follow_ups(customer_ids) -> dict[int, date]:
    """Customer id → the date of its latest follow-up (or of its creation), in four grouped queries per 2,000."""
    ids = list(customer_ids)
    out: dict[int, date] = {}
    for i in range(0, len(ids), CHUNK):
        _last_follow_ups_into(out, ids[i:i + CHUNK])
    return out


def _last_follow_ups_into(out: dict[int, date], ids: list[int]) -> None:
    from django.db.models import Max

    from kehu.service.models import ComplaintFollowUp, VisitReport

    def keep(cid: int, d: date | None) -> None:
        if d is not None and (cid not in out or d > out[cid]):
            out[cid] = d

    for cid, created in Customer.objects.filter(pk__in=ids).values_list("pk", "created_at"):
        keep(cid, timezone.localtime(created).date())
    for cid, d in (VisitReport.objects.filter(customer_id__in=ids).values("customer_id")
                   .annotate(last=Max("visited_on")).values_list("customer_id", "last")):
        keep(cid, d)
    for cid, at in (ComplaintFollowUp.objects.filter(complaint__customer_id__in=ids)
                    .values("complaint__customer_id").annotate(last=Max("called_at"))
                    .values_list("complaint__customer_id", "last")):
        keep(cid, timezone.localtime(at).date())
    for cid, at in (ArchiveEvent.objects.filter(customer_id__in=ids, kind__in=OWNERSHIP_EVENTS)
                    .values("customer_id").annotate(last=Max("at")).values_list("customer_id", "last")):
        keep(cid, timezone.localtime(at).date())


# ----- claim and release ---------------------------------------------------------------------------------------


def claimable_q(actor: User) -> Q:
    """Pool customers the actor may claim: ownerless, in the actor's unit or below (everywhere for scope 全部)."""
    scope = user_scope(actor)
    if scope.kind == DataScope.ALL:
        return Q(owner__isnull=True)
    if not scope.unit_path:
        return Q(pk__in=[])
    return Q(owner__isnull=True, unit__path__startswith=scope.unit_path)


def _cap_window(figures: PoolFigures, now) -> tuple:
    start, _end = period_bounds(figures.claim_cap_period, timezone.localtime(now).date())
    return day_start(start), {"day": "今天", "week": "本周", "month": "本月"}[figures.claim_cap_period]


def pool_claim(*, actor: User, customer_id: int, reason: str = "") -> Customer:
    """Claim a pool customer: he becomes its 客户经理. Two people claiming at once: the first wins, the second is told
    who has it. Refused above the per-person cap and within the re-claim wait."""
    from kehu.customers.services import customer_owner_change

    require_perm(actor, "development.claim_pool_customer", "您没有领取公海客户的权限。")
    with transaction.atomic():
        # One person's claims queue behind each other, so two tabs cannot both pass the cap.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        customer = (Customer.objects.select_for_update(of=("self",)).select_related("unit", "owner")
                    .filter(pk=customer_id).first())
        if customer is None:
            raise ScopeError("客户不存在，或不在您可以领取的公海中。")
        scope = user_scope(actor)
        reachable = scope.kind == DataScope.ALL or bool(
            scope.unit_path and customer.unit and customer.unit.path.startswith(scope.unit_path))
        if not reachable:
            raise ScopeError("客户不存在，或不在您可以领取的公海中。")
        if customer.owner_id == actor.pk:
            raise PoolTaken("该客户已在您名下。", field="customer")
        if customer.owner_id is not None:
            raise PoolTaken(f"该客户已被 {customer.owner} 领取，不在公海中。", field="customer")
        figures = pool_figures(pack_name_for_unit(customer.unit))
        now = timezone.now()
        if figures.claim_cap is not None:
            since, label = _cap_window(figures, now)
            taken = PoolEntry.objects.filter(claimed_by=actor, claimed_at__gte=since).count()
            if taken >= figures.claim_cap:
                raise ValidationError({"customer": [
                    f"{label}您已领取 {taken} 个公海客户，已达每人上限 {figures.claim_cap} 个"
                    f"（管理员设定 {figures.key('claim_cap')}），不能再领取。"]})
        if figures.reclaim_wait_days:
            lost = (PoolEntry.objects.filter(customer=customer, previous_owner=actor)
                    .order_by("-entered_at").values_list("entered_at", flat=True).first())
            if lost is not None:
                allowed = timezone.localtime(lost).date() + timedelta(days=figures.reclaim_wait_days)
                if timezone.localdate() < allowed:
                    raise ValidationError({"customer": [
                        f"该客户于 {timezone.localtime(lost):%Y-%m-%d} 从您名下退回公海，须满 "
                        f"{figures.reclaim_wait_days} 天（{allowed} 起）才能再次领取"
                        f"（管理员设定 {figures.key('reclaim_wait_days')}）。"]})
        entry = PoolEntry.objects.filter(customer=customer, claimed_at__isnull=True).first()
        if entry is None:  # ownerless before the sweep saw it
            entry = PoolEntry(customer=customer, unit=customer.unit, pack_name=figures.pack_name,
                              reason=PoolReason.NO_OWNER, entered_at=now)
        unit_name = customer.unit.name if customer.unit else "公司"
        customer_owner_change(actor=actor, customer_ids=[customer.pk], to_user=actor, kind="pool_claim",
                              summary=f"从{unit_name}公海领取，客户经理：{actor}", reason=reason or "领取公海客户",
                              expected_owner_ids={customer.pk: None})
        entry.claimed_by = actor
        entry.claimed_at = now
        entry.save()
        customer.refresh_from_db()
    return customer


def pool_release(*, actor: User, customer_id: int, reason: str) -> Customer:
    """Return a customer to its unit's pool (its 客户经理 gives it up, or a manager takes it from him)."""
    from kehu.customers.selectors import customer_get_for_actor
    from kehu.customers.services import customer_owner_change

    require_perm(actor, "development.release_pool_customer", "您没有把客户退回公海的权限。")
    if not (reason or "").strip():
        raise ValidationError({"reason": ["请填写退回公海的原因。"]})
    with transaction.atomic():
        customer = customer_get_for_actor(actor=actor, pk=customer_id, for_update=True)
        if customer.owner_id is None:
            raise PoolTaken("该客户已在公海中。", field="customer")
        previous = customer.owner
        last = last_follow_ups([customer.pk]).get(customer.pk)
        unit_name = customer.unit.name if customer.unit else "公司"
        customer_owner_change(actor=actor, customer_ids=[customer.pk], to_user=None, kind="pool_release",
                              summary=f"退回{unit_name}公海（原客户经理 {previous}）",
                              reason=reason.strip(), expected_owner_ids={customer.pk: previous.pk})
        PoolEntry.objects.create(customer=customer, unit=customer.unit, pack_name=pack_name_for_unit(customer.unit),
                                 reason=PoolReason.RELEASED, note=reason.strip()[:200], entered_at=timezone.now(),
                                 previous_owner=previous, last_follow_up=last)
        if previous.pk != actor.pk:
            from kehu.workflow.services.notifications import notify

            notify([previous], kind="pool_release", title=f"客户已退回公海：{customer.name}",
                   body=f"{actor} 将该客户退回公海：{reason.strip()}", url=reverse("development:pool"))
        customer.refresh_from_db()
    return customer


# ----- the daily sweep -----------------------------------------------------------------------------------------


def pool_sweep(*, today: date | None = None) -> dict:
    """The daily job: record ownerless customers in their pool, return customers without a follow-up for the pack's
    number of days, and remind 客户经理 of those that return within the reminder days. Idempotent for a day."""
    from kehu.customers.services import archive_events_bulk_record, customer_owner_change
    from kehu.workflow.services.notifications import notify

    today = today or timezone.localdate()
    now = timezone.now()
    result = {"no_owner": 0, "returned": 0, "reminded": 0, "packs": {}}
    with transaction.atomic():
        # 1) A customer is never ownerless outside the pool: give each ownerless customer its open entry.
        orphans = list(Customer.objects.filter(owner__isnull=True)
                       .exclude(Exists(PoolEntry.objects.filter(customer=OuterRef("pk"), claimed_at__isnull=True)))
                       .values_list("pk", "unit_id"))
        if orphans:
            packs = pack_names_for_units(u for _c, u in orphans)
            PoolEntry.objects.bulk_create([
                PoolEntry(customer_id=cid, unit_id=uid, pack_name=packs[uid], reason=PoolReason.NO_OWNER,
                          entered_at=now) for cid, uid in orphans], batch_size=2000)
            archive_events_bulk_record(
                ArchiveEvent(customer_id=cid, actor=None, kind="pool_enter", summary="无客户经理，进入所在单位公海",
                             data={"reason": PoolReason.NO_OWNER}) for cid, _uid in orphans)
            result["no_owner"] = len(orphans)

        returned_by_owner: dict[int, list[str]] = defaultdict(list)
        reminded_by_owner: dict[int, list[tuple[str, date]]] = defaultdict(list)
        for pack_name, unit_ids in units_by_pack().items():
            figures = pool_figures(pack_name)
            if not figures.releases:
                result["packs"][pack_name] = "未设定退回天数，不自动退回"
                continue
            days = figures.days_without_follow_up
            in_units = Q(unit_id__in=unit_ids)
            if pack_name == settings.KEHU_DEFAULT_PACK:
                in_units |= Q(unit__isnull=True)
            owned = Customer.objects.filter(in_units, owner__isnull=False, status__in=POOL_STATUSES)
            # 2) Returned: no follow-up on any of the last `days` days.
            due = list(owned.exclude(followed_up_since_q(today - timedelta(days=days - 1)))
                       .values_list("pk", "owner_id", "unit_id", "name"))
            if due:
                last = last_follow_ups(c[0] for c in due)
                for i in range(0, len(due), CHUNK):
                    batch = due[i:i + CHUNK]
                    customer_owner_change(
                        actor=None, customer_ids=[c[0] for c in batch], to_user=None, kind="pool_return",
                        summary=f"连续 {days} 天无跟进，退回所在单位公海",
                        reason=f"{figures.article}，管理员设定 {days} 天",
                        expected_owner_ids={c[0]: c[1] for c in batch})
                PoolEntry.objects.bulk_create([
                    PoolEntry(customer_id=cid, unit_id=uid, pack_name=pack_name, reason=PoolReason.NO_FOLLOW_UP,
                              entered_at=now, previous_owner_id=oid, last_follow_up=last.get(cid))
                    for cid, oid, uid, _n in due], batch_size=2000)
                for _cid, oid, _uid, name in due:
                    returned_by_owner[oid].append(name)
                result["returned"] += len(due)
            # 3) Reminders: the customer returns within `reminder_days_before` days.
            before = figures.reminder_days_before
            if before:
                window = owned.exclude(pk__in=[c[0] for c in due]).exclude(
                    followed_up_since_q(today - timedelta(days=days - 1 - before)))
                rows = list(window.values_list("pk", "owner_id", "name"))
                last = last_follow_ups(r[0] for r in rows)
                reminders = [PoolReminder(customer_id=cid, owner_id=oid, return_on=last[cid] + timedelta(days=days),
                                          last_follow_up=last[cid]) for cid, oid, _n in rows if cid in last]
                existing = set(PoolReminder.objects.filter(customer_id__in=[r.customer_id for r in reminders])
                               .values_list("customer_id", "owner_id", "return_on"))
                fresh = [r for r in reminders if (r.customer_id, r.owner_id, r.return_on) not in existing]
                PoolReminder.objects.bulk_create(fresh, batch_size=2000, ignore_conflicts=True)
                names = {cid: name for cid, _o, name in rows}
                for r in fresh:
                    reminded_by_owner[r.owner_id].append((names[r.customer_id], r.return_on))
                result["reminded"] += len(fresh)
            result["packs"][pack_name] = f"{days} 天无跟进退回，提前 {before or 0} 天提醒"
        owners = User.objects.in_bulk(set(returned_by_owner) | set(reminded_by_owner))
        url = reverse("development:pool")
        for oid, names in returned_by_owner.items():
            notify([owners[oid]], kind="pool_return", title=f"{len(names)} 个客户因长期未跟进已退回公海",
                   body="、".join(names[:20]) + ("等" if len(names) > 20 else ""), url=url)
        for oid, items in reminded_by_owner.items():
            first = min(d for _n, d in items)
            notify([owners[oid]], kind="pool_reminder", title=f"{len(items)} 个客户即将退回公海，最早 {first}",
                   body="请及时走访或电话回访：" + "、".join(f"{n}（{d}）" for n, d in items[:20]),
                   url=reverse("development:dashboard"))
    return result

