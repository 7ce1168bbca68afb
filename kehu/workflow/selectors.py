"""Reads for approvals: who may decide a step, inboxes, and what the lifecycle pages show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from kehu.customers.models import Customer, CustomerStatus, InvoicingProfile, LicenceType, Qualification
from kehu.org.models import OrgUnit, User
from kehu.workflow.models import (
    AccessGrant,
    AdmissionApplication,
    AgencyLicence,
    Approval,
    ApprovalStatus,
    ApprovalStep,
    BlockedCreditCode,
    Delegation,
    Notification,
    StepStatus,
)

# ----- who may decide ------------------------------------------------------------------------------------------


def user_role_codes(user: User) -> frozenset[str]:
    cached = getattr(user, "_kehu_role_codes", None)
    if cached is None:
        cached = frozenset(user.roles.values_list("code", flat=True))
        user._kehu_role_codes = cached
    return cached


def _unit_path(user: User) -> str:
    cached = getattr(user, "_kehu_unit_path", None)
    if cached is None:
        cached = ""
        if user.unit_id:
            cached = OrgUnit.objects.filter(pk=user.unit_id).values_list("path", flat=True).first() or ""
        user._kehu_unit_path = cached
    return cached


def _ancestor_ids(path: str) -> list[int]:
    """The materialised path "000001/000004/" holds the ids of the unit and its ancestors."""
    return [int(part) for part in path.split("/") if part]


def _holder_q(user_id: int, role_codes: frozenset[str], unit_path: str) -> Q:
    """Steps this user holds: named as assignee, or holding the role (inside the step's unit, if it has one)."""
    q = Q(assignee_id=user_id)
    if role_codes:
        ancestors = _ancestor_ids(unit_path)
        own_unit = ancestors[-1:]  # the path ends with the user's own unit
        q |= Q(role_code__in=role_codes) & (
            Q(unit__isnull=True) | Q(unit_exact=False, unit_id__in=ancestors) | Q(unit_exact=True, unit_id__in=own_unit)
        )
    return q


def active_delegations_to(user: User, *, today: date | None = None) -> list[Delegation]:
    today = today or timezone.localdate()
    return list(
        Delegation.objects.filter(to_user=user, start__lte=today, end__gte=today, cancelled_at__isnull=True,
                                  from_user__is_active=True)
        .select_related("from_user", "from_user__unit").prefetch_related("from_user__roles")
    )


def step_holder_q(user: User, *, today: date | None = None) -> Q:
    """Every pending step `user` may decide: own steps, steps delegated to them, and steps of users away who
    delegated to them. A fixed number of queries whatever the number of steps."""
    q = _holder_q(user.pk, user_role_codes(user), _unit_path(user)) | Q(delegated_to_id=user.pk)
    for d in active_delegations_to(user, today=today):
        giver = d.from_user
        codes = frozenset(r.code for r in giver.roles.all())
        q |= _holder_q(giver.pk, codes, giver.unit.path if giver.unit else "")
    return q


def _holds(step: ApprovalStep, user: User) -> bool:
    if not user.is_active:
        return False
    if step.assignee_id == user.pk:
        return True
    if step.role_code not in user_role_codes(user):
        return False
    if step.unit_id is None:
        return True
    if step.unit_exact:
        return step.unit_id == user.unit_id
    return step.unit_id in _ancestor_ids(_unit_path(user))


def step_acting_for(step: ApprovalStep, user: User, *, today: date | None = None) -> User | None:
    """Whom `user` acts for when deciding `step`: themselves, the person who delegated the step or is away
    and delegated to them — or None when the step is not theirs."""
    if _holds(step, user):
        return user
    if step.delegated_to_id == user.pk:
        return step.delegated_by or user
    for d in active_delegations_to(user, today=today):
        if _holds(step, d.from_user):
            return d.from_user
    return None


def step_holders(step: ApprovalStep) -> list[User]:
    """The people to notify when a step arrives: holders, the step's delegate, and their stand-ins today."""
    q = Q(roles__code=step.role_code)
    if step.unit_id:
        q &= Q(unit_id=step.unit_id) if step.unit_exact else Q(unit__path__startswith=step.unit.path)
    q |= Q(pk=step.assignee_id) if step.assignee_id else Q(pk__in=[])
    if step.delegated_to_id:
        q |= Q(pk=step.delegated_to_id)
    holders = list(User.objects.filter(q, is_active=True).distinct())
    today = timezone.localdate()
    stand_ins = User.objects.filter(
        is_active=True,
        delegations_received__from_user__in=[u.pk for u in holders],
        delegations_received__start__lte=today, delegations_received__end__gte=today,
        delegations_received__cancelled_at__isnull=True,
    ).distinct()
    return holders + [u for u in stand_ins if u.pk not in {h.pk for h in holders}]


# ----- inbox ---------------------------------------------------------------------------------------------------


def steps_waiting_for(user: User) -> QuerySet[ApprovalStep]:
    return (
        ApprovalStep.objects.filter(step_holder_q(user), status=StepStatus.PENDING,
                                    approval__status=ApprovalStatus.PENDING)
        .exclude(approval__submitted_by=user)
        .select_related("approval", "approval__submitted_by", "approval__customer", "unit", "assignee")
        .order_by("due_at", "activated_at")
    )


def approvals_submitted_by(user: User) -> QuerySet[Approval]:
    return (
        Approval.objects.filter(submitted_by=user)
        .select_related("customer")
        .prefetch_related(Prefetch("steps", queryset=ApprovalStep.objects.order_by("round", "order")))
        .order_by("-submitted_at", "-id")
    )


def steps_overdue_for(user: User) -> QuerySet[ApprovalStep]:
    return steps_waiting_for(user).filter(due_at__lt=timezone.now())


@dataclass(frozen=True)
class InboxCounts:
    waiting: int
    overdue: int
    submitted_open: int
    unread: int


def inbox_counts(user: User) -> InboxCounts:
    waiting = steps_waiting_for(user)
    return InboxCounts(
        waiting=waiting.count(),
        overdue=waiting.filter(due_at__lt=timezone.now()).count(),
        submitted_open=Approval.objects.filter(submitted_by=user, status=ApprovalStatus.PENDING).count(),
        unread=Notification.objects.filter(user=user, read_at__isnull=True).count(),
    )


def nav_badge(user: User) -> int:
    return steps_waiting_for(user).count()


def approval_get_for_actor(*, actor: User, pk: int) -> Approval:
    """An approval the actor submitted, holds (or held) a step of, or may see because they see all approvals."""
    from kehu.core.errors import ScopeError

    approval = Approval.objects.select_related("customer", "submitted_by", "content_type").filter(pk=pk).first()
    if approval is None:
        raise ScopeError("审批不存在，或您无权查看。")
    if (
        approval.submitted_by_id == actor.pk
        or actor.has_perm("workflow.view_all_approvals")
        or approval.steps.filter(step_holder_q(actor) | Q(decided_by=actor)).exists()
    ):
        return approval
    if approval.customer_id:
        from kehu.customers.selectors import customer_queryset_for_actor

        if customer_queryset_for_actor(actor).filter(pk=approval.customer_id).exists():
            return approval
    raise ScopeError("审批不存在，或您无权查看。")


def approval_steps(approval: Approval) -> list[ApprovalStep]:
    return list(
        approval.steps.select_related("decided_by", "decided_for", "delegated_to", "assignee", "unit")
        .order_by("round", "order")
    )


def approvals_for_subject(subject) -> QuerySet[Approval]:
    ct = ContentType.objects.get_for_model(subject)
    return approvals_with_steps(Approval.objects.filter(content_type=ct, object_id=subject.pk))


def approvals_with_steps(qs: QuerySet[Approval]) -> QuerySet[Approval]:
    return (
        qs.select_related("submitted_by")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=ApprovalStep.objects.select_related("decided_by", "decided_for", "delegated_to", "assignee")
                .prefetch_related("overdue_notices").order_by("round", "order"),
            )
        )
        .order_by("-id")
    )


def notifications_for(user: User, *, limit: int = 100) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


# ----- admission -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialCheck:
    code: str
    label: str
    ok: bool
    detail: str


def admission_material_checks(application: AdmissionApplication, *, today: date | None = None) -> list[MaterialCheck]:
    """What the customer's archive holds for each document the pack requires (000 第七条), in 3 queries."""
    from kehu.workflow.chains import required_documents

    today = today or timezone.localdate()
    customer = application.customer
    docs, _article = required_documents(application.get_customer_type_display())
    quals: dict[str, Qualification] = {}
    for q in Qualification.objects.filter(customer=customer).order_by("expires_on"):
        current = quals.get(q.licence_type)
        # The one valid longest (no expiry = long-term) represents the type.
        longer = current is not None and current.expires_on is not None and (
            q.expires_on is None or q.expires_on > current.expires_on)
        if current is None or longer:
            quals[q.licence_type] = q
    has_invoicing = InvoicingProfile.objects.filter(customer=customer).exists()
    checks: list[MaterialCheck] = []
    for doc in docs:
        if doc.code == "invoicing":
            detail = "已登记" if has_invoicing else "未登记开票资料（开户行、账号、通讯地址、电话）"
            checks.append(MaterialCheck(doc.code, doc.label, has_invoicing, detail))
            continue
        if doc.code.startswith("other:"):
            ok = bool(application.conditions.get(doc.code))
            checks.append(MaterialCheck(doc.code, doc.label, ok, "申请人已确认提供" if ok else "申请人未确认提供"))
            continue
        if doc.code in (LicenceType.TAX_REGISTRATION, LicenceType.ORG_CODE) and customer.uscc and doc.code not in quals:
            checks.append(MaterialCheck(doc.code, doc.label, True, "三证合一：由统一社会信用代码营业执照替代"))
            continue
        q = quals.get(doc.code)
        if q is None:
            checks.append(MaterialCheck(doc.code, doc.label, False, "档案中没有该资质"))
        elif q.expires_on is not None and q.expires_on < today:
            checks.append(MaterialCheck(doc.code, doc.label, False, f"{q.number} 已于 {q.expires_on} 过期"))
        else:
            until = f"有效期至 {q.expires_on}" if q.expires_on else "长期有效"
            checks.append(MaterialCheck(doc.code, doc.label, True, f"{q.number}，{until}"))
    return checks


def blocked_credit_code(uscc: str | None) -> BlockedCreditCode | None:
    if not uscc:
        return None
    return BlockedCreditCode.objects.filter(uscc=uscc).first()


def admission_applications_for(actor: User) -> QuerySet[AdmissionApplication]:
    from kehu.customers.selectors import customer_queryset_for_actor

    qs = AdmissionApplication.objects.all()
    if not actor.has_perm("workflow.view_all_approvals"):
        qs = qs.filter(Q(created_by=actor) | Q(customer__in=customer_queryset_for_actor(actor).values("pk")))
    return qs.select_related("customer", "created_by", "approval").order_by("-created_at")


def admission_candidates(actor: User) -> QuerySet[Customer]:
    from kehu.customers.selectors import customer_scope_q

    return Customer.objects.filter(customer_scope_q(actor), status=CustomerStatus.PROSPECT).order_by("name")


# ----- access, expiry, licences --------------------------------------------------------------------------------


def access_grants_for(user: User) -> QuerySet[AccessGrant]:
    return AccessGrant.objects.filter(user=user).select_related("customer", "granted_by").order_by("-granted_at")


def qualifications_expiring(*, actor: User, today: date | None = None, days: int = 30) -> QuerySet[Qualification]:
    """Qualifications of customers the actor sees that expire within `days` (or have expired) and are not renewed."""
    from kehu.customers.selectors import customer_queryset_for_actor

    today = today or timezone.localdate()
    renewed = Qualification.objects.filter(
        customer=OuterRef("customer"), licence_type=OuterRef("licence_type"), verified_at__isnull=False,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
    return (
        Qualification.objects.filter(
            expires_on__lte=today + timedelta(days=days),
            customer__in=customer_queryset_for_actor(actor).filter(
                status__in=[CustomerStatus.ACTIVE, CustomerStatus.SUSPENDED, CustomerStatus.APPLYING]
            ).values("pk"),
        )
        .exclude(Exists(renewed))
        .select_related("customer", "customer__owner")
        .order_by("expires_on")
    )


@dataclass(frozen=True)
class LicenceStatus:
    code: str  # none / valid / expired / revoked
    label: str
    licence: AgencyLicence | None


def agency_licence_status(customer: Customer, *, today: date | None = None) -> LicenceStatus:
    """The exclusive agency licence (000 第十条) as the archive shows it."""
    today = today or timezone.localdate()
    lic = AgencyLicence.objects.filter(customer=customer).order_by("-year").first()
    if lic is None:
        return LicenceStatus("none", "无独家代理许可证", None)
    if lic.revoked_at:
        return LicenceStatus("revoked", f"{lic.year}年许可证已吊销", lic)
    if lic.expires_on < today:
        return LicenceStatus("expired", f"{lic.year}年许可证已于 {lic.expires_on} 到期", lic)
    return LicenceStatus("valid", f"{lic.year}年独家代理许可证有效（至 {lic.expires_on}）", lic)


def agency_licences(*, actor: User) -> QuerySet[AgencyLicence]:
    from kehu.customers.selectors import customer_queryset_for_actor

    return (
        AgencyLicence.objects.filter(customer__in=customer_queryset_for_actor(actor).values("pk"))
        .select_related("customer", "issued_by").order_by("-year", "customer__name")
    )


# ----- disqualification and level transfer ----------------------------------------------------------------------


def disqualification_requests_for(actor: User) -> QuerySet:
    """Requests the actor made, may see all of, or that concern customers in the actor's scope."""
    from kehu.customers.selectors import customer_queryset_for_actor
    from kehu.workflow.models import DisqualificationRequest

    qs = DisqualificationRequest.objects.all()
    if not actor.has_perm("workflow.view_all_approvals"):
        qs = qs.filter(Q(requested_by=actor) | Q(customer__in=customer_queryset_for_actor(actor).values("pk")))
    return qs.select_related("customer", "requested_by", "approval").order_by("-created_at", "-id")


def level_transfers_for(actor: User) -> QuerySet:
    """Level-transfer requests the actor made, holds a step of, may see all of, or whose customer they see."""
    from kehu.customers.selectors import customer_queryset_for_actor
    from kehu.workflow.models import LevelTransferRequest

    qs = LevelTransferRequest.objects.all()
    if not actor.has_perm("workflow.view_all_approvals"):
        holds = ApprovalStep.objects.filter(step_holder_q(actor) | Q(decided_by=actor)).values("approval_id")
        qs = qs.filter(Q(requested_by=actor) | Q(approval_id__in=holds)
                       | Q(customer__in=customer_queryset_for_actor(actor).values("pk")))
    return (qs.select_related("customer", "from_unit", "to_unit", "requested_by", "approval")
            .order_by("-created_at", "-id"))


def level_transfer_targets_for(customer: Customer) -> QuerySet[OrgUnit]:
    """Units a customer's management may move to (002 6.1.1 上、下级): the ancestors and descendants of its unit."""
    if not customer.unit_id:
        return OrgUnit.objects.none()
    path = customer.unit.path
    return (OrgUnit.objects.filter(is_active=True)
            .filter(Q(pk__in=_ancestor_ids(path)) | Q(path__startswith=path))
            .exclude(pk=customer.unit_id).order_by("path"))
