"""Forms of the development pages. They only shape input; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.development.models import FuelType, Potential, ProspectCategory, ProspectKind, ReportKind
from kehu.workflow.models import CustomerType

INPUT = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}
AREA = {"class": "form-control form-control-sm", "rows": 2}


class ProspectForm(forms.Form):
    """《潜在客户调查表》 (002 附录2): 6.5.1 基础资料, 6.5.4.1 需求、消费地点、决策人."""

    name = forms.CharField(label=_("客户名称"), max_length=100, required=False, widget=forms.TextInput(INPUT))
    category = forms.ChoiceField(label=_("调查对象类别"), choices=[("", "—"), *ProspectCategory.choices],
                                 required=False, widget=forms.Select(SELECT))
    kind = forms.ChoiceField(label=_("客户属性"), choices=[("", "—"), *ProspectKind.choices], required=False,
                             widget=forms.Select(SELECT))
    area = forms.CharField(label=_("责任区域（街道、小区、厂矿）"), max_length=100, required=False,
                           widget=forms.TextInput(INPUT))
    address = forms.CharField(label=_("地址"), max_length=200, required=False, widget=forms.TextInput(INPUT))
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False, widget=forms.TextInput(INPUT))
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False, widget=forms.TextInput(INPUT))
    contact_title = forms.CharField(label=_("职务"), max_length=40, required=False, widget=forms.TextInput(INPUT))
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False, widget=forms.TextInput(INPUT))
    decision_maker = forms.CharField(label=_("业务决策人"), max_length=60, required=False,
                                     widget=forms.TextInput(INPUT))
    decision_maker_notes = forms.CharField(label=_("决策人情况（社会关系、个人喜好、重大事项）"), required=False,
                                           widget=forms.Textarea(AREA))
    fuel_type = forms.ChoiceField(label=_("用油品种"), choices=[("", "—"), *FuelType.choices], required=False,
                                  widget=forms.Select(SELECT))
    gasoline_month_t = forms.DecimalField(label=_("预计汽油月需求量（吨）"), required=False, min_value=0,
                                          max_digits=12, decimal_places=3, widget=forms.NumberInput(INPUT))
    diesel_month_t = forms.DecimalField(label=_("预计柴油月需求量（吨）"), required=False, min_value=0,
                                        max_digits=12, decimal_places=3, widget=forms.NumberInput(INPUT))
    card_year_amount = forms.DecimalField(label=_("预计不记名卡年采购额（元）"), required=False, min_value=0,
                                          max_digits=14, decimal_places=2, widget=forms.NumberInput(INPUT))
    demand_cycle = forms.CharField(label=_("需求周期规律"), max_length=200, required=False,
                                   widget=forms.TextInput(INPUT))
    current_supplier = forms.CharField(label=_("目前消费地点（加油站或供应商）"), max_length=200, required=False,
                                       widget=forms.TextInput(INPUT))
    retention_means = forms.CharField(label=_("对方维系手段"), max_length=200, required=False,
                                      widget=forms.TextInput(INPUT))
    competitor_policy = forms.CharField(label=_("竞争对手客户政策"), required=False, widget=forms.Textarea(AREA))
    potential = forms.ChoiceField(label=_("开发潜力"), choices=Potential.choices, initial=Potential.MEDIUM,
                                  widget=forms.Select(SELECT))
    plan_text = forms.CharField(label=_("开发方案（营销策略、公关对象、合作方式等）"), required=False,
                                widget=forms.Textarea(AREA))


class ConvertForm(forms.Form):
    customer_type = forms.ChoiceField(label=_("客户类别"), choices=CustomerType.choices, initial=CustomerType.DIRECT,
                                      widget=forms.Select(SELECT))
    business_scope = forms.CharField(label=_("经营范围与规模"), required=False, widget=forms.Textarea(AREA))
    expected_products = forms.CharField(label=_("拟购产品"), max_length=200, required=False,
                                        widget=forms.TextInput(INPUT))
    expected_monthly_quantity = forms.DecimalField(label=_("预计月需求量（吨）"), required=False, min_value=0,
                                                   max_digits=12, decimal_places=3, widget=forms.NumberInput(INPUT))


class DropForm(forms.Form):
    reason = forms.CharField(label=_("放弃原因"), max_length=200, required=False, widget=forms.TextInput(INPUT))


class TeamForm(forms.Form):
    leader = forms.ModelChoiceField(label=_("组长（一把手）"), queryset=None, widget=forms.Select(SELECT))
    deputy = forms.ModelChoiceField(label=_("副组长（零售主管领导）"), queryset=None, widget=forms.Select(SELECT))
    members = forms.CharField(
        label=_("成员（每行：用户名 岗位与分工）"), required=False, widget=forms.Textarea(AREA),
        help_text=_("例如：zhan1 片区经理"))
    note = forms.CharField(label=_("公关方案"), required=False, widget=forms.Textarea(AREA))

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = users
        self.fields["deputy"].queryset = users


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ReportKind.choices, widget=forms.Select(SELECT))
    period_start = forms.DateField(label=_("期间（任一天）"), widget=forms.DateInput({**INPUT, "type": "date"}))
    progress = forms.CharField(label=_("开发进度"), required=False, widget=forms.Textarea(AREA))
    problems = forms.CharField(label=_("存在问题"), required=False, widget=forms.Textarea(AREA))
    support_needed = forms.CharField(label=_("所需支持"), required=False, widget=forms.Textarea(AREA))


class ReleaseForm(forms.Form):
    customer = forms.CharField(label=_("客户（编码或全称）"), max_length=100, widget=forms.TextInput(INPUT))
    reason = forms.CharField(label=_("退回原因"), max_length=200, required=False, widget=forms.TextInput(INPUT))
