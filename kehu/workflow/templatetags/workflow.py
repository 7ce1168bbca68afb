"""`{% load workflow %}{% approval_panel subject %}` shows every approval of a record (steps, decisions, comments,
deadlines) with the decision form for whoever holds the current step. `{% agency_licence customer %}` shows the
exclusive agency licence status (000 第十条)."""

from __future__ import annotations

from django import template

from kehu.workflow.forms import DecideForm, StepDelegateForm
from kehu.workflow.models import ApprovalStatus, StepStatus
from kehu.workflow.selectors import agency_licence_status, approvals_for_subject, step_acting_for

register = template.Library()

_STATUS_CLASS = {
    ApprovalStatus.DRAFT: "secondary",
    ApprovalStatus.PENDING: "primary",
    ApprovalStatus.APPROVED: "success",
    ApprovalStatus.REJECTED: "danger",
    ApprovalStatus.RETURNED: "warning",
    ApprovalStatus.WITHDRAWN: "secondary",
    "approve": "success",
    "reject": "danger",
    "return": "warning",
    "valid": "success",
    "expired": "danger",
    "revoked": "dark",
    "none": "secondary",
}


@register.filter
def badge_class(value) -> str:
    return _STATUS_CLASS.get(str(value), "secondary")


@register.inclusion_tag("workflow/_approval_panel.html", takes_context=True)
def approval_panel(context, subject, approvals=None):
    request = context.get("request")
    user = getattr(request, "user", None)
    approvals = list(approvals if approvals is not None else approvals_for_subject(subject))
    blocks = []
    for approval in approvals:
        steps = list(approval.steps.all())
        pending = next((s for s in steps if s.status == StepStatus.PENDING and s.round == approval.round), None)
        can_decide = bool(
            user and pending and approval.status == ApprovalStatus.PENDING
            and approval.submitted_by_id != user.pk and step_acting_for(pending, user) is not None
        )
        rounds: dict[int, list] = {}
        for s in steps:
            rounds.setdefault(s.round, []).append(s)
        blocks.append({
            "approval": approval,
            "rounds": sorted(rounds.items(), reverse=True),
            "pending": pending,
            "can_decide": can_decide,
            "is_submitter": bool(user and approval.submitted_by_id == user.pk),
        })
    return {
        "blocks": blocks,
        "decide_form": DecideForm(),
        "delegate_form": StepDelegateForm(),
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request else "",
    }


@register.inclusion_tag("workflow/_agency_licence_badge.html")
def agency_licence(customer):
    return {"status": agency_licence_status(customer)}


@register.inclusion_tag("workflow/_customer_lifecycle.html", takes_context=True)
def customer_lifecycle(context, customer):
    """For the customer archive page: licence status, open suspension, every approval about this customer, and
    the lifecycle actions the viewer may take (开户申请, 取消资格)."""
    from kehu.workflow.models import Approval, ExpirySuspension
    from kehu.workflow.selectors import approvals_with_steps

    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "customer": customer,
        "licence": agency_licence_status(customer),
        "suspension": ExpirySuspension.objects.filter(customer=customer, lifted_at__isnull=True).first(),
        "approvals": list(approvals_with_steps(Approval.objects.filter(customer=customer))[:20]),
        "can_apply": bool(user and user.has_perm("workflow.add_admissionapplication")
                          and customer.status == "prospect"),
        "can_transfer": bool(user and user.has_perm("workflow.add_leveltransferrequest") and customer.unit_id
                             and customer.status != "disqualified"),
        "can_disqualify": bool(user and user.has_perm("workflow.add_disqualificationrequest")
                               and customer.status != "disqualified"),
    }
