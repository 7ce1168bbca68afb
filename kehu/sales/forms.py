from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.sales.models import ImportKind, Product, ProductGroup, QuantityUnit, Warehouse


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


class ImportKindForm(ImportForm):
    kind = forms.ChoiceField(label=_("导入内容"), choices=ImportKind.choices, initial=ImportKind.PICKUPS,
                             required=False)

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or ImportKind.PICKUPS


class PickupForm(forms.Form):
    customer_code = forms.CharField(label=_("客户编码"), max_length=40)
    product = forms.ModelChoiceField(label=_("产品"), queryset=Product.objects.filter(is_active=True),
                                     empty_label=_("请选择产品"))
    quantity = forms.DecimalField(label=_("数量"), max_digits=18, decimal_places=3)
    unit = forms.ChoiceField(label=_("单位"), choices=QuantityUnit.choices)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=16, decimal_places=2)
    picked_on = forms.DateField(label=_("提货日期"), widget=forms.DateInput(attrs={"type": "date"}))
    warehouse = forms.ModelChoiceField(label=_("库点"), queryset=Warehouse.objects.filter(is_active=True),
                                       required=False, empty_label=_("（不指定）"))
    source_ref = forms.CharField(label=_("单据号"), max_length=64)


class PaymentForm(forms.Form):
    customer_code = forms.CharField(label=_("客户编码"), max_length=40)
    amount = forms.DecimalField(label=_("收款金额（元）"), max_digits=16, decimal_places=2)
    paid_on = forms.DateField(label=_("收款日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("银行流水号"), max_length=64)
    invoice_no = forms.CharField(label=_("核销发票号"), max_length=40, required=False,
                                 help_text=_("不填则记为预收款"))
    method = forms.CharField(label=_("收款方式"), max_length=20, required=False)
