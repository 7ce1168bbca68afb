"""Pages of customer development: prospects and survey tables, plans and their completion, progress reports, the
shared pool, and the role dashboard. Thin: a form, one service or selector, a template."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.errors import ServiceError
from kehu.core.forms import apply_service_error
from kehu.development import forms as f
from kehu.development import selectors, services
from kehu.development.models import (
    PlanStatus,
    ProspectStatus,
    TargetCategory,
)
from kehu.development.rules import (
    add_months,
    development_rules,
    manages_unit,
    month_start,
    pack_name_for_unit,
    period_bounds,
)
from kehu.development.services.plans import plan_get_for_actor
from kehu.development.services.prospects import prospect_get_for_actor
from kehu.org.models import OrgUnit, OrgUnitKind, User
from kehu.org.selectors import user_scope


def _messages_of(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return getattr(exc, "message", str(exc))


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# ----- prospects -------------------------------------------------------------------------------------------------


@login_required
@permission_required("development.view_prospect", raise_exception=True)
def prospect_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.ProspectFilters(status=request.GET.get("status", ""), query=request.GET.get("q", "").strip(),
                                        survey_id=_int(request.GET.get("survey")))
    page = Paginator(selectors.prospect_list(actor=request.user, filters=filters), 50).get_page(request.GET.get("page"))
    return render(request, "development/prospect_list.html", {
        "page": page, "filters": filters, "statuses": ProspectStatus.choices,
        "surveys": selectors.survey_list(actor=request.user)[:12],
    })


@login_required
@permission_required("development.add_prospect", raise_exception=True)
def prospect_new(request: HttpRequest) -> HttpResponse:
    form = f.ProspectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            prospect = services.prospect_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已登记潜在客户 %(code)s。") % {"code": prospect.code})
            return redirect("development:prospect_detail", pk=prospect.pk)
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
    return render(request, "development/prospect_form.html", {"form": form, "prospect": None})


@login_required
@permission_required("development.change_prospect", raise_exception=True)
def prospect_edit(request: HttpRequest, pk: int) -> HttpResponse:
    prospect = prospect_get_for_actor(actor=request.user, pk=pk)
    initial = {name: getattr(prospect, name) for name in f.ProspectForm.base_fields}
    form = f.ProspectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.prospect_update(actor=request.user, prospect=prospect, **form.cleaned_data)
            messages.success(request, _("已保存。"))
            return redirect("development:prospect_detail", pk=prospect.pk)
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
    return render(request, "development/prospect_form.html", {"form": form, "prospect": prospect})


def _team_users(actor: User):
    scope = user_scope(actor)
    qs = User.objects.filter(is_active=True).order_by("username")
    if scope.kind != "all" and actor.unit:
        company = actor.unit.path.split("/")[0] + "/"
        qs = qs.filter(unit__path__startswith=company)
    return qs[:500]


@login_required
@permission_required("development.view_prospect", raise_exception=True)
def prospect_detail(request: HttpRequest, pk: int) -> HttpResponse:
    prospect = prospect_get_for_actor(actor=request.user, pk=pk)
    team = getattr(prospect, "key_account_team", None)
    application = prospect.customer.admission_applications.order_by("-created_at").first() if prospect.customer \
        else None
    return render(request, "development/prospect_detail.html", {
        "prospect": prospect, "team": team, "members": team.members.select_related("user") if team else [],
        "application": application,
        "history": prospect.history.select_related("history_user").order_by("-history_date")[:20],
        "convert_form": f.ConvertForm(initial={"expected_products": prospect.get_fuel_type_display()}),
        "drop_form": f.DropForm(),
        "team_form": f.TeamForm(users=_team_users(request.user)),
        "can_manage": manages_unit(request.user, prospect.unit),
    })


@login_required
@require_POST
def prospect_convert(request: HttpRequest, pk: int) -> HttpResponse:
    prospect = prospect_get_for_actor(actor=request.user, pk=pk)
    form = f.ConvertForm(request.POST)
    if form.is_valid():
        try:
            application = services.prospect_convert(actor=request.user, prospect=prospect, **form.cleaned_data)
            messages.success(request, _("已建立客户档案并生成开户审批表草稿："
                                        "请补齐资质与开票资料后提交审批（000 第七条）。"))
            return redirect("workflow:admission_detail", pk=application.pk)
        except (ValidationError, ServiceError) as exc:
            messages.error(request, _messages_of(exc))
    else:
        messages.error(request, _messages_of(ValidationError(form.errors)))
    return redirect("development:prospect_detail", pk=pk)


@login_required
@require_POST
def prospect_drop(request: HttpRequest, pk: int) -> HttpResponse:
    prospect = prospect_get_for_actor(actor=request.user, pk=pk)
    try:
        services.prospect_drop(actor=request.user, prospect=prospect, reason=request.POST.get("reason", ""))
        messages.success(request, _("已标记为放弃开发。"))
    except (ValidationError, ServiceError) as exc:
        messages.error(request, _messages_of(exc))
    return redirect("development:prospect_detail", pk=pk)


def _members(actor: User, text: str) -> list[tuple[User, str]]:
    members, unknown = [], []
    for line in (text or "").splitlines():
        parts = line.strip().split(None, 1)
        if not parts:
            continue
        user = _team_users(actor).filter(username=parts[0]).first()
        if user is None:
            unknown.append(parts[0])
        else:
            members.append((user, parts[1] if len(parts) > 1 else ""))
    if unknown:
        raise ValidationError({"members": [f"找不到用户：{'、'.join(unknown)}。"]})
    return members


@login_required
@require_POST
def prospect_team(request: HttpRequest, pk: int) -> HttpResponse:
    prospect = prospect_get_for_actor(actor=request.user, pk=pk)
    form = f.TeamForm(request.POST, users=_team_users(request.user))
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.key_account_team_form(
            actor=request.user, prospect=prospect, leader=form.cleaned_data["leader"],
            deputy=form.cleaned_data["deputy"], members=_members(request.user, form.cleaned_data["members"]),
            note=form.cleaned_data["note"])
        messages.success(request, _("已组建重点客户开发工作小组（摘牌）。"))
    except (ValidationError, ServiceError) as exc:
        messages.error(request, _messages_of(exc))
    return redirect("development:prospect_detail", pk=pk)


# ----- survey tables ---------------------------------------------------------------------------------------------


@login_required
@permission_required("development.view_prospectsurvey", raise_exception=True)
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = selectors.survey_list(actor=request.user).order_by("-year", "-month", "unit__path")
    page = Paginator(surveys, 50).get_page(request.GET.get("page"))
    return render(request, "development/survey_list.html", {"page": page, "today": timezone.localdate()})


@login_required
@permission_required("development.view_prospectsurvey", raise_exception=True)
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(actor=request.user, pk=pk)
    prospects = survey.prospects.select_related("owner").order_by("code")
    return render(request, "development/survey_detail.html", {
        "survey": survey, "prospects": prospects, "today": timezone.localdate()})


@login_required
@require_POST
def survey_submit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(actor=request.user, pk=pk)
    try:
        services.prospect_survey_submit(actor=request.user, survey=survey)
        messages.success(request, _("调查表已报送。"))
    except (ValidationError, ServiceError) as exc:
        messages.error(request, _messages_of(exc))
    return redirect("development:survey_detail", pk=pk)


# ----- plans -----------------------------------------------------------------------------------------------------


def _managed_units(actor: User):
    """Units the actor may compile plans for: cities and departments in his scope."""
    scope = user_scope(actor)
    qs = OrgUnit.objects.filter(is_active=True, kind__in=[OrgUnitKind.CITY, OrgUnitKind.DEPARTMENT,
                                                          OrgUnitKind.PROVINCE, OrgUnitKind.COMPANY])
    if scope.kind == "all":
        return qs.order_by("path")
    if scope.kind == "subtree" and scope.unit_path:
        return qs.filter(path__startswith=scope.unit_path).order_by("path")
    if scope.kind == "unit" and actor.unit_id:
        return qs.filter(pk=actor.unit_id)
    return qs.none()


@login_required
@permission_required("development.view_developmentplan", raise_exception=True)
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = selectors.plan_queryset_for_actor(request.user).order_by("-period_start", "unit__path")
    page = Paginator(plans, 50).get_page(request.GET.get("page"))
    return render(request, "development/plan_list.html", {
        "page": page, "units": _managed_units(request.user) if request.user.has_perm(
            "development.add_developmentplan") else [],
        "next_month": add_months(month_start(timezone.localdate()), 1),
        "due": selectors.plans_due(actor=request.user)})


def _line_choices(unit: OrgUnit, dev) -> dict:
    units = OrgUnit.objects.filter(path__startswith=unit.path, is_active=True,
                                   kind__in=[OrgUnitKind.COUNTY, OrgUnitKind.STATION]).order_by("path")
    assignees = (User.objects.filter(is_active=True, unit__path__startswith=unit.path,
                                     roles__code="account_manager").distinct().order_by("username"))
    return {"line_units": units, "line_assignees": assignees, "categories": TargetCategory.choices,
            "lines_by": dev.plan.lines_by if dev and dev.plan else "unit"}


def _parse_lines(request: HttpRequest, unit: OrgUnit) -> tuple[list[services.LineInput], list[dict]]:
    """Rows of the plan table (category_N, unit_N, assignee_N, target_N, deadline_N, budget_N, note_N); a row with
    neither a unit nor a 客户经理 nor a target is blank and skipped."""
    lines, raw, errors = [], [], []
    units = {u.pk: u for u in OrgUnit.objects.filter(path__startswith=unit.path)}
    count = _int(request.POST.get("rows"), 0) or 0
    for i in range(min(count, 500)):
        row = {k: request.POST.get(f"{k}_{i}", "").strip() for k in
               ("category", "unit", "assignee", "target", "deadline", "budget", "note")}
        raw.append(row)
        if not (row["unit"] or row["assignee"] or row["target"]):
            continue
        try:
            target = int(row["target"])
        except ValueError:
            errors.append(f"第{len(lines) + 1}行：开发目标须为整数。")
            continue
        deadline = budget = None
        try:
            deadline = date.fromisoformat(row["deadline"]) if row["deadline"] else None
        except ValueError:
            errors.append(f"第{len(lines) + 1}行：完成时间不是有效日期。")
        try:
            budget = Decimal(row["budget"]) if row["budget"] else None
        except InvalidOperation:
            errors.append(f"第{len(lines) + 1}行：费用预算须为金额。")
        assignee = User.objects.filter(pk=_int(row["assignee"])).select_related("unit").first() \
            if row["assignee"] else None
        lines.append(services.LineInput(
            category=row["category"] or TargetCategory.ANY, target=target, unit=units.get(_int(row["unit"])),
            assignee=assignee, deadline=deadline, budget=budget, note=row["note"]))
    if errors:
        raise ValidationError({"lines": errors})
    return lines, raw


def _rows_for_form(lines) -> list[dict]:
    return [{"category": ln.category, "unit": str(ln.unit.pk) if ln.unit else "",
             "assignee": str(ln.assignee.pk) if ln.assignee else "", "target": str(ln.target),
             "deadline": ln.deadline.isoformat() if ln.deadline else "",
             "budget": str(ln.budget) if ln.budget is not None else "", "note": ln.note or ""} for ln in lines]


@login_required
@permission_required("development.add_developmentplan", raise_exception=True)
def plan_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = plan_get_for_actor(actor=request.user, pk=pk) if pk else None
    if plan is not None:
        unit, period_start = plan.unit, plan.period_start
    else:
        unit = OrgUnit.objects.filter(pk=_int(request.GET.get("unit") or request.POST.get("unit"))).first()
        if unit is None:
            raise Http404
        try:
            period_start = date.fromisoformat(request.GET.get("period") or request.POST.get("period") or "")
        except ValueError:
            period_start = add_months(month_start(timezone.localdate()), 1)
    dev = development_rules(pack_name_for_unit(unit))
    if dev is not None and dev.plan is not None:
        period_start = period_bounds(dev.plan.period, period_start)[0] if plan is None else period_start
    errors: list[str] = []
    note = plan.note if plan else ""
    if request.method == "POST":
        note = request.POST.get("note", "")
        rows: list[dict] = []
        try:
            lines, rows = _parse_lines(request, unit)
            saved = services.development_plan_save(
                actor=request.user, unit=unit, period_start=period_start, lines=lines, note=note, plan=plan,
                expected_version=_int(request.POST.get("version")))
            messages.success(request, _("开发计划已保存。"))
            return redirect("development:plan_detail", pk=saved.pk)
        except (ValidationError, ServiceError) as exc:
            if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                errors = [m for msgs in exc.message_dict.values() for m in msgs]
            else:
                errors = [_messages_of(exc)]
    elif plan is not None:
        rows = _rows_for_form(plan.lines.select_related("unit", "assignee"))
    else:
        rows = _rows_for_form(services.plan_regulation_lines(unit=unit))
    rows = rows + [{"category": "", "unit": "", "assignee": "", "target": "", "deadline": "", "budget": "",
                    "note": ""} for _ in range(3)]
    return render(request, "development/plan_form.html", {
        "plan": plan, "unit": unit, "period_start": period_start, "rows": rows, "errors": errors, "note": note,
        "dev": dev, "pack_name": pack_name_for_unit(unit), **_line_choices(unit, dev)})


@login_required
@permission_required("development.view_developmentplan", raise_exception=True)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_get_for_actor(actor=request.user, pk=pk)
    rows = selectors.plan_rows(plan)
    dev = development_rules(plan.pack_name)
    return render(request, "development/plan_detail.html", {
        "plan": plan, "rows": rows, "dev": dev, "can_edit": plan.editable and manages_unit(request.user, plan.unit)
        and request.user.has_perm("development.add_developmentplan"),
        "target_total": sum(r.target for r in rows), "admitted_total": sum(r.admitted for r in rows),
        "chart": json.dumps({"labels": [r.unit_name or r.assignee_name for r in rows],
                             "target": [r.target for r in rows], "admitted": [r.admitted for r in rows]}),
        "history": plan.history.select_related("history_user").order_by("-history_date")[:10],
        "late": plan.due_on and plan.submitted_at and timezone.localtime(plan.submitted_at).date() > plan.due_on,
        "status_submitted": PlanStatus.SUBMITTED,
    })


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_get_for_actor(actor=request.user, pk=pk)
    try:
        plan = services.development_plan_submit(actor=request.user, plan=plan)
        messages.success(request, _("计划已报送加管处审核。") if plan.status == PlanStatus.SUBMITTED
                         else _("计划已下达客户经理。"))
    except (ValidationError, ServiceError) as exc:
        messages.error(request, _messages_of(exc))
    return redirect("development:plan_detail", pk=pk)


@login_required
@permission_required("development.view_developmentplan", raise_exception=True)
def completion(request: HttpRequest) -> HttpResponse:
    """《零售客户开发计划完成统计表》 on screen: every plan target of a month with what was admitted."""
    try:
        period = date.fromisoformat((request.GET.get("month") or "") + "-01")
    except ValueError:
        period = month_start(timezone.localdate())
    rows = selectors.plan_completion(actor=request.user, period=period)
    return render(request, "development/completion.html", {
        "rows": rows, "period": period, "grouped": selectors.completion_by_unit(rows),
        "target_total": sum(r.target for r in rows), "admitted_total": sum(r.admitted for r in rows),
        "prev": add_months(period, -1), "next": add_months(period, 1)})


# ----- progress reports ------------------------------------------------------------------------------------------


@login_required
@permission_required("development.view_progressreport", raise_exception=True)
def report_list(request: HttpRequest) -> HttpResponse:
    form = f.ReportForm(request.POST or None, initial={"period_start": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.progress_report_submit(actor=request.user, **form.cleaned_data)
            messages.success(request, _("开发动态已上报。"))
            return redirect("development:report_list")
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
    page = Paginator(selectors.progress_reports_for(actor=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "development/report_list.html", {
        "page": page, "form": form, "can_report": request.user.has_perm("development.add_progressreport")})


# ----- shared pool -----------------------------------------------------------------------------------------------


@login_required
@permission_required("development.claim_pool_customer", raise_exception=True)
def pool(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    page = Paginator(selectors.pool_customers(actor=request.user, query=query), 50).get_page(request.GET.get("page"))
    return render(request, "development/pool.html", {
        "page": page, "query": query, "status": selectors.pool_status(actor=request.user),
        "release_form": f.ReleaseForm()})


@login_required
@require_POST
def pool_claim(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        customer = services.pool_claim(actor=request.user, customer_id=pk, reason=request.POST.get("reason", ""))
        messages.success(request, _("已领取客户“%(name)s”。") % {"name": customer.name})
    except (ValidationError, ServiceError) as exc:
        messages.error(request, _messages_of(exc))
    return redirect("development:pool")


@login_required
@require_POST
def pool_release(request: HttpRequest) -> HttpResponse:
    from kehu.service.views_common import resolve_customer_id

    form = f.ReleaseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        customer_id = resolve_customer_id(request.user, form.cleaned_data["customer"])
        customer = services.pool_release(actor=request.user, customer_id=customer_id,
                                         reason=form.cleaned_data["reason"])
        messages.success(request, _("客户“%(name)s”已退回公海。") % {"name": customer.name})
    except (ValidationError, ServiceError) as exc:
        messages.error(request, _messages_of(exc))
    return redirect(request.POST.get("next") or "development:pool")


# ----- role dashboard --------------------------------------------------------------------------------------------


@login_required
@permission_required("development.view_developmentplan", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    mine = selectors.account_manager_today(actor=request.user, today=today)
    overview = selectors.manager_overview(actor=request.user, today=today)
    return render(request, "development/dashboard.html", {
        "mine": mine, "overview": overview, "today": today,
        "trend": json.dumps(mine["trend"]),
        "unit_trend": json.dumps(overview["trend"]) if overview else "",
        "unit_chart": json.dumps(overview["chart"]) if overview else "",
    })
