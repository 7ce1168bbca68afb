"""Complaint pages. Thin: forms in, one service call, redirect or re-render with field errors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.core.errors import ScopeError, ServiceError
from kehu.core.forms import apply_service_error
from kehu.org.models import OrgUnit, User
from kehu.service import forms as f
from kehu.service import selectors, services
from kehu.service.models import ComplaintStatus
from kehu.service.pack import service_rules
from kehu.service.views_common import resolve_customer_id


def _complaint(request, pk):
    try:
        return selectors.complaint_get(actor=request.user, pk=pk)
    except ScopeError as exc:
        raise Http404(exc.message) from exc


VIEWS = [
    ("due_today", gettext_lazy("今日到期")), ("overdue", gettext_lazy("已超期")), ("open", gettext_lazy("处理中")),
    ("waiting", gettext_lazy("等待客户")), ("resolved", gettext_lazy("待回访")), ("closed", gettext_lazy("已关闭")),
    ("", gettext_lazy("全部")),
]


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@login_required
@permission_required("service.view_complaint", raise_exception=True)
def complaint_list(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "open")
    filters = selectors.ComplaintFilters(view=view, department_id=_int(request.GET.get("department")),
                                         customer_id=_int(request.GET.get("customer")),
                                         query=request.GET.get("q", "").strip())
    complaints = selectors.complaint_list(actor=request.user, filters=filters)[:200]
    return render(request, "service/complaint_list.html", {
        "complaints": complaints, "view": view, "views": VIEWS, "filters": filters,
        "counts": selectors.complaint_counts(actor=request.user),
        "by_department": selectors.complaint_by_department(actor=request.user),
        "on_time": selectors.complaint_on_time_by_month(actor=request.user),
    })


@login_required
@permission_required("service.add_complaint", raise_exception=True)
def complaint_create(request: HttpRequest) -> HttpResponse:
    rules = service_rules()
    departments = OrgUnit.objects.order_by("path")
    initial = {"customer": request.GET.get("customer", "")}
    form = f.ComplaintForm(request.POST or None, request.FILES or None, types=rules.complaint_types,
                           departments=departments, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer_id = resolve_customer_id(request.user, data["customer"])
            complaint = services.complaint_register(
                actor=request.user, customer_id=customer_id, complaint_type=data["complaint_type"],
                description=data["description"], severity=data["severity"], channel=data["channel"],
                received_at=data["received_at"], contact_name=data["contact_name"],
                contact_phone=data["contact_phone"], department_id=_int(data["department"]),
                attachments=[data["attachment"]] if data["attachment"] else [],
            )
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("投诉 %(code)s 已登记。") % {"code": complaint.code})
            return redirect("service:complaint_detail", pk=complaint.pk)
    return render(request, "service/complaint_form.html", {"form": form, "rules": rules})


def _action_forms(request, complaint, bound=None, bound_form=None):
    departments = OrgUnit.objects.order_by("path")
    users = User.objects.filter(is_active=True).order_by("username")[:300]
    forms = {
        "assign": f.AssignForm(departments=departments, users=users, prefix="assign",
                               initial={"department": complaint.department_id, "assignee": complaint.assignee_id}),
        "pause": f.PauseForm(prefix="pause"),
        "investigate": f.InvestigateForm(prefix="investigate", initial={"responsibility": complaint.responsibility,
                                                                       "onsite_check": complaint.onsite_check}),
        "resolve": f.ResolveForm(prefix="resolve", initial={"responsibility": complaint.responsibility
                                                            if complaint.responsibility != "unknown" else ""}),
        "escalate": f.EscalateForm(prefix="escalate"),
        "meeting": f.MeetingForm(prefix="meeting"),
        "extension": f.ExtensionForm(prefix="extension"),
        "extension_decide": f.ExtensionDecideForm(prefix="extension_decide"),
        "follow_up": f.FollowUpForm(prefix="follow_up"),
    }
    if bound:
        forms[bound] = bound_form
    return forms


def _extension_context(request, complaint) -> dict:
    """The extension's approval (kehu.workflow) and whether this user holds its pending step."""
    from kehu.service.services.complaints import extension_approval
    from kehu.workflow.models import ApprovalStatus, StepStatus
    from kehu.workflow.selectors import step_acting_for

    approval = extension_approval(complaint) if complaint.extension_status else None
    can_decide = False
    if approval is not None and approval.status == ApprovalStatus.PENDING \
            and approval.submitted_by_id != request.user.pk:
        step = approval.steps.filter(round=approval.round, status=StepStatus.PENDING).first()
        can_decide = step is not None and step_acting_for(step, request.user) is not None
    return {"extension_approval": approval, "can_decide_extension": can_decide}


def _detail(request, complaint, forms, status=200):
    rules = service_rules(complaint.pack or None)
    spec = rules.deadlines.get(complaint.severity)
    return render(request, "service/complaint_detail.html", {
        "c": complaint, "forms": forms, "steps": complaint.steps.select_related("actor"),
        "pauses": complaint.pauses.all(), "follow_ups": complaint.follow_ups.select_related("caller"),
        "meetings": complaint.meetings.all(), "attachments": complaint.attachments.all(), "spec": spec,
        "can_extend": spec is not None and spec.max_days is not None,
        "Status": ComplaintStatus, **_extension_context(request, complaint),
    }, status=status)


@login_required
@permission_required("service.view_complaint", raise_exception=True)
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    return _detail(request, complaint, _action_forms(request, complaint))


@login_required
@require_POST
def complaint_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    complaint = _complaint(request, pk)
    departments = OrgUnit.objects.order_by("path")
    builders = {
        "assign": lambda: f.AssignForm(request.POST, departments=departments,
                                       users=User.objects.filter(is_active=True), prefix="assign"),
        "pause": lambda: f.PauseForm(request.POST, prefix="pause"),
        "resume": None,
        "investigate": lambda: f.InvestigateForm(request.POST, prefix="investigate"),
        "resolve": lambda: f.ResolveForm(request.POST, prefix="resolve"),
        "escalate": lambda: f.EscalateForm(request.POST, prefix="escalate"),
        "meeting": lambda: f.MeetingForm(request.POST, prefix="meeting"),
        "extension": lambda: f.ExtensionForm(request.POST, prefix="extension"),
        "extension_decide": lambda: f.ExtensionDecideForm(request.POST, prefix="extension_decide"),
        "follow_up": lambda: f.FollowUpForm(request.POST, prefix="follow_up"),
        "attach": None,
    }
    if action not in builders:
        return HttpResponse(status=404)
    form = builders[action]() if builders[action] else None
    u = request.user
    try:
        if action == "resume":
            services.complaint_resume(actor=u, complaint_id=pk)
        elif action == "attach":
            services.complaint_attachment_add(actor=u, complaint_id=pk, file=request.FILES.get("file"))
        elif form.is_valid():
            d = form.cleaned_data
            if action == "assign":
                services.complaint_assign(actor=u, complaint_id=pk, department_id=_int(d["department"]),
                                          assignee_id=_int(d["assignee"]), note=d["note"])
            elif action == "pause":
                services.complaint_pause(actor=u, complaint_id=pk, reason=d["reason"])
            elif action == "investigate":
                services.complaint_investigate(actor=u, complaint_id=pk, onsite_check=d["onsite_check"],
                                               onsite_at=d["onsite_at"], responsibility=d["responsibility"])
            elif action == "resolve":
                services.complaint_resolve(actor=u, complaint_id=pk, responsibility=d["responsibility"],
                                           solution=d["solution"], written_reply=d["written_reply"])
            elif action == "escalate":
                services.complaint_escalate(actor=u, complaint_id=pk, reason=d["reason"])
            elif action == "meeting":
                services.complaint_meeting_record(actor=u, complaint_id=pk, **d)
            elif action == "extension":
                services.complaint_extension_request(actor=u, complaint_id=pk, days=d["days"], reason=d["reason"])
            elif action == "extension_decide":
                services.complaint_extension_decide(actor=u, complaint_id=pk, **d)
            elif action == "follow_up":
                services.complaint_follow_up(actor=u, complaint_id=pk, **d)
        else:
            raise ValidationError(form.errors)
    except (ValidationError, ServiceError) as exc:
        if form is None:
            messages.error(request, getattr(exc, "message", None) or "；".join(getattr(exc, "messages", [str(exc)])))
            return redirect("service:complaint_detail", pk=pk)
        if not (isinstance(exc, ValidationError) and hasattr(exc, "error_dict") and form.errors):
            apply_service_error(form, exc)
        complaint.refresh_from_db()
        return _detail(request, complaint, _action_forms(request, complaint, action, form), status=400)
    messages.success(request, _("已保存。"))
    return redirect("service:complaint_detail", pk=pk)
