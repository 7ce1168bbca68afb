from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.audit.models import AuditExportFormat
from kehu.audit.selectors import KINDS
from kehu.customers.models import Customer
from kehu.org.models import User

# Most exports answer "what happened to this customer / what did this person do" over weeks, not years;
# a full year still fits in one file.
MAX_RANGE_DAYS = 366


class AuditExportForm(forms.Form):
    date_from = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    customer_code = forms.CharField(label=_("客户编码"), required=False, max_length=32)
    username = forms.CharField(label=_("操作人账号"), required=False, max_length=150)
    kinds = forms.MultipleChoiceField(label=_("记录类别"), choices=[(k, _(v)) for k, v in KINDS.items()],
                                      widget=forms.CheckboxSelectMultiple, initial=list(KINDS))
    file_format = forms.ChoiceField(label=_("格式"), choices=AuditExportFormat.choices,
                                    initial=AuditExportFormat.XLSX)

    @staticmethod
    def initial_values() -> dict:
        today = timezone.localdate()
        return {"date_from": today - timedelta(days=30), "date_to": today, "kinds": list(KINDS),
                "file_format": AuditExportFormat.XLSX}

    def clean_customer_code(self):
        code = self.cleaned_data["customer_code"].strip()
        if not code:
            return None
        customer = Customer.objects.filter(code=code).first()
        if customer is None:
            raise forms.ValidationError(_("没有编码为 %(code)s 的客户。"), params={"code": code})
        return customer

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        if not name:
            return None
        user = User.objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError(_("没有账号为 %(name)s 的用户。"), params={"name": name})
        return user

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", _("截止日期不能早于起始日期。"))
            elif (end - start).days > MAX_RANGE_DAYS:
                self.add_error("date_to", _("一次最多导出 %(n)s 天的记录，请缩小日期范围。") % {"n": MAX_RANGE_DAYS})
        return data
