"""Thin web views: parse input, call one selector or service, render. Errors show beside the field, nothing saved."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.errors import ScopeError, ServiceError
from kehu.core.forms import apply_service_error
from kehu.orders import exports
from kehu.orders.forms import (
    LINE_ROWS,
    AnswerForm,
    CreditChangeForm,
    InquiryForm,
    OrderEditForm,
    OrderFilterForm,
    OrderForm,
    PriceListForm,
)
from kehu.orders.models import CreditChangeKind, OrderStatus, PriceList
from kehu.orders.selectors import (
    credit_profile_list,
    credit_view,
    inquiry_get,
    inquiry_list,
    order_approvals,
    order_get,
    order_list,
    order_queue,
)
from kehu.orders.services import credit as credit_services
from kehu.orders.services import inquiries as inquiry_services
from kehu.orders.services import orders as order_services
from kehu.orders.services.prices import parse_price_rows, price_list_create
from kehu.sales.selectors import customer_id_by_code

PAGE_SIZE = 50


def _service_message(request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.error(request, exc.message)


# ----------------------------------------------------------------------------------------------------- orders


@login_required
@permission_required("orders.view_order", raise_exception=True)
def order_list_view(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(order_list(actor=request.user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/order_list.html", {
        "form": form, "page": page, "can_add": request.user.has_perm("orders.add_order"),
        "can_queue": request.user.has_perm("orders.view_order_queue")})


def _quote_from_form(request, form: OrderForm):
    """(quote, customer id) for a valid form, or (None, None) with the errors on the form."""
    customer_id = customer_id_by_code(actor=request.user, code=form.cleaned_data["customer_code"])
    if customer_id is None:
        form.add_error("customer_code", _("客户编码不存在，或不在您的管理范围内。"))
        return None, None
    lines = form.lines()
    if form.errors:
        return None, None
    try:
        quote = order_services.order_quote(
            actor=request.user, customer_id=customer_id, lines=lines, order_date=form.cleaned_data["order_date"],
            is_rush=form.cleaned_data["is_rush"], special_requirements=form.cleaned_data["special_requirements"],
            from_stock=form.cleaned_data["from_stock"])
    except (ValidationError, ServiceError) as exc:
        apply_service_error(form, exc)
        return None, None
    return quote, customer_id


def _order_form_page(request, form, save, context: dict) -> HttpResponse:
    """Entry and correction alike: "计算价格与条款" shows the quote; "保存" calls `save(customer_id, data)`, which
    returns the success message and the order to show; a refusal is put beside the form and nothing is saved."""
    quote = None
    if request.method == "POST" and form.is_valid():
        quote, customer_id = _quote_from_form(request, form)
        if quote is not None and request.POST.get("action") == "save":
            try:
                message, order = save(customer_id, form.cleaned_data)
            except (ValidationError, ServiceError) as exc:
                apply_service_error(form, exc)
                quote = None
            else:
                messages.success(request, message)
                return redirect("orders:order_detail", pk=order.pk)
    template = "orders/_quote.html" if request.htmx else "orders/order_form.html"
    return render(request, template, {**context, "form": form, "quote": quote})


@login_required
@permission_required("orders.add_order", raise_exception=True)
def order_create_view(request: HttpRequest) -> HttpResponse:
    form = OrderForm(request.POST or None, initial={"customer_code": request.GET.get("customer", "")})

    def save(customer_id, d):
        order = order_services.order_create(
            actor=request.user, customer_id=customer_id, lines=form.lines(), order_date=d["order_date"],
            is_rush=d["is_rush"], special_requirements=d["special_requirements"], from_stock=d["from_stock"],
            note=d["note"])
        return _("订单 %(n)s 已保存为草稿。") % {"n": order.number}, order

    return _order_form_page(request, form, save, {})


@login_required
@permission_required("orders.add_order", raise_exception=True)
def order_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_or_404(request, pk)
    if order.status != OrderStatus.DRAFT or order.submitted_at is not None:
        messages.error(request, _("只有尚未提交确认的草稿订单可以修改；已提交的订单请取消后重新录入。"))
        return redirect("orders:order_detail", pk=order.pk)
    lines = list(order.lines.select_related("product").order_by("line_no"))
    if len(lines) > LINE_ROWS:
        messages.error(request, _("此订单有 %(n)s 行，超过页面可编辑的 %(m)s 行，请通过接口修改。")
                       % {"n": len(lines), "m": LINE_ROWS})
        return redirect("orders:order_detail", pk=order.pk)
    form = OrderEditForm(request.POST or None, initial=OrderEditForm.initial_for(order, lines))

    def save(_customer_id, d):
        order_services.order_update(
            actor=request.user, order_id=order.pk, version=d["version"], lines=form.lines(),
            order_date=d["order_date"], is_rush=d["is_rush"], special_requirements=d["special_requirements"],
            from_stock=d["from_stock"], note=d["note"], reason=d["reason"])
        return _("订单 %(n)s 已修改，价格与条款已按客户类别重新计算。") % {"n": order.number}, order

    return _order_form_page(request, form, save, {"order": order})


def _order_or_404(request, pk: int):
    try:
        return order_get(actor=request.user, pk=pk)
    except ScopeError:
        raise Http404 from None


@login_required
@permission_required("orders.view_order", raise_exception=True)
def order_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    from django.contrib.contenttypes.models import ContentType

    from kehu.orders.models import Order
    from kehu.workflow.selectors import steps_waiting_for

    order = _order_or_404(request, pk)
    user = request.user
    my_steps = list(steps_waiting_for(user).filter(approval__object_id=order.pk,
                                                   approval__content_type=ContentType.objects.get_for_model(Order)))
    return render(request, "orders/order_detail.html", {
        "my_steps": my_steps,
        "order": order, "lines": order.lines.select_related("product").order_by("line_no"),
        "approvals": order_approvals(order), "transitions": order.transitions.select_related("actor"),
        "can_submit": order.status == OrderStatus.DRAFT and order.submitted_at is None
        and user.has_perm("orders.add_order"),
        "can_release": order.status == OrderStatus.CONFIRMED and user.has_perm("orders.release_order"),
        "can_deliver": order.status == OrderStatus.RELEASED and user.has_perm("orders.deliver_order"),
        "can_close": order.status == OrderStatus.DELIVERED and user.has_perm("orders.deliver_order"),
        "can_cancel": order.status in (OrderStatus.DRAFT, OrderStatus.CONFIRMED) and user.has_perm("orders.add_order"),
        "can_edit": order.status == OrderStatus.DRAFT and order.submitted_at is None
        and user.has_perm("orders.add_order"),
    })


ACTIONS = {
    "submit": lambda r, pk: order_services.order_submit(actor=r.user, order_id=pk),
    "release": lambda r, pk: order_services.order_release(actor=r.user, order_id=pk),
    "deliver": lambda r, pk: order_services.order_deliver(actor=r.user, order_id=pk),
    "close": lambda r, pk: order_services.order_close(actor=r.user, order_id=pk, reason=r.POST.get("reason", "")),
    "cancel": lambda r, pk: order_services.order_cancel(actor=r.user, order_id=pk, reason=r.POST.get("reason", "")),
}
DONE = {"submit": _("已提交确认。"), "release": _("已放行，提货记录已写入。"), "deliver": _("已登记交货。"),
        "close": _("订单已关闭。"), "cancel": _("订单已取消。")}


@login_required
@require_POST
def order_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    _order_or_404(request, pk)
    try:
        order = ACTIONS[action](request, pk)
    except (ValidationError, ServiceError) as exc:
        if isinstance(exc, ScopeError):
            raise Http404 from None
        _service_message(request, exc)
    else:
        message = DONE[action]
        if action == "submit" and order.status == OrderStatus.DRAFT:
            message = _("已提交审批，全部批准后订单自动确认。")
        messages.success(request, message)
    return redirect("orders:order_detail", pk=pk)


@login_required
@permission_required("orders.view_order_queue", raise_exception=True)
def order_queue_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(order_queue(actor=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/order_queue.html", {"page": page})


@login_required
@permission_required("orders.view_order_queue", raise_exception=True)
def order_queue_export_view(request: HttpRequest, fmt: str) -> HttpResponse:
    qs = order_queue(actor=request.user)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        return FileResponse(exports.xlsx_file(qs, exports.QUEUE_COLUMNS, sheet="订单队列"), as_attachment=True,
                            filename=f"order-queue-{stamp}.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = StreamingHttpResponse(exports.csv_stream(qs, exports.QUEUE_COLUMNS),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="order-queue-{stamp}.csv"'
    return response


# ----------------------------------------------------------------------------------------------------- credit


@login_required
@permission_required("orders.view_creditprofile", raise_exception=True)
def credit_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(credit_profile_list(actor=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/credit_list.html", {"page": page})


@login_required
@permission_required("orders.view_creditprofile", raise_exception=True)
def credit_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        view = credit_view(actor=request.user, customer_id=pk)
    except ScopeError:
        raise Http404 from None
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("orders:order_list")
    form = CreditChangeForm(request.POST or None, initial={"kind": CreditChangeKind.LIMIT})
    if request.method == "POST" and request.POST.get("action") == "restore":
        try:
            credit_services.credit_terms_restore(actor=request.user, customer_id=pk,
                                                 reason=request.POST.get("reason", ""))
        except (ValidationError, ServiceError) as exc:
            _service_message(request, exc)
        else:
            messages.success(request, _("付款方式已恢复为按类别执行。"))
        return redirect("orders:credit_detail", pk=pk)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            credit_services.credit_change_request(actor=request.user, customer_id=pk, kind=d["kind"],
                                                  new_rating=d["new_rating"].strip(), new_limit=d["new_limit"],
                                                  reason=d["reason"])
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("调整申请已提交授信额度管理小组审批。"))
            return redirect("orders:credit_detail", pk=pk)
    events = view.profile.events.select_related("actor")[:50] if view.profile else []
    return render(request, "orders/credit_detail.html", {
        "view": view, "form": form, "events": events,
        "can_manage": request.user.has_perm("orders.manage_credit"),
        "can_restore": request.user.has_perm("orders.restore_terms") and view.facts.terms_steps_down > 0})


# ----------------------------------------------------------------------------------------------------- prices


@login_required
@permission_required("orders.view_pricelist", raise_exception=True)
def price_list_view(request: HttpRequest) -> HttpResponse:
    lists = PriceList.objects.prefetch_related("items__product").order_by("-valid_from", "-id")[:50]
    form = PriceListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            price_list_create(actor=request.user, name=d["name"], valid_from=d["valid_from"], valid_to=d["valid_to"],
                              items=parse_price_rows(d["items"]))
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("内控价格表已保存。"))
            return redirect("orders:price_list")
    return render(request, "orders/price_list.html", {
        "lists": lists, "form": form, "can_manage": request.user.has_perm("orders.manage_prices")})


# ----------------------------------------------------------------------------------------------------- inquiries


@login_required
@permission_required("orders.view_inquiry", raise_exception=True)
def inquiry_list_view(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "")
    qs = inquiry_list(actor=request.user, open_only=view == "open", overdue_only=view == "overdue")
    form = InquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        customer_id = customer_id_by_code(actor=request.user, code=d["customer_code"])
        if customer_id is None:
            form.add_error("customer_code", _("客户编码不存在，或不在您的管理范围内。"))
        else:
            try:
                inquiry = inquiry_services.inquiry_register(
                    actor=request.user, customer_id=customer_id, subject=d["subject"], content=d["content"],
                    channel=d["channel"], received_at=d["received_at"])
            except (ValidationError, ServiceError) as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已登记，请于 %(due)s 前答复。") % {
                    "due": timezone.localtime(inquiry.due_at).strftime("%Y-%m-%d %H:%M")})
                return redirect("orders:inquiry_list")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/inquiry_list.html", {
        "page": page, "form": form, "view": view, "now": timezone.now(),
        "can_add": request.user.has_perm("orders.add_inquiry")})


@login_required
@permission_required("orders.view_inquiry", raise_exception=True)
def inquiry_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        inquiry = inquiry_get(actor=request.user, pk=pk)
    except ScopeError:
        raise Http404 from None
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inquiry_services.inquiry_answer(actor=request.user, inquiry_id=pk, answer=form.cleaned_data["answer"])
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已答复。"))
            return redirect("orders:inquiry_detail", pk=pk)
    return render(request, "orders/inquiry_detail.html", {"inquiry": inquiry, "form": form, "now": timezone.now()})
