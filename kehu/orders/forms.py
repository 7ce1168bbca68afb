from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.orders.models import CreditChangeKind, InquiryChannel, OrderStatus
from kehu.sales.models import Product, ProductGroup

LINE_ROWS = 5


class StyledForm(forms.Form):
    """Bootstrap classes on every widget (the shell's look), set once here rather than in every template."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            if css not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class OrderForm(StyledForm):
    customer_code = forms.CharField(label=_("客户编码"), max_length=40)
    order_date = forms.DateField(label=_("订单日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    is_rush = forms.BooleanField(label=_("加急订单（插单）"), required=False)
    from_stock = forms.BooleanField(label=_("库存直接提货"), required=False)
    special_requirements = forms.CharField(label=_("特殊技术要求"), required=False,
                                           widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(is_active=True).order_by("code")
        for i in range(1, LINE_ROWS + 1):
            self.fields[f"product_{i}"] = forms.ModelChoiceField(
                label=_("产品"), queryset=products, required=False, empty_label=_("请选择产品"))
            self.fields[f"quantity_{i}"] = forms.DecimalField(label=_("数量"), required=False, max_digits=18,
                                                              decimal_places=3)
            self.fields[f"unit_price_{i}"] = forms.DecimalField(
                label=_("成交单价（空为标准价）"), required=False, max_digits=14, decimal_places=2)
        self.style_widgets()

    def line_rows(self):
        return [(self[f"product_{i}"], self[f"quantity_{i}"], self[f"unit_price_{i}"])
                for i in range(1, LINE_ROWS + 1)]

    def lines(self):
        from kehu.orders.services.orders import OrderLineInput

        out = []
        for i in range(1, LINE_ROWS + 1):
            product = self.cleaned_data.get(f"product_{i}")
            quantity = self.cleaned_data.get(f"quantity_{i}")
            if product is None and quantity is None:
                continue
            if product is None:
                self.add_error(f"product_{i}", _("请选择产品。"))
                continue
            if quantity is None:
                self.add_error(f"quantity_{i}", _("请填写数量。"))
                continue
            out.append(OrderLineInput(product=product, quantity=quantity,
                                      unit_price=self.cleaned_data.get(f"unit_price_{i}")))
        return out


class OrderEditForm(OrderForm):
    """A draft's lines, date and requirements; the customer stays. `version` is the one read, so a save never
    overwrites somebody else's."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("修改原因"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_code"].disabled = True
        self.style_widgets()

    @classmethod
    def initial_for(cls, order, lines) -> dict:
        initial = {"customer_code": order.customer.code, "order_date": order.order_date, "is_rush": order.is_rush,
                   "from_stock": order.from_stock, "special_requirements": order.special_requirements,
                   "note": order.note, "version": order.version}
        for i, line in enumerate(lines, start=1):
            in_base_unit = line.unit == line.product.base_unit
            initial[f"product_{i}"] = line.product
            initial[f"quantity_{i}"] = line.quantity if in_base_unit else line.base_quantity
            # A negotiated price stays; the standard price is left empty so that it is priced again.
            if line.unit_price.quantize(Decimal("0.01")) != line.standard_price.quantize(Decimal("0.01")):
                initial[f"unit_price_{i}"] = line.unit_price
        return initial


class OrderFilterForm(StyledForm):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *OrderStatus.choices])


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))


class CreditChangeForm(StyledForm):
    kind = forms.ChoiceField(label=_("调整内容"), choices=CreditChangeKind.choices)
    new_rating = forms.CharField(label=_("新信用等级"), required=False, max_length=8)
    new_limit = forms.DecimalField(label=_("新授信额度（元）"), required=False, max_digits=16, decimal_places=2)
    reason = forms.CharField(label=_("核查结果与理由"), widget=forms.Textarea(attrs={"rows": 2}))


class InquiryForm(StyledForm):
    customer_code = forms.CharField(label=_("客户编码"), max_length=40)
    channel = forms.ChoiceField(label=_("类型"), choices=InquiryChannel.choices)
    subject = forms.CharField(label=_("事由"), max_length=200)
    content = forms.CharField(label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    received_at = forms.DateTimeField(label=_("收到时间（空为现在）"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class AnswerForm(StyledForm):
    answer = forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 3}))


class PriceListForm(StyledForm):
    name = forms.CharField(label=_("价格表名称"), max_length=100)
    valid_from = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    items = forms.CharField(label=_("内控价格（每行：产品编码,单价）"), widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=_("例如：PE-LLDP,8000.00"))


class AllocationRunForm(StyledForm):
    month = forms.CharField(label=_("月份（如 2026-11）"), max_length=7)
    product_group = forms.ModelChoiceField(label=_("产品组"), queryset=ProductGroup.objects.filter(is_active=True),
                                           required=False, empty_label=_("全部有生产计划的产品组"))
    replace = forms.BooleanField(label=_("重新计算（覆盖已有分配及手工调整）"), required=False)


class ProductionPlanForm(StyledForm):
    month = forms.CharField(label=_("月份（如 2026-11）"), max_length=7)
    product_group = forms.ModelChoiceField(label=_("产品组"), queryset=ProductGroup.objects.filter(is_active=True))
    quantity = forms.DecimalField(label=_("可供量（按产品组计量单位）"), max_digits=18, decimal_places=3)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)


class AdjustForm(StyledForm):
    quantity = forms.DecimalField(label=_("调整后分配量"), max_digits=18, decimal_places=3)
    reason = forms.CharField(label=_("调整理由"), widget=forms.Textarea(attrs={"rows": 2}))
