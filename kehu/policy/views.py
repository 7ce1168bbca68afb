"""Web pages of the policy app: pack browser, administrator values, regrade, movers, and the grade tab of an
archive. Thin: reads through selectors, writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.views.decorators.http import require_http_methods

from kehu.core.errors import ForbiddenError, ScopeError, ServiceError
from kehu.core.forms import apply_service_error
from kehu.customers.selectors import customer_get_for_actor
from kehu.policy import selectors, services
from kehu.policy.engine import PackError
from kehu.policy.forms import AdminValuesForm, MoversFilterForm, RegradeForm
from kehu.policy.models import Direction, RegradeRun
from kehu.policy.periods import previous_month


def _perm(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(_g("您没有访问此页面的权限。"))


@login_required
def pack_list(request: HttpRequest) -> HttpResponse:
    return render(request, "policy/pack_list.html", {"listings": selectors.pack_listings(),
                                                      "can_manage": request.user.has_perm("policy.manage_packs")})


@login_required
def pack_detail(request: HttpRequest, name: str) -> HttpResponse:
    try:
        pack = selectors.pack_get(name)
    except PackError as exc:
        return render(request, "policy/pack_detail.html",
                      {"name": name, "pack": None, "errors": [str(i) for i in exc.issues]})
    except ServiceError as exc:
        raise Http404(exc.message) from None
    schemes = []
    for scheme in pack.schemes.values():
        schemes.append({
            "scheme": scheme,
            "thresholds": selectors._threshold_lines(pack, scheme.code, None),
            "benefits": [(g, pack.benefits.get((scheme.code, g.code))) for g in reversed(scheme.grades)],
        })
    return render(request, "policy/pack_detail.html", {
        "name": name, "pack": pack, "schemes": schemes, "errors": [],
        "slots": selectors.admin_slots(name), "dimension_benefits": list(pack.dimension_benefits.values()),
        "can_manage": request.user.has_perm("policy.manage_packs"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def admin_values(request: HttpRequest, name: str) -> HttpResponse:
    _perm(request, "policy.manage_packs")
    try:
        slots = selectors.admin_slots(name)
    except PackError as exc:
        messages.error(request, "；".join(str(i) for i in exc.issues))
        return redirect("policy:pack_detail", name=name)
    except ServiceError as exc:
        raise Http404(exc.message) from None
    form = AdminValuesForm(request.POST or None, slots=slots)
    if request.method == "POST" and form.is_valid():
        saved = 0
        for slot in slots:
            value = form.cleaned_data.get(slot.key)
            if value is None or value == slot.value:
                continue
            try:
                services.admin_value_set(actor=request.user, pack_name=name, key=slot.key, value=value)
                saved += 1
            except (ValidationError, ServiceError) as exc:
                if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                    for message in exc.message_dict.get("value", exc.messages):
                        form.add_error(slot.key, message)
                else:
                    apply_service_error(form, exc)
        if not form.errors:
            messages.success(request, _g("已保存 %(n)s 项设定。") % {"n": saved})
            return redirect("policy:admin_values", name=name)
    return render(request, "policy/admin_values.html", {"name": name, "form": form, "slots": slots})


@login_required
@require_http_methods(["GET", "POST"])
def regrade_view(request: HttpRequest) -> HttpResponse:
    _perm(request, "policy.run_regrade")
    packs = [listing.name for listing in selectors.pack_listings()]
    # The period the monthly job grades (the last complete month) is what an administrator usually re-runs.
    initial = {"pack": selectors.default_pack_name(), "period": previous_month(timezone.localdate()).key}
    form = RegradeForm(request.POST or None, packs=packs, initial=initial)
    run = None
    if request.method == "POST" and form.is_valid():
        try:
            run = services.regrade(pack_name=form.cleaned_data["pack"], period=form.cleaned_data["period"],
                                   actor=request.user)
            messages.success(request, _g("重新分级完成。"))
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
    runs = RegradeRun.objects.select_related("actor")[:20]
    return render(request, "policy/regrade.html", {"form": form, "run": run, "runs": runs})


@login_required
def movers(request: HttpRequest) -> HttpResponse:
    _perm(request, "policy.view_gradeassignment")
    packs = selectors.active_pack_names()
    pack_name = request.GET.get("pack") or (packs[0] if packs else None)
    if pack_name not in packs:
        packs = [*packs, pack_name] if pack_name in selectors.pack_files() else packs
        pack_name = pack_name if pack_name in packs else (packs[0] if packs else None)
    try:
        pack = selectors.pack_get(pack_name) if pack_name else None
    except (PackError, ServiceError):
        pack = None
    schemes = [(s.code, s.name) for s in pack.schemes.values()] if pack else []
    form = MoversFilterForm(request.GET or None, packs=packs, schemes=schemes, initial={"pack": pack_name})
    scheme = direction = period = None
    if form.is_valid():
        scheme = form.cleaned_data.get("scheme") or None
        direction = form.cleaned_data.get("direction") or None
        period = form.cleaned_data.get("period") or None
    rows = []
    page = None
    try:
        qs = selectors.grade_movers(actor=request.user, pack_name=pack_name, period=period, scheme_code=scheme,
                                    direction=direction) if pack_name else None
    except ValidationError as exc:
        apply_service_error(form, exc)
        qs = None
    if qs is not None:
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        names = {s.code: s for s in pack.schemes.values()} if pack else {}
        for a in page.object_list:
            s = names.get(a.scheme_code)
            rows.append({
                "a": a, "scheme_name": s.name if s else a.scheme_code,
                "grade_name": s.grade_name(a.grade) if s else a.grade,
                "previous_name": s.grade_name(a.previous_grade) if s else a.previous_grade,
            })
    shown_period = period or (selectors.latest_period(pack_name, scheme) if pack_name else None)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "policy/movers.html", {
        "form": form, "rows": rows, "page": page, "pack": pack, "period": shown_period,
        "query": query.urlencode(), "UP": Direction.UP, "DOWN": Direction.DOWN,
    })


@login_required
def customer_grades(request: HttpRequest, pk: int) -> HttpResponse:
    """The 分级 tab of an archive (hx-get): why the customer has each grade and what would move it."""
    try:
        customer = customer_get_for_actor(actor=request.user, pk=pk)
    except ScopeError:
        raise Http404 from None
    explanations = selectors.customer_grade_explanations(customer)
    benefits = None
    try:
        benefits = selectors.customer_benefits(customer=customer)
    except (PackError, ServiceError):
        benefits = None
    template = "policy/_customer_grades.html" if request.htmx else "policy/customer_grades.html"
    return render(request, template, {"customer": customer, "explanations": explanations, "benefits": benefits,
                                      "benefit_rows": _benefit_rows(benefits)})


BENEFIT_LABELS = (
    ("discount_cap_percent", "价格优惠上限（%）"), ("surcharge_percent", "加价（%）"), ("payment_terms", "付款方式"),
    ("credit_limit", "授信额度"), ("lead_time_days", "交货期（天）"), ("order_priority", "订单优先级"),
    ("rush_orders", "插单"), ("inquiry_response_hours", "询价答复时限（小时）"), ("visits_per_year", "年走访次数"),
    ("management_level", "管理级别"), ("owner_org_unit", "管理主体"),
)
RUSH_LABELS = {"allowed": "允许插单", "case_by_case": "视生产状况决定", "not_allowed": "不允许插单"}


def _benefit_rows(benefits) -> list[dict]:
    if benefits is None:
        return []
    rows = []
    for name, label in BENEFIT_LABELS:
        term = getattr(benefits, name)
        if term is None:
            continue
        value = RUSH_LABELS.get(term.value, term.value) if name == "rush_orders" else term.value
        rows.append({"label": label, "value": value, "article": term.citation.article,
                     "quote": term.citation.quote or ""})
    for term in benefits.extra:
        rows.append({"label": "其他", "value": term.value, "article": term.citation.article,
                     "quote": term.citation.quote or ""})
    return rows


def movers_panel(user) -> dict | None:
    """Dashboard: how many visible customers moved up / down in the latest period of the default pack."""
    if not user.has_perm("policy.view_gradeassignment"):
        return None
    try:
        pack_name = selectors.default_pack_name()
        qs = selectors.grade_movers(actor=user, pack_name=pack_name)
    except (ValidationError, ServiceError, ForbiddenError):
        return None
    up = qs.filter(direction=Direction.UP).count()
    down = qs.filter(direction=Direction.DOWN).count()
    if not up and not down:
        return None
    return {"title": _g("本期等级变动"), "template": "policy/panels/movers.html",
            "context": {"up": up, "down": down, "pack": pack_name, "url": reverse("policy:movers")}}
