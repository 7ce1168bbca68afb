"""Web forms of the customer archive. They collect and shape input; the services decide and save."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from kehu.customers.models import (
    Attachment,
    Contact,
    Customer,
    CustomerStatus,
    InvoicingProfile,
    Qualification,
)
from kehu.customers.services import CONTACT_FIELDS, INVOICING_FIELDS, QUALIFICATION_FIELDS
from kehu.org.models import OrgUnit, User

# Messages the services raise as plain Chinese strings. Listed here so that makemessages puts them in the
# catalog; the views translate them at display time (gettext on the message), so an English user reads English.
SERVICE_MESSAGES = (
    gettext_noop("该统一社会信用代码已被其他客户使用。"),
    gettext_noop("重要客户须至少登记两名联系人（大客户信息管理规定），请先补充联系人。"),
    gettext_noop("保存冲突：在您编辑期间，此客户档案已被他人修改。您的修改尚未保存，请对照下方两个版本后重新提交。"),
    gettext_noop("客户状态须通过审批流程变更，您不能直接修改。"),
    gettext_noop("更换客户经理请使用“移交”功能，以便记录移交原因。"),
    gettext_noop("重要客户须至少保留两名联系人，不能删除。"),
    gettext_noop("有效期至不能早于发证日期。"),
    gettext_noop("发证日期不能晚于今天。"),
    gettext_noop("请填写附件标题。"),
    gettext_noop("附件标题不能超过100个字符。"),
    gettext_noop("请选择要上传的文件。"),
    gettext_noop("请填写移交原因。"),
    gettext_noop("接收人不能与移交人相同。"),
    gettext_noop("接收人已停用，不能接收客户。"),
    gettext_noop("所选客户中有的不属于移交人，或不在您的管理范围内。"),
    gettext_noop("移交人有部分客户不在您的管理范围内，请由上级管理员办理。"),
    gettext_noop("您没有新建客户的权限。"),
    gettext_noop("您没有修改客户档案的权限。"),
    gettext_noop("您没有移交客户的权限。"),
    gettext_noop("您没有查看查阅记录的权限。"),
    gettext_noop("客户不存在，或不在您的管理范围内。"),
    # Timeline actions (selectors.customer_timeline)
    pgettext_lazy("timeline", "新建"),
    pgettext_lazy("timeline", "修改"),
    pgettext_lazy("timeline", "删除"),
    gettext_noop("系统"),
    gettext_noop("（空）"),
    pgettext_lazy("timeline", "客户档案"),
    pgettext_lazy("timeline", "联系人"),
    pgettext_lazy("timeline", "资质"),
    pgettext_lazy("timeline", "开票资料"),
    pgettext_lazy("timeline", "附件"),
    pgettext_lazy("timeline", "业务事件"),
)

REASON_HELP = _("选填，将记入变更记录")


def _reason_field() -> forms.CharField:
    return forms.CharField(label=_("修改原因"), max_length=100, required=False, help_text=REASON_HELP)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BootstrapMixin:
    """Bootstrap classes on every widget, and `is-invalid` on fields with errors."""

    def _style(self) -> None:
        errors = self._errors or {}  # never trigger validation from here
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            if name in errors:
                css += " is-invalid"
            widget.attrs["class"] = css

    def full_clean(self):
        super().full_clean()
        self._style()

    def add_error(self, field, error):
        # Service errors arrive after validation: mark their fields too.
        super().add_error(field, error)
        self._style()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ClassificationsField(forms.CharField):
    """Free classification values, one `维度=值` per line (e.g. 类别=商混站)."""

    widget = forms.Textarea(attrs={"rows": 3, "placeholder": "类别=商混站\n结算方式=月结"})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{k}={v}" for k, v in value.items())
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        out: dict[str, str] = {}
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            key, sep, val = line.replace("：", "=").replace(":", "=").partition("=")
            if not sep or not key.strip() or not val.strip():
                raise forms.ValidationError(
                    _("第%(n)d行格式应为“维度=值”，例如“类别=商混站”。"), code="classification", params={"n": number}
                )
            out[key.strip()] = val.strip()
        return out


class CustomerForm(BootstrapMixin, forms.ModelForm):
    """Create and edit a customer. The owner changes only through handover; the status only with its permission."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    classifications = ClassificationsField(label=_("分类"), required=False, help_text=_("每行一项，格式“维度=值”"))
    reason = _reason_field()

    class Meta:
        model = Customer
        fields = ("name", "short_name", "kind", "uscc", "status", "unit", "region", "address", "is_important",
                  "classifications", "notes")
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, can_change_status: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        units = OrgUnit.objects.filter(is_active=True).order_by("path")
        self.fields["unit"].queryset = units
        self.fields["region"].queryset = units
        if not can_change_status:
            del self.fields["status"]
        if self.instance.pk is None:
            del self.fields["version"]
        self._style()

    def _post_clean(self):
        # Validation of the model (credit code, lengths, uniqueness) runs in the service, which reports it back
        # onto this form field by field; validating twice would also read a stale row for the conflict check.
        pass

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data.pop("reason", None)
        data["uscc"] = (data.get("uscc") or "").strip() or None
        return data


class ContactForm(BootstrapMixin, forms.ModelForm):
    reason = _reason_field()

    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        widgets = {
            "birthday": _date_input(),
            "preferences": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    PERSONAL = ("mobile", "phone", "id_number")

    def __init__(self, *args, can_view_personal: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.hide_personal = not can_view_personal and self.instance.pk is not None
        if self.hide_personal:
            # Never send personal data to a user who may not see it: blank means "leave unchanged".
            for name in self.PERSONAL:
                self.initial[name] = ""
                self.fields[name].widget.attrs["placeholder"] = str(_("已隐藏，留空表示不修改"))
        self._style()

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "reason"}
        if self.hide_personal:
            for name in self.PERSONAL:
                if not data.get(name):
                    data.pop(name, None)
        return data


class QualificationForm(BootstrapMixin, forms.ModelForm):
    file = forms.FileField(label=_("扫描件"), required=False, help_text=_("PDF、PNG、JPG、Word、Excel 或 OFD"))
    verified = forms.BooleanField(label=_("已核验原件"), required=False, help_text=_("勾选即记录您为核验人"))
    reason = _reason_field()

    class Meta:
        model = Qualification
        fields = QUALIFICATION_FIELDS
        widgets = {"issued_on": _date_input(), "expires_on": _date_input()}

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("reason", "file", "verified")}


class InvoicingForm(BootstrapMixin, forms.ModelForm):
    reason = _reason_field()

    class Meta:
        model = InvoicingProfile
        fields = INVOICING_FIELDS

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}


class AttachmentForm(BootstrapMixin, forms.ModelForm):
    # Required-ness is the service's call, so that its Chinese message names the field.
    title = forms.CharField(label=_("标题"), required=False, max_length=100)
    file = forms.FileField(label=_("文件"), required=False, help_text=_("PDF、PNG、JPG、Word、Excel 或 OFD"))

    class Meta:
        model = Attachment
        fields = ("title", "file")

    def _post_clean(self):
        pass


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *CustomerStatus.choices])
    owner = forms.ModelChoiceField(label=_("客户经理"), required=False, queryset=User.objects.none(),
                                   empty_label=_("全部客户经理"))
    unit = forms.ModelChoiceField(label=_("管理单位"), required=False, queryset=OrgUnit.objects.none(),
                                  empty_label=_("全部单位"))
    cls = forms.CharField(label=_("分类"), required=False, max_length=100)

    def __init__(self, *args, owners=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners if owners is not None else User.objects.none()
        self.fields["unit"].queryset = units if units is not None else OrgUnit.objects.none()

    def classification(self) -> dict[str, str]:
        text = (getattr(self, "cleaned_data", {}).get("cls") or "").replace("：", "=").replace(":", "=")
        key, sep, value = text.partition("=")
        return {key.strip(): value.strip()} if sep and key.strip() and value.strip() else {}


class HandoverForm(BootstrapMixin, forms.Form):
    MODE_ALL = "all"
    MODE_CHOSEN = "chosen"

    from_user = forms.ModelChoiceField(label=_("移交人"), queryset=User.objects.none())
    to_user = forms.ModelChoiceField(label=_("接收人"), queryset=User.objects.none())
    mode = forms.ChoiceField(
        label=_("移交范围"), widget=forms.RadioSelect,
        choices=[(MODE_ALL, _("移交人名下全部客户")), (MODE_CHOSEN, _("仅所选客户"))], initial=MODE_ALL,
    )
    customers = forms.TypedMultipleChoiceField(label=_("所选客户"), required=False, coerce=int, choices=[])
    reason = forms.CharField(label=_("移交原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("必填，将记入每个客户的变更记录"))

    def __init__(self, *args, users=None, customer_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        qs = users if users is not None else User.objects.filter(is_active=True)
        self.fields["from_user"].queryset = User.objects.filter(pk__in=qs.values("pk")).order_by("username")
        self.fields["to_user"].queryset = qs.filter(is_active=True).order_by("username")
        self.fields["customers"].choices = list(customer_choices)
        self._style()

    def clean(self):
        data = super().clean()
        if data.get("mode") == self.MODE_CHOSEN and not data.get("customers"):
            self.add_error("customers", _("请至少选择一个客户。"))
        return data
