"""Web views of the customer archive. Thin: read through the scoped selectors, write through the services,
and turn their refusals into 404 (out of scope), 403 (no permission) or messages beside the fields."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core.errors import ConflictError, ForbiddenError, ScopeError, ServiceError
from kehu.core.forms import apply_service_error
from kehu.core.permissions import require_perm
from kehu.customers import selectors, services
from kehu.customers.forms import (
    AttachmentForm,
    ContactForm,
    CustomerFilterForm,
    CustomerForm,
    HandoverForm,
    InvoicingForm,
    QualificationForm,
)
from kehu.customers.models import (
    Attachment,
    Contact,
    Customer,
    CustomerKind,
    CustomerStatus,
    InvoicingProfile,
    Qualification,
    ReadChannel,
)
from kehu.customers.tabs import archive_tabs_for
from kehu.org.models import DataScope, OrgUnit, User
from kehu.org.selectors import user_scope

PAGE_SIZE = 50
# The list shows an exact total up to this many matches and "1000+" beyond: an exact COUNT over a million
# rows costs more than the page itself.
COUNT_LIMIT = 1_000
EXPORT_CHUNK = 2_000
HANDOVER_CHOICES_LIMIT = 500
EXPIRY_WARNING_DAYS = 30


# ---------------------------------------------------------------------------------------------- helpers


def service_view(view):
    """Out of scope → 404 (existence is not revealed); missing permission → 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ScopeError as exc:
            raise Http404(gettext(exc.message)) from None
        except ForbiddenError as exc:
            raise PermissionDenied(gettext(exc.message)) from None

    return login_required(wrapper)


def _translated(exc: Exception) -> Exception:
    """Services speak Chinese; show their messages in the user's language where the catalog has them."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return ValidationError({f: [gettext(m) for m in msgs] for f, msgs in exc.message_dict.items()})
    if isinstance(exc, ValidationError):
        return ValidationError([gettext(m) for m in exc.messages])
    if isinstance(exc, ServiceError):
        return ServiceError(gettext(exc.message), field=exc.field)
    return exc


def form_error(form, exc: Exception) -> None:
    if isinstance(exc, ScopeError):
        raise Http404(gettext(exc.message))
    apply_service_error(form, _translated(exc))


def _customer(request: HttpRequest, pk: int) -> Customer:
    return selectors.customer_get_for_actor(actor=request.user, pk=pk)


def _tab_url(customer: Customer, tab: str) -> str:
    return f"{reverse('customers:detail', args=[customer.pk])}?tab={tab}"


def _filter_choices(user: User):
    """Owners and units the filter may offer: those inside the user's data scope."""
    scope = user_scope(user)
    units = OrgUnit.objects.filter(is_active=True).only("pk", "name", "path", "depth").order_by("path")
    owners = User.objects.filter(is_active=True).only("pk", "username", "display_name", "first_name", "last_name")
    if scope.kind == DataScope.ALL:
        pass
    elif scope.kind in (DataScope.SUBTREE, DataScope.UNIT) and scope.unit_path:
        if scope.kind == DataScope.SUBTREE:
            units = units.filter(path__startswith=scope.unit_path)
            owners = owners.filter(Q(unit__path__startswith=scope.unit_path) | Q(pk=user.pk))
        else:
            units = units.filter(pk=scope.unit_id)
            owners = owners.filter(Q(unit_id=scope.unit_id) | Q(pk=user.pk))
    elif scope.kind == DataScope.OWN_AND_SUBORDINATES:
        owners = owners.filter(pk__in=[user.pk, *scope.subordinate_ids])
        units = units.none()
    else:
        return None, None
    return owners.order_by("username"), units


def _filters_from(form: CustomerFilterForm) -> selectors.CustomerFilters:
    form.is_valid()  # an invalid filter (say an owner outside the scope) is dropped; the valid ones still apply
    data = getattr(form, "cleaned_data", {})
    return selectors.CustomerFilters(
        query=(data.get("q") or "").strip(),
        status=data.get("status") or "",
        owner_id=data["owner"].pk if data.get("owner") else None,
        unit_id=data["unit"].pk if data.get("unit") else None,
        classification=form.classification() if data.get("cls") else {},
    )


def _filter_form(request: HttpRequest) -> CustomerFilterForm:
    owners, units = _filter_choices(request.user)
    return CustomerFilterForm(request.GET or None, owners=owners, units=units)


# ---------------------------------------------------------------------------------------------- list, export


@service_view
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "customers.view_customer", gettext("您没有查看客户档案的权限。"))
    form = _filter_form(request)
    qs = selectors.customer_list(actor=request.user, filters=_filters_from(form))
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    offset = (page - 1) * PAGE_SIZE
    rows = list(qs[offset: offset + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    total, capped = selectors.customer_count_bounded(qs, COUNT_LIMIT)
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    context = {
        "form": form,
        "customers": rows,
        "page": page,
        "has_next": has_next,
        "has_previous": page > 1,
        "first_index": offset + 1 if rows else 0,
        "last_index": offset + len(rows),
        "total": total,
        "total_capped": capped,
        "query": query,
        "page_query": f"{query}&" if query else "",
        "can_export": request.user.has_perm("customers.export_customer"),
        "can_add": request.user.has_perm("customers.add_customer"),
        "can_handover": request.user.has_perm("customers.handover_customer"),
        "show_owner_filter": form.fields["owner"].queryset is not None and user_scope(request.user).kind
        != DataScope.OWN,
    }
    template = "customers/_list_results.html" if request.htmx and request.htmx.target == "results" else \
        "customers/list.html"
    return render(request, template, context)


EXPORT_HEADERS = (
    _("客户编码"), _("客户全称"), _("简称"), _("客户性质"), _("统一社会信用代码"), _("状态"), _("客户经理"),
    _("管理单位"), _("地址"), _("重要客户"), _("分类"), _("建档时间"),
)


def _export_rows(request: HttpRequest) -> Iterator[list]:
    """The filtered list in the user's scope, chunk by chunk; each chunk's reads are logged (channel export)."""
    form = _filter_form(request)
    qs = selectors.customer_list(actor=request.user, filters=_filters_from(form))
    kinds, statuses = dict(CustomerKind.choices), dict(CustomerStatus.choices)
    columns = ("pk", "code", "name", "short_name", "kind", "uscc", "status", "owner__display_name",
               "owner__username", "unit__name", "address", "is_important", "classifications", "created_at")
    chunk: list[int] = []
    tz = timezone.get_current_timezone()
    yes, no = gettext("是"), gettext("否")
    for (pk, code, name, short, kind, uscc, status, owner_name, owner_login, unit, address, important, cls,
         created) in qs.values_list(*columns).iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(pk)
        if len(chunk) >= EXPORT_CHUNK:
            services.customer_reads_bulk_record(customer_ids=chunk, actor=request.user, channel=ReadChannel.EXPORT)
            chunk = []
        yield [
            code, name, short, str(kinds.get(kind, kind)), uscc or "", str(statuses.get(status, status)),
            owner_name or owner_login or "", unit or "", address, yes if important else no,
            "；".join(f"{k}={v}" for k, v in (cls or {}).items()),
            created.astimezone(tz).strftime("%Y-%m-%d %H:%M") if created else "",
        ]
    if chunk:
        services.customer_reads_bulk_record(customer_ids=chunk, actor=request.user, channel=ReadChannel.EXPORT)


class _Echo:
    def write(self, value):
        return value


def _export_filename(ext: str) -> str:
    return f"customers-{timezone.localdate():%Y%m%d}.{ext}"


@service_view
@require_GET
def customer_export_csv(request: HttpRequest) -> StreamingHttpResponse:
    require_perm(request.user, "customers.export_customer", gettext("您没有导出客户的权限。"))
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # BOM: Excel opens UTF-8 Chinese correctly
        yield writer.writerow([str(h) for h in EXPORT_HEADERS])
        for row in _export_rows(request):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_filename("csv")}"'
    return response


@service_view
@require_GET
def customer_export_xlsx(request: HttpRequest) -> FileResponse:
    require_perm(request.user, "customers.export_customer", gettext("您没有导出客户的权限。"))
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = workbook.add_worksheet(gettext("客户"))
    bold = workbook.add_format({"bold": True, "bg_color": "#F0F3F7"})
    widths = (14, 36, 14, 12, 22, 10, 12, 14, 30, 8, 24, 17)
    for col, (header, width) in enumerate(zip(EXPORT_HEADERS, widths, strict=True)):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, str(header), bold)
    for r, row in enumerate(_export_rows(request), start=1):
        for col, value in enumerate(row):
            sheet.write_string(r, col, value or "")
    workbook.close()
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=_export_filename("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# ---------------------------------------------------------------------------------------------- archive page

TABS = ("basic", "contacts", "qualifications", "invoicing", "attachments", "history", "reads")


def _expiry_state(expires_on, today) -> str:
    if expires_on is None:
        return "permanent"
    if expires_on < today:
        return "expired"
    if expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"


_USER_FIELDS = {"owner", "verified_by", "uploaded_by"}
_UNIT_FIELDS = {"unit", "region"}


def _timeline_for_display(user: User, entries: list) -> list:
    """The selector's timeline (already masked for the actor), made readable: people and units by name instead of
    their ids (two queries in all), classification dicts as 维度=值, and labels in the user's language."""
    user_ids, unit_ids = set(), set()
    for entry in entries:
        for ch in entry.changes:
            target = user_ids if ch.field in _USER_FIELDS else unit_ids if ch.field in _UNIT_FIELDS else None
            if target is not None:
                target.update(v for v in (ch.old, ch.new) if isinstance(v, int))
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    units = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "name")) if unit_ids else {}

    def shown(ch):
        if ch.field in _USER_FIELDS or ch.field in _UNIT_FIELDS:
            names = users if ch.field in _USER_FIELDS else units
            return replace(ch, old=names.get(ch.old, ch.old), new=names.get(ch.new, ch.new))
        return replace(ch, old=_readable(ch.old), new=_readable(ch.new))

    def what(label: str) -> str:
        kind, sep, rest = label.partition(" ")
        return f"{pgettext('timeline', kind)}{sep}{rest}"

    return [
        replace(e, what=what(e.what), actor=gettext(e.actor) if e.actor == "系统" else e.actor,
                changes=tuple(shown(ch) for ch in e.changes))
        for e in entries
    ]


_READABLE = {"（空）", "是", "否"}


def _readable(value):
    """Values the selector renders in Chinese, in the user's language; classification dicts as 维度=值."""
    if isinstance(value, dict):
        return "；".join(f"{k}={v}" for k, v in value.items()) or gettext("（空）")
    if isinstance(value, str) and value in _READABLE:
        return gettext(value)
    return value


@service_view
@require_GET
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    customer = _customer(request, pk)
    services.customer_read_record(customer=customer, actor=user, channel=ReadChannel.PAGE)
    today = timezone.localdate()
    contacts = []
    for contact in customer.contacts.all():
        contacts.append({"obj": contact, **selectors.contact_masked_values(user, contact)})
    qualifications = [
        {"obj": q, "state": _expiry_state(q.expires_on, today),
         "days_left": (q.expires_on - today).days if q.expires_on else None}
        for q in customer.qualifications.select_related("verified_by")
    ]
    can_reads = user.has_perm("customers.view_read_log")
    tab = request.GET.get("tab", "basic")
    fragment_tabs = archive_tabs_for(user, customer)
    fragment_keys = {t["key"] for t in fragment_tabs}
    if (tab not in TABS and tab not in fragment_keys) or (tab == "reads" and not can_reads):
        tab = "basic"
    context = {
        "customer": customer,
        "tab": tab,
        "contacts": contacts,
        "qualifications": qualifications,
        "invoicing": InvoicingProfile.objects.filter(customer=customer).first(),
        "attachments": customer.attachments.select_related("uploaded_by"),
        "timeline": _timeline_for_display(user, selectors.customer_timeline(customer=customer, actor=user)),
        "reads": selectors.customer_reads(actor=user, customer=customer) if can_reads else None,
        "can_reads": can_reads,
        "can_edit": user.has_perm("customers.change_customer"),
        "fragment_tabs": fragment_tabs,
        "expired_count": sum(1 for q in qualifications if q["state"] == "expired"),
        "expiring_count": sum(1 for q in qualifications if q["state"] == "expiring"),
    }
    return render(request, "customers/detail.html", context)


def _serve_file(field_file, *, download_name: str) -> FileResponse:
    if not field_file:
        raise Http404(gettext("文件不存在。"))
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404(gettext("文件不存在。")) from None
    name = field_file.name.rsplit("/", 1)[-1]
    ext = name[name.rfind("."):] if "." in name else ""
    return FileResponse(handle, as_attachment=True, filename=f"{download_name}{ext}")


@service_view
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    customer = _customer(request, pk)
    attachment = Attachment.objects.filter(customer=customer, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    return _serve_file(attachment.file, download_name=attachment.title)


@service_view
@require_GET
def qualification_file(request: HttpRequest, pk: int, qualification_id: int) -> FileResponse:
    customer = _customer(request, pk)
    qualification = Qualification.objects.filter(customer=customer, pk=qualification_id).first()
    if qualification is None:
        raise Http404
    return _serve_file(qualification.file, download_name=f"{qualification.get_licence_type_display()}"
                                                         f"-{qualification.number}")


# ---------------------------------------------------------------------------------------------- customer forms


@service_view
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_perm(user, "customers.add_customer", gettext("您没有新建客户的权限。"))
    can_status = user.has_perm("customers.change_status")
    form = CustomerForm(request.POST or None, can_change_status=can_status,
                        initial={"unit": user.unit_id})
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=user, reason=form.cleaned_data["reason"],
                                                **form.service_kwargs())
        except (ValidationError, ServiceError) as exc:
            form_error(form, exc)
        else:
            messages.success(request, gettext("客户档案已建立：%(name)s") % {"name": customer.name})
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": None})


_FIELD_ORDER = ("name", "short_name", "kind", "uscc", "status", "unit", "region", "address", "is_important",
                "classifications", "notes")


def _conflict_rows(form: CustomerForm, exc: ConflictError) -> list[dict]:
    """Each field: what is saved now (theirs) and what this user submitted (yours)."""
    unit_ids = {exc.current.get(f) for f in ("unit", "region")} | {exc.submitted.get(f) for f in ("unit", "region")}
    units = dict(OrgUnit.objects.filter(pk__in=[u for u in unit_ids if u]).values_list("pk", "name"))

    def show(name, value):
        field = Customer._meta.get_field(name)
        if value in (None, "", {}):
            return "—"
        if name in ("unit", "region"):
            return units.get(value, value)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, bool):
            return gettext("是") if value else gettext("否")
        if isinstance(value, dict):
            return "；".join(f"{k}={v}" for k, v in value.items())
        return value

    rows = []
    for name in _FIELD_ORDER:
        if name not in form.fields or name not in exc.submitted:
            continue
        theirs, yours = exc.current.get(name), exc.submitted.get(name)
        rows.append({
            "label": Customer._meta.get_field(name).verbose_name,
            "theirs": show(name, theirs), "yours": show(name, yours),
            "differs": (theirs or None) != (yours or None),
        })
    return rows


@service_view
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    customer = _customer(request, pk)
    require_perm(user, "customers.change_customer", gettext("您没有修改客户档案的权限。"))
    can_status = user.has_perm("customers.change_status")
    if request.method == "POST":
        form = CustomerForm(request.POST, instance=customer, can_change_status=can_status)
        if form.is_valid():
            version = form.cleaned_data.get("version") or customer.version
            try:
                services.customer_update(actor=user, customer=customer, expected_version=version,
                                         reason=form.cleaned_data["reason"], **form.service_kwargs())
            except ConflictError as exc:
                data = request.POST.copy()
                data["version"] = str(exc.current_version)
                retry = CustomerForm(data, instance=customer, can_change_status=can_status)
                return render(request, "customers/customer_form.html", {
                    "form": retry, "customer": customer, "conflict": True,
                    "conflict_message": gettext(exc.message), "conflict_rows": _conflict_rows(form, exc),
                }, status=409)
            except (ValidationError, ServiceError) as exc:
                form_error(form, exc)
            else:
                messages.success(request, gettext("客户档案已保存。"))
                return redirect("customers:detail", pk=customer.pk)
    else:
        form = CustomerForm(instance=customer, can_change_status=can_status, initial={"version": customer.version})
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


# ---------------------------------------------------------------------------------------------- child forms


def _child_form_page(request, customer, form, *, title, tab, extra=None):
    return render(request, "customers/child_form.html", {
        "customer": customer, "form": form, "title": title, "tab": tab, "back": _tab_url(customer, tab),
        **(extra or {}),
    })


@service_view
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int, contact_id: int | None = None) -> HttpResponse:
    user = request.user
    customer = _customer(request, pk)
    contact = None
    if contact_id is not None:
        contact = Contact.objects.filter(customer=customer, pk=contact_id).first()
        if contact is None:
            raise Http404
    require_perm(user, "customers.change_customer", gettext("您没有修改客户档案的权限。"))
    can_personal = selectors.can_view_personal_data(user)
    form = ContactForm(request.POST or None, instance=contact, can_view_personal=can_personal)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_save(actor=user, customer=customer, contact=contact,
                                  reason=form.cleaned_data["reason"], **form.service_kwargs())
        except (ValidationError, ServiceError) as exc:
            form_error(form, exc)
        else:
            messages.success(request, gettext("联系人已保存。"))
            return redirect(_tab_url(customer, "contacts"))
    title = gettext("编辑联系人") if contact else gettext("新增联系人")
    return _child_form_page(request, customer, form, title=title, tab="contacts")


@service_view
@require_POST
def contact_delete(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    customer = _customer(request, pk)
    if not Contact.objects.filter(customer=customer, pk=contact_id).exists():
        raise Http404
    try:
        services.contact_delete(actor=request.user, contact_id=contact_id, reason=request.POST.get("reason", ""))
    except (ValidationError, ServiceError) as exc:
        if isinstance(exc, ScopeError | ForbiddenError):
            raise
        for message in _translated(exc).messages if isinstance(exc, ValidationError) else [gettext(exc.message)]:
            messages.error(request, message)
    else:
        messages.success(request, gettext("联系人已删除。"))
    return redirect(_tab_url(customer, "contacts"))


@service_view
@require_http_methods(["GET", "POST"])
def qualification_edit(request: HttpRequest, pk: int, qualification_id: int | None = None) -> HttpResponse:
    user = request.user
    customer = _customer(request, pk)
    qualification = None
    if qualification_id is not None:
        qualification = Qualification.objects.filter(customer=customer, pk=qualification_id).first()
        if qualification is None:
            raise Http404
    require_perm(user, "customers.change_customer", gettext("您没有修改客户档案的权限。"))
    form = QualificationForm(request.POST or None, request.FILES or None, instance=qualification)
    if request.method == "POST" and form.is_valid():
        try:
            services.qualification_save(
                actor=user, customer=customer, qualification=qualification, file=form.cleaned_data.get("file"),
                verified=form.cleaned_data["verified"], reason=form.cleaned_data["reason"], **form.service_kwargs(),
            )
        except (ValidationError, ServiceError) as exc:
            form_error(form, exc)
        else:
            messages.success(request, gettext("资质已保存。"))
            return redirect(_tab_url(customer, "qualifications"))
    title = gettext("编辑资质") if qualification else gettext("新增资质")
    return _child_form_page(request, customer, form, title=title, tab="qualifications",
                            extra={"multipart": True, "qualification": qualification})


@service_view
@require_POST
def qualification_verify(request: HttpRequest, pk: int, qualification_id: int) -> HttpResponse:
    customer = _customer(request, pk)
    qualification = Qualification.objects.filter(customer=customer, pk=qualification_id).first()
    if qualification is None:
        raise Http404
    services.qualification_save(actor=request.user, customer=customer, qualification=qualification,
                                verified=True, reason=gettext("核验资质原件"))
    messages.success(request, gettext("已记录核验：%(q)s") % {"q": qualification})
    return redirect(_tab_url(customer, "qualifications"))


@service_view
@require_POST
def qualification_delete(request: HttpRequest, pk: int, qualification_id: int) -> HttpResponse:
    customer = _customer(request, pk)
    if not Qualification.objects.filter(customer=customer, pk=qualification_id).exists():
        raise Http404
    services.qualification_delete(actor=request.user, qualification_id=qualification_id)
    messages.success(request, gettext("资质已删除。"))
    return redirect(_tab_url(customer, "qualifications"))


@service_view
@require_http_methods(["GET", "POST"])
def invoicing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    customer = _customer(request, pk)
    require_perm(user, "customers.change_customer", gettext("您没有修改客户档案的权限。"))
    profile = InvoicingProfile.objects.filter(customer=customer).first()
    form = InvoicingForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.invoicing_save(actor=user, customer=customer, reason=form.cleaned_data["reason"],
                                    **form.service_kwargs())
        except (ValidationError, ServiceError) as exc:
            form_error(form, exc)
        else:
            messages.success(request, gettext("开票资料已保存。"))
            return redirect(_tab_url(customer, "invoicing"))
    return _child_form_page(request, customer, form, title=gettext("开票资料"), tab="invoicing")


@service_view
@require_http_methods(["GET", "POST"])
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    customer = _customer(request, pk)
    require_perm(user, "customers.change_customer", gettext("您没有修改客户档案的权限。"))
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attachment_add(actor=user, customer=customer, title=form.cleaned_data["title"],
                                    file=form.cleaned_data.get("file"))
        except (ValidationError, ServiceError) as exc:
            form_error(form, exc)
        else:
            messages.success(request, gettext("附件已上传。"))
            return redirect(_tab_url(customer, "attachments"))
    return _child_form_page(request, customer, form, title=gettext("上传附件"), tab="attachments",
                            extra={"multipart": True})


@service_view
@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    customer = _customer(request, pk)
    if not Attachment.objects.filter(customer=customer, pk=attachment_id).exists():
        raise Http404
    services.attachment_delete(actor=request.user, attachment_id=attachment_id)
    messages.success(request, gettext("附件已删除。"))
    return redirect(_tab_url(customer, "attachments"))


# ---------------------------------------------------------------------------------------------- handover


def _handover_choices(actor: User, from_user_id) -> tuple[list[tuple[int, str]], int]:
    """The from-user's customers inside the actor's scope (first 500 to pick from) and their total."""
    try:
        from_id = int(from_user_id)
    except (TypeError, ValueError):
        return [], 0
    qs = selectors.customer_queryset_for_actor(actor).filter(owner_id=from_id)
    total = qs.count()
    rows = qs.order_by("code").values_list("pk", "code", "name")[:HANDOVER_CHOICES_LIMIT]
    return [(pk, f"{code} {name}") for pk, code, name in rows], total


@service_view
@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_perm(user, "customers.handover_customer", gettext("您没有移交客户的权限。"))
    users = User.objects.all()
    source = request.POST if request.method == "POST" else request.GET
    choices, total = _handover_choices(user, source.get("from_user"))
    initial = {"from_user": request.GET.get("from_user")} if request.method == "GET" else None
    form = HandoverForm(request.POST or None, users=users, customer_choices=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = data["customers"] if data["mode"] == HandoverForm.MODE_CHOSEN else None
        try:
            moved = services.customer_handover(actor=user, from_user=data["from_user"], to_user=data["to_user"],
                                               reason=data["reason"], customer_ids=chosen)
        except (ValidationError, ServiceError) as exc:
            form_error(form, exc)
        else:
            messages.success(request, gettext("已将 %(n)d 个客户从 %(a)s 移交给 %(b)s。") % {
                "n": moved, "a": data["from_user"], "b": data["to_user"]})
            return redirect(reverse("customers:list") + "?" + urlencode({"owner": data["to_user"].pk}))
    return render(request, "customers/handover.html", {
        "form": form, "choices_total": total, "choices_limit": HANDOVER_CHOICES_LIMIT,
    })


@service_view
@require_GET
def handover_customers(request: HttpRequest) -> HttpResponse:
    """htmx fragment: the chosen from-user's customers as check boxes."""
    require_perm(request.user, "customers.handover_customer", gettext("您没有移交客户的权限。"))
    choices, total = _handover_choices(request.user, request.GET.get("from_user"))
    form = HandoverForm(users=User.objects.all(), customer_choices=choices)
    return render(request, "customers/_handover_customers.html", {
        "form": form, "choices_total": total, "choices_limit": HANDOVER_CHOICES_LIMIT,
    })


# ---------------------------------------------------------------------------------------------- dashboard


def dashboard_my_customers(user) -> dict | None:
    """Home panel: the user's own customers by status."""
    if not user.has_perm("customers.view_customer"):
        return None
    counts = dict(
        Customer.objects.filter(owner=user).order_by().values_list("status").annotate(n=Count("pk"))
    )
    rows = [{"status": value, "label": label, "count": counts.get(value, 0)}
            for value, label in CustomerStatus.choices if counts.get(value)]
    return {"title": gettext("我的客户"), "template": "customers/panels/my_customers.html",
            "context": {"rows": rows, "total": sum(counts.values()), "owner_id": user.pk}}


def dashboard_expiring(user) -> dict | None:
    """Home panel: qualifications in the user's scope that expired or expire within 30 days."""
    if not user.has_perm("customers.view_customer"):
        return None
    today = timezone.localdate()
    qs = Qualification.objects.filter(
        customer__in=selectors.customer_queryset_for_actor(user).values("pk"),
        expires_on__lte=today + timedelta(days=EXPIRY_WARNING_DAYS),
        expires_on__gte=today - timedelta(days=90),
    ).select_related("customer").order_by("expires_on")
    items = [{"obj": q, "state": _expiry_state(q.expires_on, today), "days_left": (q.expires_on - today).days}
             for q in qs[:8]]
    return {"title": gettext("资质到期提醒（30天内及已过期）"), "template": "customers/panels/expiring.html",
            "context": {"items": items}}
