"""Thin web views of the commissioned-housing module: parse input, call one service or selector, render.
A refused action shows why beside the field and saves nothing (the services decide; forms only parse)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.documents import form_pdf, form_xlsx
from kehu.core.errors import ForbiddenError, ScopeError, ServiceError
from kehu.core.forms import apply_service_error
from kehu.housing import forms as f
from kehu.housing import reports
from kehu.housing import selectors as sel
from kehu.housing import services as hs
from kehu.housing.models import (
    BuyerStatus,
    CommissionerStatus,
    EligibleBuyer,
    FinancingTarget,
    NegotiationMemo,
    PricePolicy,
    Receipt,
    RelationRequest,
    SelectionTicket,
    TicketStatus,
    Unit,
    UnitStatus,
    Voucher,
)


def _guard(fn: Callable):
    try:
        return fn()
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message) from None
    except ScopeError:
        raise Http404 from None


def _project(request, pk):
    return _guard(lambda: sel.project_get(actor=request.user, pk=pk))


def _cu(request, pk):
    return _guard(lambda: sel.commissioner_get(actor=request.user, pk=pk))


def _obj(request, model, pk, **related):
    _guard(lambda: sel._need_view(request.user))
    obj = model.objects.filter(pk=pk).select_related(*related.get("related", ())).first()
    if obj is None:
        raise Http404
    return obj


def _submit(request, form, action: Callable, success: str, done: str):
    """Run `action(cleaned_data)` for a valid POSTed form; on a refusal the form shows why. Returns a redirect on
    success, None otherwise (the caller renders the page with the form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        action(form.cleaned_data)
    except (ValidationError, ServiceError) as exc:
        if isinstance(exc, ForbiddenError):
            raise PermissionDenied(exc.message) from None
        apply_service_error(form, exc)
        return None
    messages.success(request, done)
    return redirect(success) if success else True


def _form_page(request, *, title: str, form, back: str, article: str = "", submit: str = ""):
    return render(request, "housing/form_page.html", {"title": title, "form": form, "back": back,
                                                       "article": article, "submit": submit or _("提交")})


def _document(document, fmt: str, filename: str) -> HttpResponse:
    if fmt == "xlsx":
        response = HttpResponse(form_xlsx(document), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    elif fmt == "pdf":
        response = HttpResponse(form_pdf(document), content_type="application/pdf")
    else:
        raise Http404
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}.{fmt}"
    return response


# ----- projects ---------------------------------------------------------------------------------------------------


@login_required
def project_list(request):
    projects = _guard(lambda: sel.project_list(actor=request.user))
    form = f.ProjectForm(request.POST or None)
    done = _submit(request, form, lambda d: hs.project_create(actor=request.user, **d),
                   reverse("housing:project_list"), _("项目已创建。"))
    return done or render(request, "housing/project_list.html", {"projects": projects, "form": form})


@login_required
def project_detail(request, pk):
    project = _project(request, pk)
    today = timezone.localdate()
    memos = list(NegotiationMemo.objects.filter(project=project).select_related("commissioning_unit", "written_by")
                 .prefetch_related("signatures__member"))
    my_positions = set(project.group_members.filter(user=request.user).values_list("pk", flat=True))
    for memo in memos:
        signed = {s.member_id for s in memo.signatures.all()}
        memo.signed_count = len(signed)
        memo.can_sign = bool(my_positions - signed)
    return render(request, "housing/project_detail.html", {
        "project": project, "ranking": sel.commissioner_ranking(project), "memos": memos,
        "members": project.group_members.select_related("user"), "group_complete": hs.group_complete(project),
        "targets": FinancingTarget.objects.filter(project=project).select_related("issued_by"),
        "policies": PricePolicy.objects.filter(project=project),
        "summary": sel.control_summary(project), "statuses": UnitStatus.choices,
        "tickets": sel.ticket_list(actor=request.user, project=project),
        "receipts": sel.receipt_list(actor=request.user, project=project),
        "vouchers": sel.voucher_list(actor=request.user, project=project),
        "collections": sel.collections(actor=request.user, project=project, today=today),
        "relations": RelationRequest.objects.filter(project=project).select_related("handler", "phone_approver"),
        "today": today, "can_see_ids": sel.can_see_buyer_ids(request.user),
        "min_candidates": hs.figure("min_candidates"),
    })


@login_required
def building_create_view(request, pk):
    project = _project(request, pk)
    form = f.BuildingForm(request.POST or None)
    done = _submit(request, form, lambda d: hs.building_create(actor=request.user, project=project, **d),
                   reverse("housing:control_table", args=[pk]), _("楼栋与房源已创建。"))
    return done or _form_page(request, title=_("新建楼栋与房源"), form=form,
                              back=reverse("housing:project_detail", args=[pk]))


@login_required
def target_create_view(request, pk):
    project = _project(request, pk)
    form = f.TargetForm(request.POST or None)
    done = _submit(request, form, lambda d: hs.financing_target_issue(actor=request.user, project=project, **d),
                   reverse("housing:project_detail", args=[pk]), _("融资指标已下达。"))
    return done or _form_page(request, title=_("下达融资指标"), form=form, article=_("五、八、1"),
                              back=reverse("housing:project_detail", args=[pk]))


@login_required
def policy_create_view(request, pk):
    project = _project(request, pk)
    form = f.PolicyForm(request.POST or None)
    done = _submit(request, form, lambda d: hs.price_policy_set(actor=request.user, project=project, **d),
                   reverse("housing:project_detail", args=[pk]), _("价格政策已保存。"))
    return done or _form_page(request, title=_("价格政策"), form=form, article=_("七、(二)(1)；十二、(二)"),
                              back=reverse("housing:project_detail", args=[pk]))


@login_required
def commissioner_create_view(request, pk):
    project = _project(request, pk)
    form = f.CommissionerForm(request.POST or None)

    def create(d):
        core = {k: d.pop(k) for k in ("name", "accepted_price", "payment_ratio_percent", "owner_occupier_percent",
                                      "resource_exchange")}
        return hs.commissioner_register(actor=request.user, project=project, **core, **d)

    done = _submit(request, form, create, reverse("housing:project_detail", args=[pk]), _("意向单位已登记。"))
    return done or _form_page(request, title=_("登记委建意向单位（客户分析模型）"), form=form, article=_("六"),
                              back=reverse("housing:project_detail", args=[pk]))


@login_required
def member_set_view(request, pk):
    project = _project(request, pk)
    form = f.MemberForm(request.POST or None)
    done = _submit(request, form, lambda d: hs.negotiation_member_set(actor=request.user, project=project, **d),
                   reverse("housing:project_detail", args=[pk]), _("谈判小组成员已设定。"))
    return done or _form_page(request, title=_("谈判小组成员"), form=form, article=_("四"),
                              back=reverse("housing:project_detail", args=[pk]))


@login_required
def memo_create_view(request, pk):
    project = _project(request, pk)
    form = f.MemoForm(request.POST or None)
    done = _submit(request, form, lambda d: hs.memo_write(actor=request.user, project=project, **d),
                   reverse("housing:project_detail", args=[pk]), _("谈判备忘录已登记，请谈判小组成员签字。"))
    return done or _form_page(request, title=_("谈判备忘录"), form=form, article=_("四"),
                              back=reverse("housing:project_detail", args=[pk]))


@login_required
@require_POST
def memo_sign_view(request, pk):
    memo = _obj(request, NegotiationMemo, pk)
    try:
        hs.memo_sign(actor=request.user, memo=memo)
        messages.success(request, _("已签字认可。"))
    except ForbiddenError as exc:
        messages.error(request, exc.message)
    return redirect("housing:project_detail", memo.project_id)


@login_required
def relation_create_view(request, pk):
    project = _project(request, pk)
    form = f.RelationForm(request.POST or None, project=project)

    def create(d):
        unit, price = d.pop("unit"), d.pop("unit_price")
        return hs.relation_request_create(actor=request.user, project=project,
                                          lines=[hs.PriceLineInput(unit, price)], **d)

    done = _submit(request, form, create, reverse("housing:project_detail", args=[pk]), _("关系房申请已登记。"))
    return done or _form_page(request, title=_("关系房申请"), form=form, article=_("十二"),
                              back=reverse("housing:project_detail", args=[pk]))


@login_required
def relation_paperwork_view(request, pk):
    req = _obj(request, RelationRequest, pk)
    form = f.PaperworkForm(request.POST or None)
    done = _submit(request, form, lambda d: hs.relation_paperwork_complete(actor=request.user, request=req, **d),
                   reverse("housing:project_detail", args=[req.project_id]), _("手续已补齐。"))
    return done or _form_page(request, title=_("补齐关系房手续"), form=form, article=_("十二、(一)"),
                              back=reverse("housing:project_detail", args=[req.project_id]))


@login_required
@require_POST
def relation_reprice_view(request, pk):
    req = _obj(request, RelationRequest, pk)
    try:
        reissued = hs.relation_reprice_late(actor=request.user, request=req, today=timezone.localdate())
        messages.success(request, _("已按新的价格政策调整，重开选房工作票 %(n)d 张。") % {"n": len(reissued)})
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message) from None
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("housing:project_detail", req.project_id)


# ----- the control table ---------------------------------------------------------------------------------------


@login_required
def control_table_view(request, pk):
    project = _project(request, pk)
    form = f.RetailForm(request.POST or None, project=project)
    done = _submit(request, form, lambda d: hs.retail_unit_sell(actor=request.user, **d),
                   reverse("housing:control_table", args=[pk]), _("零售成交已登记。"))
    return done or render(request, "housing/control_table.html", {
        "project": project, "grids": sel.control_table(actor=request.user, project=project),
        "summary": sel.control_summary(project), "form": form, "statuses": UnitStatus.choices})


# ----- commissioning units -------------------------------------------------------------------------------------


@login_required
def commissioner_detail(request, pk):
    cu = _cu(request, pk)
    choose = f.ChooseForm(request.POST if request.POST.get("form") == "choose" else None)
    contract = f.ContractForm(request.POST if request.POST.get("form") == "contract" else None, initial={
        "contract_no": cu.contract_no, "signed_on": cu.contract_signed_on,
        "selection_deadline": cu.selection_deadline, "payment_deadline": cu.payment_deadline,
        "sealing_fee": cu.sealing_fee, "full_payment_discount_percent": cu.full_payment_discount_percent,
        "rename_relations": cu.rename_relations})
    buyers = f.BuyersForm(request.POST if request.POST.get("form") == "buyers" else None)
    annex = f.AnnexForm(request.POST if request.POST.get("form") == "annex" else None)
    here = reverse("housing:commissioner_detail", args=[pk])
    done = (_submit(request, choose, lambda d: hs.commissioner_choose(actor=request.user, commissioning_unit=cu,
                                                                      **d), here, _("已报总经理、董事长审批。"))
            or _submit(request, contract, lambda d: hs.contract_record(actor=request.user, commissioning_unit=cu,
                                                                       **d), here, _("合同已登记。"))
            or _submit(request, buyers, lambda d: hs.buyers_add(actor=request.user, commissioning_unit=cu,
                                                                rows=d["rows"]), here,
                       _("名单已录入，请审计法务部、财务部审查。"))
            or _submit(request, annex, lambda d: hs.annex_review(actor=request.user, commissioning_unit=cu, **d),
                       here, _("选房明细已复核，可以盖公章。")))
    if done:
        return done
    return render(request, "housing/commissioner_detail.html", {
        "cu": cu, "project": cu.project, "choose": choose, "contract": contract, "buyers_form": buyers,
        "annex": annex, "price": sel.price_approval_view(actor=request.user, cu=cu),
        "buyers": sel.buyers_for(actor=request.user, cu=cu),
        "tickets": SelectionTicket.objects.filter(commissioning_unit=cu).select_related("unit__building")
        .order_by("seq"),
        "released": Unit.objects.filter(commissioning_unit=cu).select_related("building"),
        "releases": cu.releases.prefetch_related("units__building"),
        "is_candidate": cu.status == CommissionerStatus.CANDIDATE,
        "is_selected": cu.status == CommissionerStatus.SELECTED, "BuyerStatus": BuyerStatus,
    })


@login_required
def price_submit_view(request, pk):
    cu = _cu(request, pk)
    form = f.PriceForm(request.POST or None, project=cu.project)
    done = _submit(request, form, lambda d: hs.price_submit(actor=request.user, commissioning_unit=cu, **d),
                   reverse("housing:commissioner_detail", args=[pk]), _("价格已报批。"))
    return done or _form_page(request, title=_("委建房价格报批：%(name)s") % {"name": cu.name}, form=form,
                              article=_("七、(三)"), back=reverse("housing:commissioner_detail", args=[pk]))


@login_required
def release_submit_view(request, pk):
    cu = _cu(request, pk)
    form = f.ReleaseForm(request.POST or None, project=cu.project)
    done = _submit(request, form, lambda d: hs.release_submit(actor=request.user, commissioning_unit=cu,
                                                              units=list(d["units"]), reason=d["reason"]),
                   reverse("housing:commissioner_detail", args=[pk]), _("房源已报批。"))
    return done or _form_page(request, title=_("委建房源审批：%(name)s") % {"name": cu.name}, form=form,
                              article=_("八"), back=reverse("housing:commissioner_detail", args=[pk]))


@login_required
@require_POST
def buyer_check_view(request, pk):
    buyer = _obj(request, EligibleBuyer, pk)
    try:
        hs.buyer_check(actor=request.user, buyer=buyer, department=request.POST.get("department", ""),
                       passed=request.POST.get("passed") == "1", reason=request.POST.get("reason", ""))
        messages.success(request, _("审查结果已记录：%(name)s") % {"name": buyer.name})
    except ForbiddenError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("housing:commissioner_detail", buyer.commissioning_unit_id)


def _ticket_units(cu):
    return Unit.objects.filter(commissioning_unit=cu, status=UnitStatus.RELEASED).select_related("building") \
        .order_by("building__code", "floor", "number")


def _ticket_input(d, cu=None, relation=None) -> hs.TicketInput:
    return hs.TicketInput(
        unit=d["unit"], buyer_name=d["buyer_name"], buyer_id_number=d["buyer_id_number"], unit_price=d["unit_price"],
        area=d["area"], total_price=d["total_price"], payment_ratio_percent=d["payment_ratio_percent"],
        reviewer=d["reviewer"], customer_signed=d["customer_signed"], full_payment=d["full_payment"],
        sealing_fee=d["sealing_fee"], discount_note=d["discount_note"], commissioning_unit=cu,
        relation_request=relation)


@login_required
def ticket_create_view(request, pk):
    cu = _cu(request, pk)
    form = f.TicketForm(request.POST or None, units=_ticket_units(cu),
                        initial={"sealing_fee": cu.sealing_fee, "payment_ratio_percent": 50})
    created = {}

    def issue(d):
        created["t"] = hs.ticket_issue(actor=request.user, data=_ticket_input(d, cu=cu))

    done = _submit(request, form, issue, "", _("选房工作票已开具，房源已在楼盘控制表上标记。"))
    if done:
        return redirect("housing:ticket_detail", created["t"].pk)
    return _form_page(request, title=_("开具选房工作票：%(name)s") % {"name": cu.name}, form=form,
                      article=_("九、(二)2(1)"), back=reverse("housing:commissioner_detail", args=[pk]),
                      submit=_("开具选房工作票"))


@login_required
def relation_ticket_view(request, pk):
    req = _obj(request, RelationRequest, pk)
    units = Unit.objects.filter(relation_request=req, status=UnitStatus.RELATION).select_related("building")
    form = f.TicketForm(request.POST or None, units=units, initial={
        "buyer_name": req.buyer_name, "payment_ratio_percent": req.payment_ratio_percent, "sealing_fee": 0})
    created = {}

    def issue(d):
        created["t"] = hs.ticket_issue(actor=request.user, data=_ticket_input(d, relation=req))

    done = _submit(request, form, issue, "", _("关系房选房工作票已开具。"))
    if done:
        return redirect("housing:ticket_detail", created["t"].pk)
    return _form_page(request, title=_("开具关系房选房工作单：%(name)s") % {"name": req.buyer_name}, form=form,
                      article=_("十二、(一)"), back=reverse("housing:project_detail", args=[req.project_id]),
                      submit=_("开具选房工作票"))


# ----- one ticket: receipts, voucher, reversal, rename, loan ----------------------------------------------------


@login_required
def ticket_detail(request, pk):
    ticket = _obj(request, SelectionTicket, pk, related=("unit__building", "commissioning_unit", "project",
                                                         "replaces", "reverses", "relation_request"))
    which = request.POST.get("form")
    receipt = f.ReceiptForm(request.POST if which == "receipt" else None,
                            initial={"received_on": timezone.localdate()})
    voucher = f.VoucherForm(request.POST if which == "voucher" else None)
    units = (_ticket_units(ticket.commissioning_unit) if ticket.commissioning_unit_id else
             Unit.objects.filter(relation_request=ticket.relation_request, status=UnitStatus.RELATION))
    reverse_form = f.ReverseForm(request.POST if which == "reverse" else None, units=units, initial={
        "buyer_name": ticket.buyer_name, "buyer_id_number": ticket.buyer_id_number,
        "payment_ratio_percent": ticket.payment_ratio_percent, "sealing_fee": ticket.sealing_fee,
        "full_payment": ticket.full_payment, "customer_signed": False})
    rename = f.RenameForm(request.POST if which == "rename" else None)
    loan = f.LoanForm(request.POST if which == "loan" else None, initial={"received_on": timezone.localdate()})
    here = reverse("housing:ticket_detail", args=[pk])
    created = {}

    def do_reverse(d):
        data = _ticket_input(d, cu=ticket.commissioning_unit, relation=ticket.relation_request)
        created["t"] = hs.ticket_reverse(actor=request.user, ticket=ticket, data=data, reason=d["reason"])

    done = (_submit(request, receipt, lambda d: hs.receipt_issue(actor=request.user, ticket=ticket, **d), here,
                    _("收据已开具。"))
            or _submit(request, voucher, lambda d: hs.voucher_issue(actor=request.user, ticket=ticket, **d), here,
                       _("选房凭证已开具，选房工作票已收回。"))
            or _submit(request, reverse_form, do_reverse, here, _("已红字冲红并重新开具选房工作票。"))
            or _submit(request, rename, lambda d: hs.ticket_rename(actor=request.user, ticket=ticket, **d), here,
                       _("更名已办理。"))
            or _submit(request, loan, lambda d: hs.ticket_convert_to_loan(actor=request.user, ticket=ticket, **d),
                       here, _("已转为贷款并收取手续费。")))
    if done:
        if created.get("t"):
            return redirect("housing:ticket_detail", created["t"].pk)
        return done
    return render(request, "housing/ticket_detail.html", {
        "ticket": ticket, "project": ticket.project, "receipts": ticket.receipts.select_related("issued_by"),
        "vouchers": Voucher.objects.filter(ticket__chain_root_id=ticket.chain_root_id).select_related("ticket"),
        "collected": hs.collected_for(ticket), "id_shown": sel.shown_id(request.user, ticket.buyer_id_number),
        "receipt_form": receipt, "voucher_form": voucher, "reverse_form": reverse_form, "rename_form": rename,
        "loan_form": loan, "live": ticket.kind == "normal" and ticket.status == TicketStatus.ACTIVE,
        "renames": ticket.renames.select_related("new_buyer"),
    })


@login_required
@require_POST
def receipt_take_view(request, pk):
    receipt = _obj(request, Receipt, pk)
    try:
        hs.receipt_finance_copy_take(actor=request.user, receipt=receipt)
        messages.success(request, _("财务联已领取并记录交接。"))
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message) from None
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("housing:ticket_detail", receipt.ticket_id)


# ----- documents ---------------------------------------------------------------------------------------------------


@login_required
def ledger_export(request, pk, fmt):
    project = _project(request, pk)
    return _document(reports.ledger(actor=request.user, project=project), fmt, f"{project.name}-台账")


@login_required
def collections_export(request, pk, fmt):
    project = _project(request, pk)
    return _document(reports.collections_form(actor=request.user, project=project, today=timezone.localdate()), fmt,
                     f"{project.name}-回款统计")


@login_required
def control_export(request, pk, fmt):
    project = _project(request, pk)
    return _document(reports.control_table_form(actor=request.user, project=project), fmt,
                     f"{project.name}-楼盘控制表")


@login_required
def annex_export(request, pk, fmt):
    cu = _cu(request, pk)
    return _document(reports.selection_detail_form(actor=request.user, cu=cu), fmt, f"{cu.name}-选房明细")


@login_required
def ticket_print(request, pk):
    ticket = _obj(request, SelectionTicket, pk, related=("unit__building", "reverses", "replaces", "reviewer",
                                                         "issued_by"))
    return _document(reports.ticket_form(actor=request.user, ticket=ticket), "pdf", f"选房工作票-{ticket.number}")


@login_required
def receipt_print(request, pk):
    receipt = _obj(request, Receipt, pk, related=("ticket", "issued_by"))
    return _document(reports.receipt_form(actor=request.user, receipt=receipt), "pdf", f"收据-{receipt.number}")


@login_required
def voucher_print(request, pk):
    voucher = _obj(request, Voucher, pk, related=("ticket__unit__building", "issued_by", "reviewer"))
    return _document(reports.voucher_form(actor=request.user, voucher=voucher), "pdf", f"选房凭证-{voucher.number}")

