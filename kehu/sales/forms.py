from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.sales.models import ProductGroup


class PickupFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    group = forms.ModelChoiceField(label=_("产品组"), queryset=ProductGroup.objects.all(), required=False,
                                   empty_label=_("全部产品组"))
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class PaymentFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件（CSV 或 XLSX）"))
    source = forms.CharField(label=_("来源系统"), initial="erp", max_length=20,
                             help_text=_("同一来源系统内单据号唯一；重复导入同一文件不会重复记账"))
