"""Visit plan, visit reports, events and gifts pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.errors import ServiceError
from kehu.core.forms import apply_service_error
from kehu.org.models import User
from kehu.service import forms as f
from kehu.service import selectors, services
from kehu.service.models import CustomerEvent, GiftRequest, GiftStatus
from kehu.service.views_common import resolve_customer_id

MONTHS = list(range(1, 13))


def _owners(actor):
    return User.objects.filter(is_active=True).filter(selectors.users_in_scope_q(actor)).order_by("username")[:500]


@login_required
@permission_required("service.view_visitplan", raise_exception=True)
def visit_plan(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        owner_id = int(request.GET.get("owner", request.user.pk))
    except ValueError:
        raise Http404 from None
    detail = selectors.visit_plan_detail(actor=request.user, owner_id=owner_id, year=year)
    form = f.PlanGenerateForm(owners=_owners(request.user), initial={"owner": owner_id, "year": year})
    return render(request, "service/visit_plan.html", {
        "detail": detail, "year": year, "owner_id": owner_id, "form": form, "months": MONTHS,
        "item_form": f.PlanItemForm(), "overdue": selectors.visit_overdue_items(actor=request.user)[:20],
    })


@login_required
@require_POST
def visit_plan_generate(request: HttpRequest) -> HttpResponse:
    form = f.PlanGenerateForm(request.POST, owners=_owners(request.user))
    if form.is_valid():
        try:
            plan = services.visit_plan_generate(actor=request.user, owner_id=int(form.cleaned_data["owner"]),
                                                year=form.cleaned_data["year"])
            messages.success(request, _("已生成 %(year)s 年走访计划。") % {"year": plan.year})
            return redirect(f"{reverse('service:visit_plan')}?owner={plan.owner_id}&year={plan.year}")
        except (ValidationError, ServiceError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [getattr(exc, "message", str(exc))])))
    return redirect("service:visit_plan")


@login_required
@require_POST
def visit_plan_item(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        if request.POST.get("delete"):
            services.visit_plan_item_delete(actor=request.user, item_id=pk)
        else:
            form = f.PlanItemForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors)
            services.visit_plan_item_update(actor=request.user, item_id=pk, **form.cleaned_data)
        messages.success(request, _("计划已调整。"))
    except (ValidationError, ServiceError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [getattr(exc, "message", str(exc))])))
    return redirect(request.POST.get("next") or "service:visit_plan")


@login_required
@permission_required("service.add_visitreport", raise_exception=True)
def visit_report_create(request: HttpRequest) -> HttpResponse:
    initial = {"customer": request.GET.get("customer", ""), "plan_item": request.GET.get("plan_item"),
               "visited_on": timezone.localdate(), "kind": request.GET.get("kind", "onsite")}
    form = f.VisitReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            customer_id = resolve_customer_id(request.user, d.pop("customer"))
            plan_item_id = d.pop("plan_item")
            report = services.visit_report_create(actor=request.user, customer_id=customer_id,
                                                  plan_item_id=plan_item_id, **d)
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("走访记录已保存。"))
            return redirect(f"{reverse('service:visit_report_list')}?customer={report.customer_id}")
    return render(request, "service/visit_report_form.html", {"form": form})


@login_required
@permission_required("service.view_visitreport", raise_exception=True)
def visit_report_list(request: HttpRequest) -> HttpResponse:
    cid = request.GET.get("customer")
    reports = selectors.visit_reports(actor=request.user, customer_id=int(cid) if cid and cid.isdigit() else None)
    return render(request, "service/visit_report_list.html", {"reports": reports[:200]})


@login_required
@permission_required("service.view_customerevent", raise_exception=True)
def event_list(request: HttpRequest) -> HttpResponse:
    form = f.EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, **form.cleaned_data)
            return redirect("service:event_detail", pk=event.pk)
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
    return render(request, "service/event_list.html", {"events": CustomerEvent.objects.all()[:100], "form": form})


@login_required
@permission_required("service.view_customerevent", raise_exception=True)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = CustomerEvent.objects.filter(pk=pk).first()
    if event is None:
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("action") == "invite":
                ids = []
                for code in request.POST.get("customers", "").split():
                    ids.append(resolve_customer_id(request.user, code, "customers"))
                grades = [g.strip() for g in request.POST.get("grades", "").replace("，", ",").split(",") if g.strip()]
                n = services.event_invite(actor=request.user, event_id=pk, customer_ids=ids, grades=grades)
                messages.success(request, _("已邀请 %(n)s 位客户。") % {"n": n})
            elif request.POST.get("action") == "record":
                services.event_record(actor=request.user, event_id=pk,
                                      attended_ids=[int(x) for x in request.POST.getlist("attended")],
                                      minutes=request.POST.get("minutes", ""),
                                      follow_up_actions=request.POST.get("follow_up_actions", ""))
                messages.success(request, _("会议记录已保存。"))
        except (ValidationError, ServiceError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [getattr(exc, "message", str(exc))])))
        return redirect("service:event_detail", pk=pk)
    return render(request, "service/event_detail.html", {
        "event": event, "invitees": event.invitees.select_related("customer"), "gifts": event.gifts.all()})


@login_required
@permission_required("service.view_giftrequest", raise_exception=True)
def gift_list(request: HttpRequest) -> HttpResponse:
    form = f.GiftForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("decide"):
                services.gift_request_decide(actor=request.user, gift_id=int(request.POST["decide"]),
                                             approve=request.POST.get("approve") == "1",
                                             comment=request.POST.get("comment", ""))
                messages.success(request, _("已审批。"))
                return redirect("service:gift_list")
            if form.is_valid():
                d = dict(form.cleaned_data)
                d["customer_id"] = resolve_customer_id(request.user, d.pop("customer"))
                services.gift_request_submit(actor=request.user, **d)
                messages.success(request, _("礼品赠送申请已提交，待市场营销部负责人同意。"))
                return redirect("service:gift_list")
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
    return render(request, "service/gift_list.html", {
        "gifts": GiftRequest.objects.select_related("customer", "requested_by", "decided_by")[:200], "form": form,
        "Pending": GiftStatus.PENDING})
