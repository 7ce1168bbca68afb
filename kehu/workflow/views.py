"""Web pages for approvals and the customer lifecycle. Thin: a form, one service or selector call, a template."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.errors import ScopeError, ServiceError
from kehu.core.forms import apply_service_error
from kehu.customers.models import Customer, CustomerStatus
from kehu.customers.selectors import customer_get_for_actor, customer_queryset_for_actor
from kehu.workflow import selectors, services
from kehu.workflow.forms import (
    AccessRequestForm,
    AdmissionForm,
    DecideForm,
    DelegationForm,
    DisqualificationForm,
    LevelTransferForm,
    LicenceForm,
    OverrideForm,
    RevokeForm,
    StepDelegateForm,
)
from kehu.workflow.models import (
    AccessRequest,
    AdmissionApplication,
    AgencyLicence,
    Approval,
    ApprovalStatus,
    ApprovalStep,
    BlockedCreditCode,
    Delegation,
    DisqualificationRequest,
)
from kehu.workflow.services.admission import TYPE_CONDITIONS
from kehu.workflow.services.approvals import approval_url


def _back(request: HttpRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def _error_message(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.error(request, getattr(exc, "message", str(exc)))


# ----- inbox and approvals ---------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "waiting")
    user = request.user
    ctx = {"tab": tab, "counts": selectors.inbox_counts(user), "now": timezone.now()}
    if tab == "submitted":
        ctx["approvals"] = list(selectors.approvals_submitted_by(user)[:200])
    elif tab == "overdue":
        ctx["steps"] = list(selectors.steps_overdue_for(user)[:200])
    else:
        ctx["steps"] = list(selectors.steps_waiting_for(user)[:200])
    return render(request, "workflow/inbox.html", ctx)


def _approval_or_404(request, pk):
    try:
        return selectors.approval_get_for_actor(actor=request.user, pk=pk)
    except ScopeError as exc:
        raise Http404(exc.message) from exc


@login_required
def approval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _approval_or_404(request, pk)
    subject_url = approval_url(approval)
    if subject_url != request.path and approval.kind in ("admission", "disqualification",
                                                                               "level_transfer"):
        return redirect(subject_url)
    approvals = selectors.approvals_with_steps(Approval.objects.filter(pk=approval.pk))
    return render(request, "workflow/approval_detail.html",
                  {"approval": approval, "subject": approval.subject, "approvals": approvals})


@login_required
@require_POST
def step_decide(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_object_or_404(ApprovalStep.objects.select_related("approval"), pk=pk)
    _approval_or_404(request, step.approval_id)
    form = DecideForm(request.POST)
    back = _back(request, approval_url(step.approval))
    if not form.is_valid():
        messages.error(request, _("请选择审批意见。"))
        return redirect(back)
    try:
        services.approval_step_decide(actor=request.user, step=step, decision=form.cleaned_data["decision"],
                                      comment=form.cleaned_data["comment"])
    except (ServiceError, ValidationError) as exc:
        _error_message(request, exc)
    else:
        messages.success(request, _("审批意见已提交。"))
    return redirect(back)


@login_required
@require_POST
def step_delegate(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_object_or_404(ApprovalStep.objects.select_related("approval"), pk=pk)
    _approval_or_404(request, step.approval_id)
    form = StepDelegateForm(request.POST)
    back = _back(request, approval_url(step.approval))
    if form.is_valid():
        try:
            services.step_delegate(actor=request.user, step=step, to_user=form.cleaned_data["to_user"],
                                   reason=form.cleaned_data["reason"])
            messages.success(request, _("已委托。"))
        except (ServiceError, ValidationError) as exc:
            _error_message(request, exc)
    else:
        messages.error(request, _("请选择受托人。"))
    return redirect(back)


@login_required
@require_POST
def approval_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _approval_or_404(request, pk)
    try:
        services.approval_withdraw(actor=request.user, approval=approval, reason=request.POST.get("reason", ""))
        messages.success(request, _("申请已撤回。"))
    except (ServiceError, ValidationError) as exc:
        _error_message(request, exc)
    return redirect(_back(request, approval_url(approval)))


@login_required
@require_POST
def approval_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _approval_or_404(request, pk)
    try:
        services.approval_resubmit(actor=request.user, approval=approval, comment=request.POST.get("comment", ""))
        messages.success(request, _("已重新提交。"))
    except (ServiceError, ValidationError) as exc:
        _error_message(request, exc)
    return redirect(_back(request, approval_url(approval)))


@login_required
def delegations(request: HttpRequest) -> HttpResponse:
    form = DelegationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.delegation_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("委托已登记。"))
            return redirect("workflow:delegations")
        except (ServiceError, ValidationError) as exc:
            apply_service_error(form, exc)
    rows = Delegation.objects.filter(Q(from_user=request.user) | Q(to_user=request.user)).select_related(
        "from_user", "to_user")[:100]
    return render(request, "workflow/delegations.html", {"form": form, "rows": rows,
                                                        "today": timezone.localdate()})


@login_required
@require_POST
def delegation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    d = get_object_or_404(Delegation, pk=pk, from_user=request.user)
    services.delegation_cancel(actor=request.user, delegation=d)
    messages.success(request, _("委托已取消。"))
    return redirect("workflow:delegations")


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notification_mark_read(actor=request.user)
        return redirect("workflow:notifications")
    return render(request, "workflow/notifications.html",
                  {"rows": selectors.notifications_for(request.user)})


# ----- admission -------------------------------------------------------------------------------------------


@login_required
def admission_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.admission_applications_for(request.user)[:200]
    return render(request, "workflow/admission_list.html", {"rows": rows})


@login_required
def admission_new(request: HttpRequest) -> HttpResponse:
    customers = selectors.admission_candidates(request.user)
    initial = {"customer": request.GET.get("customer")} if request.GET.get("customer") else None
    form = AdmissionForm(request.POST or None, customers=customers, initial=initial)
    if request.method == "POST" and form.is_valid():
        submit = "save_draft" not in request.POST
        try:
            fields = form.service_fields()
            app = services.admission_apply(actor=request.user, customer=form.cleaned_data["customer"],
                                           submit=submit, **{k: v for k, v in fields.items()
                                                             if k != "customer_type"},
                                           customer_type=fields["customer_type"])
            messages.success(request, _("开户申请已提交，等待销售部审核。") if submit else _("草稿已保存。"))
            return redirect("workflow:admission_detail", pk=app.pk)
        except (ServiceError, ValidationError) as exc:
            apply_service_error(form, exc)
    return render(request, "workflow/admission_form.html",
                  {"form": form, "type_conditions": TYPE_CONDITIONS, "title": _("填写客户开户审批表")})


def _application_or_404(request, pk) -> AdmissionApplication:
    app = get_object_or_404(AdmissionApplication.objects.select_related("customer", "created_by", "approval",
                                                                         "override_by"), pk=pk)
    if app.created_by_id == request.user.pk or request.user.has_perm("workflow.view_all_approvals"):
        return app
    if app.approval_id and app.approval.steps.filter(selectors.step_holder_q(request.user)).exists():
        return app
    if customer_queryset_for_actor(request.user).filter(pk=app.customer_id).exists():
        return app
    raise Http404(_("开户申请不存在，或您无权查看。"))


@login_required
def admission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application_or_404(request, pk)
    checks = selectors.admission_material_checks(app)
    blocked = selectors.blocked_credit_code(app.customer.uscc)
    editable = app.created_by_id == request.user.pk and (
        app.approval is None or app.approval.status in (ApprovalStatus.REJECTED, ApprovalStatus.RETURNED,
                                                        ApprovalStatus.WITHDRAWN))
    conditions = [(label, bool(app.conditions.get(code))) for code, label in TYPE_CONDITIONS[app.customer_type]]
    return render(request, "workflow/admission_detail.html", {
        "app": app, "checks": checks, "blocked": blocked, "editable": editable, "conditions": conditions,
        "override_form": OverrideForm() if blocked and request.user.has_perm("workflow.override_blocklist") else None,
    })


@login_required
def admission_edit(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application_or_404(request, pk)
    initial = {f: getattr(app, f) for f in ("customer_type", "business_scope", "expected_products",
                                            "expected_monthly_quantity", "quantity_unit", "notes")}
    initial["conditions"] = [k for k, v in app.conditions.items() if v]
    form = AdmissionForm(request.POST or None, edit=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.admission_update(actor=request.user, application=app, **form.service_fields())
            if "save_draft" not in request.POST:
                services.admission_submit(actor=request.user, application=app)
                messages.success(request, _("已修改并重新提交。"))
            else:
                messages.success(request, _("修改已保存。"))
            return redirect("workflow:admission_detail", pk=app.pk)
        except (ServiceError, ValidationError) as exc:
            apply_service_error(form, exc)
    return render(request, "workflow/admission_form.html",
                  {"form": form, "app": app, "type_conditions": TYPE_CONDITIONS, "title": _("修改客户开户审批表")})


@login_required
@require_POST
def admission_submit(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application_or_404(request, pk)
    try:
        services.admission_submit(actor=request.user, application=app)
        messages.success(request, _("开户申请已提交。"))
    except (ServiceError, ValidationError) as exc:
        _error_message(request, exc)
    return redirect("workflow:admission_detail", pk=app.pk)


@login_required
@require_POST
def admission_override(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application_or_404(request, pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.admission_blocklist_override(actor=request.user, application=app,
                                                  reason=form.cleaned_data["override_reason"])
            messages.success(request, _("例外说明已记录，申请人可提交开户申请。"))
        except (ServiceError, ValidationError) as exc:
            _error_message(request, exc)
    return redirect("workflow:admission_detail", pk=app.pk)


@login_required
def admission_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from kehu.workflow.pdf import admission_pdf as render_pdf

    app = _application_or_404(request, pk)
    response = HttpResponse(render_pdf(app), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="admission-{app.customer.code}.pdf"'
    return response


@login_required
def admission_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from kehu.workflow.xlsx import admission_xlsx as render_xlsx

    app = _application_or_404(request, pk)
    response = HttpResponse(render_xlsx(app),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="admission-{app.customer.code}.xlsx"'
    return response


# ----- archive access --------------------------------------------------------------------------------------


@login_required
def access_list(request: HttpRequest) -> HttpResponse:
    form = AccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ref = form.cleaned_data["customer_ref"].strip().upper()
        customer = Customer.objects.filter(Q(code__iexact=ref) | Q(uscc=ref)).first()
        if customer is None:
            form.add_error("customer_ref", _("没有找到该客户编码或信用代码。"))
        else:
            try:
                services.access_request_submit(actor=request.user, customer=customer,
                                               reason=form.cleaned_data["reason"], days=form.cleaned_data["days"])
                messages.success(request, _("查阅申请已提交，等待客户所属部门负责人同意。"))
                return redirect("workflow:access_list")
            except (ServiceError, ValidationError) as exc:
                apply_service_error(form, exc)
                if isinstance(exc, ServiceError) and exc.field == "customer":
                    form.add_error("customer_ref", exc.message)
    requests_ = AccessRequest.objects.filter(requester=request.user).select_related(
        "customer", "approval", "grant")[:100]
    return render(request, "workflow/access_list.html", {"form": form, "rows": requests_, "now": timezone.now()})


# ----- expiry, disqualification, licences ------------------------------------------------------------------


@login_required
def expiring(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = [(q, (q.expires_on - today).days) for q in selectors.qualifications_expiring(actor=request.user,
                                                                                       today=today, days=60)[:500]]
    return render(request, "workflow/expiring.html", {"rows": rows, "today": today})


@login_required
def disqualification_new(request: HttpRequest, customer_pk: int) -> HttpResponse:
    try:
        customer = customer_get_for_actor(actor=request.user, pk=customer_pk)
    except ScopeError as exc:
        raise Http404(exc.message) from exc
    form = DisqualificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.disqualification_request_submit(actor=request.user, customer=customer,
                                                           **form.cleaned_data)
            messages.success(request, _("取消资格申请已提交审批。"))
            return redirect("workflow:disqualification_detail", pk=req.pk)
        except (ServiceError, ValidationError) as exc:
            apply_service_error(form, exc)
    return render(request, "workflow/disqualification_form.html", {"form": form, "customer": customer})


@login_required
def disqualification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(DisqualificationRequest.objects.select_related("customer", "requested_by", "approval"),
                            pk=pk)
    if req.approval_id:
        _approval_or_404(request, req.approval_id)
    return render(request, "workflow/disqualification_detail.html", {"req": req})


@login_required
def blocklist(request: HttpRequest) -> HttpResponse:
    rows = BlockedCreditCode.objects.select_related("request")[:500]
    return render(request, "workflow/blocklist.html", {"rows": rows})


@login_required
def licences(request: HttpRequest) -> HttpResponse:
    can_issue = request.user.has_perm("workflow.add_agencylicence")
    customers = customer_queryset_for_actor(request.user).filter(status=CustomerStatus.ACTIVE).order_by("name")
    form = LicenceForm(request.POST or None, customers=customers) if can_issue else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.agency_licence_issue(actor=request.user, customer=data["customer"], year=data["year"],
                                          region=data["region"],
                                          conditions={c: True for c in data["conditions"]})
            messages.success(request, _("独家代理许可证已颁发。"))
            return redirect("workflow:licences")
        except (ServiceError, ValidationError) as exc:
            apply_service_error(form, exc)
    return render(request, "workflow/licences.html", {
        "form": form, "rows": selectors.agency_licences(actor=request.user)[:500], "today": timezone.localdate(),
        "revoke_form": RevokeForm() if can_issue else None,
    })


@login_required
@require_POST
def licence_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    lic = get_object_or_404(AgencyLicence, pk=pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.agency_licence_revoke(actor=request.user, licence=lic, reason=form.cleaned_data["reason"])
            messages.success(request, _("许可证已吊销。"))
        except (ServiceError, ValidationError) as exc:
            _error_message(request, exc)
    else:
        messages.error(request, _("请填写吊销原因。"))
    return redirect("workflow:licences")


# ----- level transfer (002 6.1.1) --------------------------------------------------------------------------


@login_required
def level_transfer_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.level_transfers_for(request.user)[:200]
    return render(request, "workflow/level_transfer_list.html", {"rows": rows})


@login_required
def level_transfer_new(request: HttpRequest, customer_pk: int) -> HttpResponse:
    try:
        customer = customer_get_for_actor(actor=request.user, pk=customer_pk)
    except ScopeError as exc:
        raise Http404(exc.message) from exc
    form = LevelTransferForm(request.POST or None, units=selectors.level_transfer_targets_for(customer))
    if request.method == "POST" and form.is_valid():
        try:
            req = services.level_transfer_request_submit(actor=request.user, customer=customer,
                                                         **form.cleaned_data)
            messages.success(request, _("管理层级转移申请已提交，等待移出单位负责人同意。"))
            return redirect("workflow:level_transfer_detail", pk=req.pk)
        except (ServiceError, ValidationError) as exc:
            apply_service_error(form, exc)
    return render(request, "workflow/level_transfer_form.html", {"form": form, "customer": customer})


@login_required
def level_transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = selectors.level_transfers_for(request.user).filter(pk=pk).first()
    if req is None:
        raise Http404(_("申请不存在，或您无权查看。"))
    return render(request, "workflow/level_transfer_detail.html", {"req": req})
