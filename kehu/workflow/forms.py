from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.org.models import OrgUnit, User
from kehu.workflow.models import CustomerType, Decision, DisqualificationGround
from kehu.workflow.services.admission import TYPE_CONDITIONS
from kehu.workflow.services.licences import LICENCE_CONDITIONS


class BootstrapMixin:
    """Bootstrap classes on every widget, so templates render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


def _active_users():
    return User.objects.filter(is_active=True).order_by("unit__path", "display_name")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj}（{obj.unit}）" if obj.unit_id else str(obj)


class DecideForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(label=_("审批意见"), choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("批注"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              max_length=2000)


class StepDelegateForm(BootstrapMixin, forms.Form):
    to_user = UserChoiceField(label=_("委托给"), queryset=User.objects.none())
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = _active_users()


class DelegationForm(BootstrapMixin, forms.Form):
    to_user = UserChoiceField(label=_("受托人"), queryset=User.objects.none())
    start = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = _active_users()
        if user is not None:
            qs = qs.exclude(pk=user.pk)
        self.fields["to_user"].queryset = qs
        today = timezone.localdate()
        self.fields["start"].initial = today
        self.fields["end"].initial = today + timedelta(days=7)


def _condition_choices():
    seen: dict[str, str] = {}
    for conds in TYPE_CONDITIONS.values():
        for code, label in conds:
            seen.setdefault(code, label)
    return list(seen.items())


class AdmissionForm(BootstrapMixin, forms.Form):
    customer = forms.ModelChoiceField(label=_("客户（潜在客户）"), queryset=None)
    customer_type = forms.ChoiceField(label=_("客户类别（000 第十条）"), choices=CustomerType.choices)
    business_scope = forms.CharField(label=_("经营范围与规模"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    expected_products = forms.CharField(label=_("拟购产品"), required=False, max_length=200)
    expected_monthly_quantity = forms.DecimalField(label=_("预计月需求量"), required=False, min_value=0,
                                                   max_digits=12, decimal_places=3)
    quantity_unit = forms.CharField(label=_("单位"), initial="吨", max_length=10)
    conditions = forms.MultipleChoiceField(label=_("准入条件确认"), required=False,
                                           widget=forms.CheckboxSelectMultiple, choices=_condition_choices)
    notes = forms.CharField(label=_("申请说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, customers=None, edit=False, **kwargs):
        super().__init__(*args, **kwargs)
        if edit:
            del self.fields["customer"]
        else:
            self.fields["customer"].queryset = customers

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("customer", None)
        data["conditions"] = {code: True for code in data.get("conditions", [])}
        return data


class OverrideForm(BootstrapMixin, forms.Form):
    override_reason = forms.CharField(label=_("例外说明"), widget=forms.Textarea(attrs={"rows": 3}))


class AccessRequestForm(BootstrapMixin, forms.Form):
    customer_ref = forms.CharField(label=_("客户编码或统一社会信用代码"), max_length=32)
    reason = forms.CharField(label=_("查阅事由"), widget=forms.Textarea(attrs={"rows": 2}))
    days = forms.IntegerField(label=_("查阅期限（天）"), min_value=1, max_value=30, initial=7)


class DisqualificationForm(BootstrapMixin, forms.Form):
    ground = forms.ChoiceField(label=_("取消依据（000 第十七条）"), choices=DisqualificationGround.choices,
                               widget=forms.RadioSelect)
    facts = forms.CharField(label=_("事实与证据"), widget=forms.Textarea(attrs={"rows": 4}))


class LicenceForm(BootstrapMixin, forms.Form):
    customer = forms.ModelChoiceField(label=_("独家代理商"), queryset=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    region = forms.CharField(label=_("代理区域"), max_length=100)
    conditions = forms.MultipleChoiceField(label=_("条件核实（000 第十条）"), choices=LICENCE_CONDITIONS,
                                           widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["year"].initial = timezone.localdate().year


class RevokeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("吊销原因"), max_length=200)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'　' * obj.depth}{obj.name}（{obj.get_kind_display()}）"


class LevelTransferForm(BootstrapMixin, forms.Form):
    to_unit = UnitChoiceField(label=_("接收单位（上级或下级管理单位）"), queryset=OrgUnit.objects.none())
    reason = forms.CharField(label=_("转移原因"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("如：本级客户过剩或不足（002 6.1.1）"))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["to_unit"].queryset = units
