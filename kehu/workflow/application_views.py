"""Pages of the generic application with deadlines: the list (overdue milestones first), receiving an application
with the fields its pack program defines, and one application with its milestones, their deadlines and actions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.core.forms import apply_service_error
from kehu.customers.selectors import customer_queryset_for_actor
from kehu.workflow.application_models import Application, ApplicationMilestone, MilestoneStatus
from kehu.workflow.services import applications as svc

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def _styled(form: forms.Form) -> forms.Form:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs.setdefault("class", "form-control")
    return form


def program_form(program, data=None, *, actor=None) -> forms.Form:
    """A form with the program's fields (the pack decides them), plus the customer and the day received."""
    fields: dict[str, forms.Field] = {
        "customer": forms.ModelChoiceField(label=gettext_lazy("客户"), queryset=customer_queryset_for_actor(actor)
                                           .order_by("code") if actor else None),
        "received_on": forms.DateField(label=gettext_lazy("受理日期"), widget=DATE, initial=timezone.localdate),
    }
    for spec in program.fields:
        if any(spec.code in m.records for m in program.milestones):
            continue  # recorded later, by the milestone that produces it (a certificate number …)
        label = spec.label + (f"（{spec.unit}）" if spec.unit else "")
        if spec.type == "boolean":
            field = forms.BooleanField(label=label, required=False)
        elif spec.type == "choice":
            field = forms.ChoiceField(label=label, choices=[("", "—")] + [(c.code, c.name) for c in spec.choices],
                                      required=spec.required)
        elif spec.type == "decimal":
            field = forms.DecimalField(label=label, required=spec.required, min_value=0, max_digits=18,
                                       decimal_places=3)
        elif spec.type == "integer":
            field = forms.IntegerField(label=label, required=spec.required, min_value=1900, max_value=2200)
        elif spec.type == "date":
            field = forms.DateField(label=label, required=spec.required, widget=DATE)
        else:
            field = forms.CharField(label=label, required=spec.required, max_length=500)
        if spec.citation:
            field.help_text = spec.citation.article
        fields[spec.code] = field
    return _styled(type("ProgramForm", (forms.Form,), fields)(data))


class CompleteForm(forms.Form):
    done_on = forms.DateField(label=gettext_lazy("完成日期"), widget=DATE)
    outcome = forms.ChoiceField(label=gettext_lazy("结果"), required=False,
                                choices=[("", "—"), ("passed", gettext_lazy("合格")),
                                         ("failed", gettext_lazy("不合格"))])
    note = forms.CharField(label=gettext_lazy("说明"), max_length=300, required=False)


class ExtendForm(forms.Form):
    requested_on = forms.DateField(label=gettext_lazy("客户申请延期日期"), widget=DATE)
    until = forms.DateField(label=gettext_lazy("延长至（留空＝再一个有效期）"), widget=DATE, required=False)


@login_required
@permission_required("workflow.view_application", raise_exception=True)
def application_list(request):
    today = timezone.localdate()
    overdue = ApplicationMilestone.objects.filter(application=OuterRef("pk"), due_on__lt=today,
                                                  status__in=[MilestoneStatus.OPEN, MilestoneStatus.WAITING])
    rows = (Application.objects.filter(customer__in=customer_queryset_for_actor(request.user))
            .select_related("customer").annotate(overdue=Exists(overdue)))
    if request.GET.get("overdue"):
        rows = rows.filter(overdue=True)
    if request.GET.get("program"):
        rows = rows.filter(program_code=request.GET["program"])
    next_due = {m.application_id: m for m in ApplicationMilestone.objects.filter(
        application__in=[r.pk for r in rows[:200]], status=MilestoneStatus.OPEN, due_on__isnull=False)
        .order_by("-due_on")}
    listed = list(rows.order_by("-overdue", "-received_on", "-id")[:200])
    for row in listed:
        row.next_due = next_due.get(row.pk)
    return render(request, "workflow/application_list.html", {
        "rows": listed, "programs": svc.programs(), "today": today, "overdue_only": bool(request.GET.get("overdue"))})


@login_required
@permission_required("workflow.manage_application", raise_exception=True)
def application_new(request, pack, program):
    try:
        pack_obj, program_obj = svc.program_get(pack, program)
    except ValidationError:
        raise Http404 from None
    form = program_form(program_obj, request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        customer, received_on = data.pop("customer"), data.pop("received_on")
        try:
            app = svc.application_receive(actor=request.user, pack_name=pack, program_code=program,
                                          customer=customer, received_on=received_on, facts=data)
            messages.success(request, _("申请已受理，期限已按制度计算。"))
            return redirect("workflow:application_detail", app.pk)
        except ForbiddenError as exc:
            raise PermissionDenied(exc.message) from None
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
    return render(request, "workflow/application_form.html", {"form": form, "pack": pack_obj,
                                                              "program": program_obj})


@login_required
@permission_required("workflow.view_application", raise_exception=True)
def application_detail(request, pk):
    app = (Application.objects.filter(pk=pk, customer__in=customer_queryset_for_actor(request.user))
           .select_related("customer", "approval", "created_by").first())
    if app is None:
        raise Http404
    _pack, program = svc.program_get(app.pack_name, app.program_code)
    target = request.POST.get("milestone")
    milestones = list(app.milestones.select_related("done_by").order_by("order", "attempt"))
    for m in milestones:
        spec = program.milestone(m.code)
        m.spec = spec
        posted = request.POST if target == str(m.pk) else None
        form = CompleteForm(posted, initial={"done_on": timezone.localdate()}, prefix=f"m{m.pk}")
        if spec.outcome != "pass_fail":
            del form.fields["outcome"]
        for code in spec.records:
            field_spec = program.field(code)
            form.fields[code] = forms.CharField(label=field_spec.label, max_length=200)
        m.form = _styled(form)
        m.extend_form = _styled(ExtendForm(request.POST if target == f"x{m.pk}" else None, prefix=f"x{m.pk}"))
        m.late = m.done_on and m.due_on and m.done_on > m.due_on
    if request.method == "POST":
        for m in milestones:
            try:
                if target == str(m.pk) and m.form.is_valid():
                    d = m.form.cleaned_data
                    svc.milestone_complete(actor=request.user, milestone=m, done_on=d["done_on"],
                                           outcome=d.get("outcome", ""), note=d["note"],
                                           records={c: d[c] for c in m.spec.records})
                    messages.success(request, _("已办理：%(name)s") % {"name": m.name})
                    return redirect("workflow:application_detail", pk)
                if target == f"x{m.pk}" and m.extend_form.is_valid():
                    svc.validity_extend(actor=request.user, milestone=m, **m.extend_form.cleaned_data)
                    messages.success(request, _("有效期已延长。"))
                    return redirect("workflow:application_detail", pk)
            except ForbiddenError as exc:
                messages.error(request, exc.message)
            except (ValidationError, ServiceError) as exc:
                apply_service_error(m.extend_form if target == f"x{m.pk}" else m.form, exc)
    fields = [(spec.label, app.facts.get(spec.code), spec) for spec in program.fields]
    return render(request, "workflow/application_detail.html", {
        "app": app, "program": program, "milestones": milestones, "fields": fields,
        "today": timezone.localdate(), "can_manage": request.user.has_perm("workflow.manage_application"),
    })

