"""Credit: rating and limit changes through approvals (003 客户信用管理制度 第6–8条), and the payment terms lowered
one step when a customer pays late twice or more in one quarter (客户分级管理制度 一、4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from kehu.core.errors import ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import ArchiveEvent, Customer
from kehu.customers.selectors import customer_get_for_actor
from kehu.customers.services import archive_event_record, archive_events_bulk_record
from kehu.orders.models import CreditChangeKind, CreditChangeRequest, CreditEvent, CreditEventKind, CreditProfile
from kehu.orders.packs import order_packs
from kehu.orders.selectors import previous_quarter, quarter_bounds
from kehu.org.models import User
from kehu.sales.selectors import late_payment_counts
from kehu.workflow.models import Approval, ApprovalKind
from kehu.workflow.services import approval_submit
from kehu.workflow.services.notifications import notify

MAX_LIMIT = Decimal("99999999999999")


def credit_profile_for(customer_id: int, *, lock: bool = False) -> CreditProfile:
    """The customer's profile, created empty on first use (no rating from finance, limit 0, terms as graded)."""
    profile, _ = CreditProfile.objects.get_or_create(customer_id=customer_id)
    if lock:
        profile = CreditProfile.objects.select_for_update().get(pk=profile.pk)
    return profile


def _credit_pack():
    packs = order_packs()
    if packs.credit is None:
        raise ServiceError("没有启用信用管理政策包（如 credit-abcd 客户信用管理制度），无法调整信用。",
                           code="credit_pack_missing")
    return packs


# ----------------------------------------------------------------------------------------------------- changes


def credit_limit_above_ceiling(*, packs, facts, limit: Decimal) -> str:
    """The refusal when `limit` is above the customer's ceiling (003 第6条 1.: an A-rated customer's limit may not
    exceed its sales within the contract's payment term), or "" when it is within it or the rating has none."""
    from kehu.orders.selectors import CeilingUnknown, credit_limit_ceiling

    try:
        ceiling = credit_limit_ceiling(packs=packs, facts=facts, limit=limit)
    except CeilingUnknown as exc:
        return exc.message if limit > 0 else ""
    if ceiling is None or ceiling.allowed:
        return ""
    return (f"授信额度 {limit:,.2f} 元超过上限 {ceiling.ceiling:,.2f} 元：{ceiling.explanation}"
            f"（{packs.credit.name} {ceiling.citation.article}）。")


@transaction.atomic
def credit_change_request(*, actor: User, customer_id: int, kind: str, reason: str, new_rating: str = "",
                          new_limit=None) -> CreditChangeRequest:
    """Finance proposes a new rating or limit; it applies when the credit committee approves (第8条)."""
    require_perm(actor, "orders.manage_credit", "只有财务部可以提出信用等级或授信额度调整（第8条）。")
    customer = customer_get_for_actor(actor=actor, pk=customer_id, for_update=True)
    packs = _credit_pack()
    credit_pack, rules = packs.credit, packs.credit_rules
    scheme = credit_pack.scheme(rules.scheme)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "请写明核查结果与调整理由。"
    if kind not in CreditChangeKind.values:
        errors["kind"] = "请选择调整内容：信用等级或授信额度。"
    profile = credit_profile_for(customer.pk, lock=True)
    limit = None
    if kind == CreditChangeKind.RATING:
        if new_rating not in scheme.rank:
            errors["new_rating"] = f"请选择信用等级：{'、'.join(scheme.grade_codes())}。"
    elif kind == CreditChangeKind.LIMIT:
        try:
            limit = Decimal(str(new_limit).strip().replace(",", ""))
        except (InvalidOperation, ValueError, AttributeError):
            errors["new_limit"] = "请输入授信额度（元）。"
        else:
            if not limit.is_finite() or limit < 0 or limit.as_tuple().exponent < -2 or limit > MAX_LIMIT:
                errors["new_limit"] = "授信额度须为不小于 0 的金额，最多 2 位小数。"
            else:
                from kehu.orders.selectors import customer_facts

                facts = customer_facts(customer_ids=[customer.pk], packs=packs)[customer.pk]
                rating = facts.credit_rating
                if rules.no_credit and rating in rules.no_credit.grades and limit > 0:
                    c = rules.no_credit.citation
                    errors["new_limit"] = (f"信用等级为 {rating} 的客户不给予任何信用交易（{credit_pack.name} "
                                           f"{c.article}），授信额度只能为 0。")
                else:
                    refusal = credit_limit_above_ceiling(packs=packs, facts=facts, limit=limit)
                    if refusal:
                        errors["new_limit"] = refusal
    if errors:
        raise ValidationError(errors)
    request = CreditChangeRequest.objects.create(
        profile=profile, kind=kind, new_rating=new_rating if kind == CreditChangeKind.RATING else "",
        new_limit=limit, reason=reason, requested_by=actor,
    )
    what = f"信用等级调整为 {new_rating}" if kind == CreditChangeKind.RATING else f"授信额度调整为 {limit:,.2f} 元"
    approval_kind = ApprovalKind.CREDIT_RATING_CHANGE if kind == CreditChangeKind.RATING else ApprovalKind.CREDIT_LIMIT
    approval_submit(actor=actor, subject=request, kind=approval_kind, title=f"{customer.name}：{what}",
                    customer=customer, pack_name=credit_pack.name)
    return request


def on_credit_change_event(approval: Approval, event: str, actor: User | None) -> None:
    """Approved: the new rating or limit applies, with a history row citing the chain's article."""
    if event != "approved":
        return
    request = CreditChangeRequest.objects.select_related("profile", "profile__customer").get(pk=approval.object_id)
    if request.applied_at is not None:
        return
    profile = CreditProfile.objects.select_for_update().get(pk=request.profile_id)
    if request.kind == CreditChangeKind.RATING:
        old, new = profile.rating or "—", request.new_rating
        profile.rating = request.new_rating
        kind = CreditEventKind.RATING
        packs = order_packs()
        rules = packs.credit_rules
        if rules and rules.no_credit and request.new_rating in rules.no_credit.grades and profile.credit_limit:
            profile.credit_limit = Decimal("0")  # 第6条 4.: D gets no credit at all
    else:
        # 第6条 1. again at the committee's decision: the rating or the sales within the term may have changed since
        # finance proposed the limit. Refusing rolls the decision back (nothing saved); the committee rejects it.
        from kehu.orders.selectors import customer_facts

        packs = order_packs()
        facts = customer_facts(customer_ids=[profile.customer_id], packs=packs)[profile.customer_id]
        refusal = credit_limit_above_ceiling(packs=packs, facts=facts, limit=request.new_limit)
        if refusal:
            raise ValidationError({"decision": f"不能同意：{refusal}请驳回，由财务部重新提出。"})
        old, new = f"{profile.credit_limit:,.2f}", f"{request.new_limit:,.2f}"
        profile.credit_limit = request.new_limit
        kind = CreditEventKind.LIMIT
    profile._history_user = actor
    profile.save()
    request.applied_at = timezone.now()
    request.save(update_fields=["applied_at"])
    CreditEvent.objects.create(profile=profile, kind=kind, old_value=old, new_value=new, article=approval.article,
                               reason=request.reason, actor=actor, approval=approval)
    customer = request.profile.customer
    archive_event_record(customer=customer, actor=actor, kind=f"credit_{kind}",
                         summary=f"{CreditEventKind(kind).label}：{old} → {new}（{approval.article}）",
                         reason=request.reason, data={"approval": approval.pk})
    if customer.owner_id:
        notify([customer.owner], kind="credit_change", title=f"{customer.name}：{CreditEventKind(kind).label}",
               body=f"{old} → {new}（{approval.article}）", url=reverse("orders:credit_detail", args=[customer.pk]))


def credit_change_url(approval: Approval) -> str:
    request = CreditChangeRequest.objects.filter(pk=approval.object_id).select_related("profile").first()
    if request is None:
        return reverse("workflow:approval_detail", args=[approval.pk])
    return reverse("orders:credit_detail", args=[request.profile.customer_id])


# ----------------------------------------------------------------------------------------------------- late payments


def _step_down_rule(packs):
    pack = packs.grading
    rule = next((a for a in pack.benefit_adjustments
                 if a.effect == "payment_terms_step_down" and a.scheme == packs.rules.scheme), None)
    return pack, rule


def credit_terms_check(*, customer_ids: Iterable[int] | None = None, as_of: date | None = None,
                       actor: User | None = None) -> int:
    """Lower the payment terms one step for every customer with two (含) or more late payments in the current or
    the previous quarter that has not lowered them yet (一、4: 应立即将其付款方式降低到下一级别). Set-based: one
    count query per quarter, the profiles locked and updated in bulk with history, one event per customer and
    quarter (a unique constraint keeps the job and a payment's immediate check from stepping twice). Notifies each
    owner. Returns how many customers were stepped down."""
    as_of = as_of or timezone.localdate()
    try:
        packs = order_packs()
    except ServiceError:
        return 0  # no pack governs orders: nothing to lower
    pack, rule = _step_down_rule(packs)
    if rule is None:
        return 0
    ids = None if customer_ids is None else sorted(set(customer_ids))
    if ids == []:
        return 0
    hits: dict[int, list[tuple[str, int]]] = {}
    for day in (as_of, previous_quarter(as_of)):
        start, end, label = quarter_bounds(day)
        for cid, n in late_payment_counts(start, end, as_of=as_of, customer_ids=ids).items():
            if n > rule.min or (rule.min_inclusive and n == rule.min):
                hits.setdefault(cid, []).append((label, n))
    if not hits:
        return 0
    stepped = 0
    with transaction.atomic():
        for cid in hits:
            CreditProfile.objects.get_or_create(customer_id=cid)
        profiles = {p.customer_id: p for p in CreditProfile.objects.select_for_update(of=("self",))
                    .filter(customer_id__in=hits).select_related("customer", "customer__owner")}
        done = set(CreditEvent.objects.filter(profile__in=profiles.values(), kind=CreditEventKind.TERMS_DOWN)
                   .values_list("profile_id", "quarter"))
        events, changed, archive, owners = [], [], [], {}
        metric_label = "本季度不按付款条件付款次数"
        for cid, quarters in hits.items():
            profile = profiles[cid]
            new_quarters = [(label, n) for label, n in quarters if (profile.pk, label) not in done]
            if not new_quarters:
                continue
            old = profile.terms_steps_down
            profile.terms_steps_down = old + rule.steps * len(new_quarters)
            profile._history_user = actor
            changed.append(profile)
            for label, n in new_quarters:
                text = (f"{label} {metric_label} {n} 次，达到{'' if rule.min_inclusive else '超过'}"
                        f"{rule.min.normalize():f}次（{pack.name} {rule.citation.article}），"
                        f"付款方式降低{rule.steps}级")
                events.append(CreditEvent(profile=profile, kind=CreditEventKind.TERMS_DOWN, old_value=str(old),
                                          new_value=str(old + rule.steps), quarter=label,
                                          article=f"{pack.name} {rule.citation.article}",
                                          quote=rule.citation.quote or "", reason=text,
                                          data={"late_payments": n, "quarter": label}, actor=actor))
                archive.append(ArchiveEvent(customer_id=cid, actor=actor, kind="credit_terms_down",
                                            summary=f"付款方式降级：{text}"[:300], data={"quarter": label}))
                old += rule.steps
            if profile.customer.owner_id:
                owners.setdefault(profile.customer.owner_id, (profile.customer.owner, []))[1].append(profile.customer)
            stepped += 1
        if not changed:
            return 0
        bulk_update_with_history(changed, CreditProfile, ["terms_steps_down"], batch_size=500,
                                 default_user=actor, default_change_reason=f"{pack.name} {rule.citation.article}")
        CreditEvent.objects.bulk_create(events)
        archive_events_bulk_record(archive)
        for owner, customers in owners.values():
            names = "、".join(c.name for c in customers[:5]) + ("等" if len(customers) > 5 else "")
            notify([owner], kind="credit_terms_down", title=f"付款方式已降级：{names}",
                   body=f"一个季度内两次（含）以上不按付款条件付款，付款方式已降低一级（{pack.name} "
                        f"{rule.citation.article}）。",
                   url=reverse("orders:credit_detail", args=[customers[0].pk]))
    return stepped


def credit_terms_after_settlement(customer_ids: set[int]) -> None:
    """The immediate check when payments are recorded (the sales app calls this after commit)."""
    credit_terms_check(customer_ids=customer_ids)


@transaction.atomic
def credit_terms_restore(*, actor: User, customer_id: int, reason: str) -> CreditProfile:
    """Finance restores the graded payment terms (e.g. after the customer has paid on time again)."""
    require_perm(actor, "orders.restore_terms", "只有财务部可以恢复付款方式。")
    customer: Customer = customer_get_for_actor(actor=actor, pk=customer_id, for_update=True)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请写明恢复付款方式的理由。"})
    profile = credit_profile_for(customer.pk, lock=True)
    if profile.terms_steps_down == 0:
        raise ServiceError("该客户的付款方式未降级。", code="not_lowered")
    old = profile.terms_steps_down
    profile.terms_steps_down = 0
    profile._history_user = actor
    profile._change_reason = reason
    profile.save()
    packs = order_packs()
    source = packs.credit or packs.grading
    provision = next((p for p in source.provisions if p.code == "limit_changes"), None)
    article = f"{source.name} {provision.citation.article}" if provision else source.name
    CreditEvent.objects.create(profile=profile, kind=CreditEventKind.TERMS_RESTORED, old_value=str(old),
                               new_value="0", article=article,
                               quote=(provision.citation.quote or "") if provision else "", reason=reason,
                               actor=actor)
    archive_event_record(customer=customer, actor=actor, kind="credit_terms_restored",
                         summary="付款方式恢复为按类别执行", reason=reason)
    return profile
