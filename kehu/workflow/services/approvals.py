"""The generic approval mechanism: submit a subject to a chain of role-owned steps, decide steps one at a time,
withdraw, resubmit after rejection or return, delegate while away.

Apps that use it register their approval kind once (AppConfig.ready) with `register_kind(kind, KindSpec(...))`:
`targets(subject)` names the org unit or person for steps that need one, and `on_event(approval, event, actor)`
runs inside the same transaction when the approval is submitted, approved, rejected, returned or withdrawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.customers.models import Customer
from kehu.org.models import OrgUnit, User
from kehu.workflow.calendar import step_due_at
from kehu.workflow.chains import Chain, chain_for
from kehu.workflow.models import (
    OPEN_STATUSES,
    RESUBMITTABLE_STATUSES,
    Approval,
    ApprovalStatus,
    ApprovalStep,
    Decision,
    Delegation,
    StepStatus,
)
from kehu.workflow.selectors import step_acting_for, step_holders
from kehu.workflow.services.notifications import notify


class StepStateError(ServiceError):
    """The step or approval is not in a state that allows this (already decided, withdrawn, not yet reached)."""

    status_code = 409
    code = "step_state"


@dataclass(frozen=True)
class StepTarget:
    unit: OrgUnit | None = None
    assignee: User | None = None
    unit_exact: bool = False  # role holders of `unit` itself only, not of its sub-units


@dataclass(frozen=True)
class KindSpec:
    targets: Callable[[object], Mapping[int, StepTarget]] | None = None  # step order (1-based) -> target
    on_event: Callable[[Approval, str, User | None], None] | None = None  # event: submitted/approved/rejected/…
    url: Callable[[Approval], str] | None = None  # the subject's page
    # shape_chain(subject, chain, submitter) -> chain: the steps this subject needs (e.g. 总经理 only above a
    # margin, 003 第7条; the applicant's own 申请 step is the submission itself). Never adds steps.
    shape_chain: Callable[[object, Chain, User], Chain] | None = None


_KINDS: dict[str, KindSpec] = {}


def register_kind(kind: str, spec: KindSpec) -> None:
    _KINDS[kind] = spec


def _spec(kind: str) -> KindSpec:
    return _KINDS.get(kind, KindSpec())


def approval_url(approval: Approval) -> str:
    spec = _spec(approval.kind)
    if spec.url is not None:
        return spec.url(approval)
    return reverse("workflow:approval_detail", args=[approval.pk])


def _shaped(kind: str, subject, chain: Chain, actor: User) -> Chain:
    spec = _spec(kind)
    if spec.shape_chain is not None:
        chain = spec.shape_chain(subject, chain, actor)
    if not chain.steps:
        raise ServiceError(f"审批链“{chain.name}”没有需要审批的步骤。")
    return chain


def _emit(approval: Approval, event: str, actor: User | None) -> None:
    spec = _spec(approval.kind)
    if spec.on_event is not None:
        spec.on_event(approval, event, actor)


def _archive(approval: Approval, actor: User | None, summary: str, reason: str = "") -> None:
    if approval.customer_id:
        from kehu.customers.services import archive_event_record

        archive_event_record(
            customer=approval.customer, actor=actor, kind=f"approval:{approval.kind}", summary=summary,
            reason=reason, data={"approval": approval.pk, "round": approval.round},
        )


def _activate(step: ApprovalStep, now) -> None:
    step.status = StepStatus.PENDING
    step.activated_at = now
    step.due_at = step_due_at(now, step.due_working_days)


def _notify_step(step: ApprovalStep, approval: Approval) -> None:
    notify(
        step_holders(step), kind="approval_step",
        title=f"待您审批：{approval.title}",
        body=f"{approval.get_kind_display()} · {step.action or step.role_name}"
             + (f"，请于 {timezone.localtime(step.due_at):%Y-%m-%d %H:%M} 前办理" if step.due_at else ""),
        url=approval_url(approval),
    )


def _create_round(approval: Approval, chain: Chain, targets: Mapping[int, StepTarget], now) -> ApprovalStep:
    steps = []
    for i, s in enumerate(chain.steps, start=1):
        target = targets.get(i, StepTarget())
        steps.append(ApprovalStep(
            approval=approval, round=approval.round, order=i, role_code=s.role, role_name=s.role_name,
            action=s.action, unit=target.unit, unit_exact=target.unit_exact and target.unit is not None,
            assignee=target.assignee, due_working_days=s.due_working_days,
        ))
    _activate(steps[0], now)
    ApprovalStep.objects.bulk_create(steps)
    return steps[0]


def _targets(kind: str, subject, explicit: Mapping[int, StepTarget] | None) -> Mapping[int, StepTarget]:
    if explicit is not None:
        return explicit
    spec = _spec(kind)
    return spec.targets(subject) if spec.targets else {}


def approval_submit(
    *,
    actor: User,
    subject,
    kind: str,
    title: str,
    customer: Customer | None = None,
    targets: Mapping[int, StepTarget] | None = None,
    pack_name: str | None = None,
) -> Approval:
    """Start an approval of `subject` along the pack's chain for `kind`. The caller checks it may submit."""
    with transaction.atomic():
        ct = ContentType.objects.get_for_model(subject)
        if Approval.objects.filter(content_type=ct, object_id=subject.pk, kind=kind,
                                   status__in=OPEN_STATUSES).exists():
            raise StepStateError("该事项已有审批中的申请，请等待审批结果或先撤回。")
        try:
            chain = chain_for(kind, pack_name=pack_name)
        except LookupError as exc:
            raise ServiceError(str(exc)) from exc
        chain = _shaped(kind, subject, chain, actor)
        now = timezone.now()
        approval = Approval.objects.create(
            content_type=ct, object_id=subject.pk, kind=kind, title=title[:200], customer=customer,
            status=ApprovalStatus.PENDING, submitted_by=actor, submitted_at=now, round=1,
            chain_code=chain.code, chain_name=chain.name, article=chain.article,
            pack_name=chain.pack_name, pack_version=chain.pack_version,
        )
        first = _create_round(approval, chain, _targets(kind, subject, targets), now)
        _emit(approval, "submitted", actor)
        _archive(approval, actor, f"提交{approval.get_kind_display()}：{approval.title}")
        _notify_step(first, approval)
    return approval


def _lock(approval_id: int) -> Approval:
    return (Approval.objects.select_for_update(of=("self",)).select_related("customer", "submitted_by")
            .get(pk=approval_id))


def approval_step_decide(*, actor: User, step: ApprovalStep, decision: str, comment: str = "",
                         today: date | None = None) -> ApprovalStep:
    """Record one decision. Refuses a step that is not the actor's, a step already decided, a step not yet
    reached, and anything on an approval that is no longer pending. Two people deciding at once: the approval
    row is locked first, so the second sees the first's decision and is refused."""
    if decision not in Decision.values:
        raise ValidationError({"decision": "请选择审批意见：同意、驳回或退回修改。"})
    comment = (comment or "").strip()
    if decision in (Decision.REJECT, Decision.RETURN) and not comment:
        raise ValidationError({"comment": "驳回或退回时请填写理由，以便申请人修改。"})
    with transaction.atomic():
        approval = _lock(step.approval_id)
        step = ApprovalStep.objects.select_for_update().get(pk=step.pk)
        if approval.status == ApprovalStatus.WITHDRAWN:
            raise StepStateError("该申请已由申请人撤回，不能再审批。")
        if step.status == StepStatus.DONE:
            who = User.objects.filter(pk=step.decided_by_id).first()
            raise StepStateError(
                f"此步骤已由 {who} 于 {timezone.localtime(step.decided_at):%Y-%m-%d %H:%M} 审批"
                f"（{step.get_decision_display()}），不能重复审批。"
            )
        if approval.status != ApprovalStatus.PENDING:
            raise StepStateError(f"该申请已{approval.get_status_display()}，不能再审批。")
        if step.status != StepStatus.PENDING:
            raise StepStateError("尚未轮到此步骤审批，请等待前序步骤完成。" if step.status == StepStatus.WAITING
                                 else "此步骤已取消，不能审批。")
        if approval.submitted_by_id == actor.pk:
            raise ForbiddenError("不能审批自己提交的申请。")
        acting_for = step_acting_for(step, actor, today=today)
        if acting_for is None:
            raise ForbiddenError(f"此步骤应由“{step.role_name or step.role_code}”审批，您不是该步骤的审批人。")
        now = timezone.now()
        step.decision = decision
        step.comment = comment
        step.decided_by = actor
        step.decided_for = acting_for if acting_for.pk != actor.pk else None
        step.decided_at = now
        step.status = StepStatus.DONE
        step.save(update_fields=["decision", "comment", "decided_by", "decided_for", "decided_at", "status"])
        label = step.get_decision_display()
        on_behalf = f"（代 {acting_for} 审批）" if step.decided_for_id else ""
        _archive(approval, actor, f"{step.action or step.role_name}：{label}{on_behalf}", comment)
        if decision == Decision.APPROVE:
            nxt = (ApprovalStep.objects.select_for_update()
                   .filter(approval=approval, round=approval.round, order__gt=step.order)
                   .order_by("order").first())
            if nxt is not None:
                _activate(nxt, now)
                nxt.save(update_fields=["status", "activated_at", "due_at"])
                _notify_step(nxt, approval)
                return step
            approval.status = ApprovalStatus.APPROVED
        else:
            approval.status = ApprovalStatus.REJECTED if decision == Decision.REJECT else ApprovalStatus.RETURNED
            ApprovalStep.objects.filter(approval=approval, round=approval.round, status=StepStatus.WAITING).update(
                status=StepStatus.CANCELLED
            )
        approval.finished_at = now
        approval.save(update_fields=["status", "finished_at"])
        _emit(approval, approval.status, actor)
        notify(
            [approval.submitted_by], kind=f"approval_{approval.status}",
            title=f"您的申请{approval.get_status_display()}：{approval.title}",
            body=f"{step.action or step.role_name} · {actor}：{label}" + (f"。{comment}" if comment else ""),
            url=approval_url(approval),
        )
    return step


def approval_withdraw(*, actor: User, approval: Approval, reason: str = "") -> Approval:
    with transaction.atomic():
        approval = _lock(approval.pk)
        if approval.submitted_by_id != actor.pk:
            raise ForbiddenError("只有申请人可以撤回申请。")
        if approval.status != ApprovalStatus.PENDING:
            raise StepStateError(f"该申请已{approval.get_status_display()}，不能撤回。")
        approval.status = ApprovalStatus.WITHDRAWN
        approval.finished_at = timezone.now()
        approval.save(update_fields=["status", "finished_at"])
        ApprovalStep.objects.filter(
            approval=approval, round=approval.round, status__in=[StepStatus.WAITING, StepStatus.PENDING]
        ).update(status=StepStatus.CANCELLED)
        _emit(approval, "withdrawn", actor)
        _archive(approval, actor, f"撤回{approval.get_kind_display()}：{approval.title}", reason)
    return approval


def approval_resubmit(*, actor: User, approval: Approval, comment: str = "") -> Approval:
    """Start a new round after a rejection, a return or a withdrawal. Earlier rounds stay as history."""
    with transaction.atomic():
        approval = _lock(approval.pk)
        if approval.submitted_by_id != actor.pk:
            raise ForbiddenError("只有申请人可以重新提交申请。")
        if approval.status not in RESUBMITTABLE_STATUSES:
            raise StepStateError(f"该申请{approval.get_status_display()}，不能重新提交。")
        chain = chain_for(approval.kind, pack_name=approval.pack_name if approval.pack_name != "builtin" else None)
        chain = _shaped(approval.kind, approval.subject, chain, actor)
        now = timezone.now()
        approval.round += 1
        approval.status = ApprovalStatus.PENDING
        approval.submitted_at = now
        approval.finished_at = None
        approval.chain_code, approval.chain_name, approval.article = chain.code, chain.name, chain.article
        approval.pack_name, approval.pack_version = chain.pack_name, chain.pack_version
        approval.save()
        first = _create_round(approval, chain, _targets(approval.kind, approval.subject, None), now)
        _emit(approval, "submitted", actor)
        _archive(approval, actor, f"修改后重新提交（第{approval.round}次）：{approval.title}", comment)
        _notify_step(first, approval)
    return approval


def step_delegate(*, actor: User, step: ApprovalStep, to_user: User, reason: str = "") -> ApprovalStep:
    """Hand one waiting step to a colleague (the owner stays able to decide it too)."""
    with transaction.atomic():
        _lock(step.approval_id)
        step = ApprovalStep.objects.select_for_update(of=("self",)).select_related("approval").get(pk=step.pk)
        if step.status != StepStatus.PENDING:
            raise StepStateError("只能委托待审批的步骤。")
        if step_acting_for(step, actor) is None:
            raise ForbiddenError("您不是该步骤的审批人，不能委托。")
        if to_user.pk == actor.pk:
            raise ValidationError({"to_user": "不能委托给自己。"})
        if not to_user.is_active:
            raise ValidationError({"to_user": "受托人已停用。"})
        if to_user.pk == step.approval.submitted_by_id:
            raise ValidationError({"to_user": "不能委托给申请人本人。"})
        step.delegated_to = to_user
        step.delegated_by = actor
        step.save(update_fields=["delegated_to", "delegated_by"])
        _archive(step.approval, actor, f"{step.action or step.role_name}：委托 {to_user} 审批", reason)
        notify([to_user], kind="approval_delegated", title=f"{actor} 委托您审批：{step.approval.title}",
               body=reason, url=approval_url(step.approval))
    return step


def delegation_create(*, actor: User, to_user: User, start: date, end: date, reason: str = "") -> Delegation:
    """While the actor is away (start–end), `to_user` decides the steps waiting for the actor."""
    errors: dict[str, str] = {}
    if to_user.pk == actor.pk:
        errors["to_user"] = "不能委托给自己。"
    elif not to_user.is_active:
        errors["to_user"] = "受托人已停用。"
    if end < start:
        errors["end"] = "结束日期不能早于开始日期。"
    elif (end - start).days > 366:
        errors["end"] = "委托期限不能超过一年。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        d = Delegation.objects.create(from_user=actor, to_user=to_user, start=start, end=end, reason=reason[:200])
        notify([to_user], kind="delegation", title=f"{actor} 在 {start} 至 {end} 期间委托您代为审批",
               body=reason, url=reverse("workflow:delegations"))
    return d


def delegation_cancel(*, actor: User, delegation: Delegation) -> Delegation:
    if delegation.from_user_id != actor.pk:
        raise ForbiddenError("只有委托人可以取消委托。")
    if delegation.cancelled_at is None:
        delegation.cancelled_at = timezone.now()
        delegation.save(update_fields=["cancelled_at"])
    return delegation
