"""Forms of the commissioned-housing pages. They only parse input; the services validate and decide."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.housing.models import ApprovalMode, GroupPosition, ProjectStage, ReceiptKind, Unit, UnitStatus
from kehu.org.models import User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2, "min_value": 0, "max_value": 100}


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so the templates render fields with `{{ field }}`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"
                if isinstance(field, forms.DecimalField):
                    widget.attrs["step"] = "any"


class ProjectForm(StyledForm):
    code = forms.CharField(label=_("项目编码"), max_length=20)
    name = forms.CharField(label=_("项目名称"), max_length=100)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    stage = forms.ChoiceField(label=_("开发阶段"), choices=ProjectStage.choices)


class BuildingForm(StyledForm):
    code = forms.CharField(label=_("楼号"), max_length=20)
    floors = forms.IntegerField(label=_("层数"), min_value=1, max_value=200)
    units = forms.CharField(label=_("房源（每行：房号,楼层,户型,面积）"), widget=forms.Textarea(attrs={"rows": 8}),
                            help_text=_("例如：101,1,三室两厅,120.50"))

    def clean_units(self):
        from kehu.housing.services import UnitInput

        rows, problems = [], []
        for i, line in enumerate(self.cleaned_data["units"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 4:
                problems.append(_("第%(i)d行应为 房号,楼层,户型,面积") % {"i": i})
                continue
            try:
                rows.append(UnitInput(parts[0], int(parts[1]), parts[2], Decimal(parts[3])))
            except (ValueError, InvalidOperation):
                problems.append(_("第%(i)d行的楼层或面积不是数字") % {"i": i})
        if problems:
            raise forms.ValidationError(problems)
        return rows


class TargetForm(StyledForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.IntegerField(label=_("季度（年度指标留空）"), min_value=1, max_value=4, required=False)
    amount = forms.DecimalField(label=_("融资指标（元）"), min_value=Decimal("0.01"), **MONEY)
    issued_on = forms.DateField(label=_("下达日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class CommissionerForm(StyledForm):
    name = forms.CharField(label=_("单位名称"), max_length=100)
    accepted_price = forms.DecimalField(label=_("能接受的价格（元/㎡）"), max_digits=12, decimal_places=2)
    payment_ratio_percent = forms.DecimalField(label=_("能接受的付款比例（%）"), **PERCENT)
    resource_exchange = forms.BooleanField(label=_("能够提供资源互换"), required=False)
    resource_exchange_note = forms.CharField(label=_("资源互换内容"), max_length=200, required=False)
    owner_occupier_percent = forms.DecimalField(label=_("自住群体占比（%）"), **PERCENT)
    price_range_low = forms.DecimalField(label=_("可能接受的价格区间下限"), max_digits=12, decimal_places=2,
                                         required=False)
    price_range_high = forms.DecimalField(label=_("可能接受的价格区间上限"), max_digits=12, decimal_places=2,
                                          required=False)
    first_contact = forms.CharField(label=_("前期接触的初步沟通内容及结果"), widget=forms.Textarea(attrs={"rows": 2}),
                                    required=False)
    acceptance = forms.CharField(label=_("对委建房模式的认可程度"), required=False)
    past_projects = forms.CharField(label=_("曾经组织过的楼盘位置、价格"), required=False)
    our_pros_cons = forms.CharField(label=_("我公司推介楼盘的优势、劣势"), required=False)
    income_and_housing = forms.CharField(label=_("参加人群收入水平与住房情况"), required=False)


class MemberForm(StyledForm):
    position = forms.ChoiceField(label=_("职务"), choices=GroupPosition.choices)
    user = forms.ModelChoiceField(label=_("成员"), queryset=User.objects.filter(is_active=True).order_by("username"))


class MemoForm(StyledForm):
    held_on = forms.DateField(label=_("谈判日期"), widget=DATE)
    subject = forms.CharField(label=_("议题"), max_length=200)
    content = forms.CharField(label=_("备忘录内容"), widget=forms.Textarea(attrs={"rows": 5}))


class ChooseForm(StyledForm):
    report = forms.CharField(label=_("谈判结果报告"), widget=forms.Textarea(attrs={"rows": 4}))


class ContractForm(StyledForm):
    contract_no = forms.CharField(label=_("委建房合同编号"), max_length=40)
    signed_on = forms.DateField(label=_("签订日期"), widget=DATE)
    selection_deadline = forms.DateField(label=_("选房截止日期"), widget=DATE)
    payment_deadline = forms.DateField(label=_("回款截止日期"), widget=DATE)
    sealing_fee = forms.DecimalField(label=_("封户费（元/套）"), min_value=0, **MONEY)
    full_payment_discount_percent = forms.DecimalField(label=_("全款优惠（%）"), **PERCENT)
    rename_relations = forms.CharField(label=_("合同允许更名的关系及证明"), required=False,
                                       help_text=_("留空表示只允许名单内职工之间更名（十一、3）"))


class PriceForm(StyledForm):
    average_price = forms.DecimalField(label=_("均价（元/㎡）"), max_digits=12, decimal_places=2)
    payment_ratio_percent = forms.DecimalField(label=_("付款比例（%）"), max_digits=5, decimal_places=2)
    unit_cost = forms.DecimalField(label=_("项目单位成本（元/㎡，成本部）"), max_digits=12, decimal_places=2)
    cost_uncertainties = forms.CharField(label=_("影响测算的不确定因素及金额"), required=False)
    retail_reference_price = forms.DecimalField(label=_("散户现售参考价格（元/㎡，销售部）"), max_digits=12,
                                                decimal_places=2)
    exchange_assessed_value = forms.DecimalField(label=_("互换资源评估值（元）"), min_value=0, initial=0, **MONEY)
    exchange_concession = forms.DecimalField(label=_("资源互换让利金额（元）"), min_value=0, initial=0, **MONEY)
    exchange_future = forms.BooleanField(label=_("未来受益的资源（让利不超过评估值70%）"), required=False)
    analysis = forms.CharField(label=_("委托建房价格分析报告"), widget=forms.Textarea(attrs={"rows": 3}))
    lines = forms.CharField(label=_("房号价格（每行：楼号#房号,单价）"), widget=forms.Textarea(attrs={"rows": 8}),
                            help_text=_("例如：1#501,10000"))

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_lines(self):
        from kehu.housing.services import PriceLineInput

        units = {f"{u.building.code}#{u.number}": u for u in
                 Unit.objects.filter(project=self.project).select_related("building")}
        out, problems = [], []
        for i, line in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 2 or parts[0] not in units:
                problems.append(_("第%(i)d行：应为 楼号#房号,单价，且房号须属于本项目") % {"i": i})
                continue
            try:
                out.append(PriceLineInput(units[parts[0]], Decimal(parts[1])))
            except InvalidOperation:
                problems.append(_("第%(i)d行：单价不是数字") % {"i": i})
        if problems:
            raise forms.ValidationError(problems)
        return out


class ReleaseForm(StyledForm):
    units = forms.ModelMultipleChoiceField(label=_("房源"), queryset=Unit.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("房源说明（楼号、楼层搭配）"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(project=project, status=UnitStatus.AVAILABLE) \
            .select_related("building").order_by("building__code", "floor", "number")
        self.fields["units"].label_from_instance = lambda u: f"{u.label}（{u.layout} {u.area}㎡）"


class BuyersForm(StyledForm):
    rows = forms.CharField(label=_("名单（每行：姓名,身份证号[,选房顺序号]）"),
                           widget=forms.Textarea(attrs={"rows": 6}))

    def clean_rows(self):
        from kehu.housing.services import BuyerInput

        out = []
        for line in self.cleaned_data["rows"].splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            order = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
            out.append(BuyerInput(parts[0], parts[1] if len(parts) > 1 else "", order))
        return out


class TicketForm(StyledForm):
    unit = forms.ModelChoiceField(label=_("房源"), queryset=Unit.objects.none())
    buyer_name = forms.CharField(label=_("购房人姓名"), max_length=60)
    buyer_id_number = forms.CharField(label=_("身份证号"), max_length=18)
    unit_price = forms.DecimalField(label=_("单价（元/㎡）"), max_digits=12, decimal_places=2)
    area = forms.DecimalField(label=_("面积（㎡）"), max_digits=9, decimal_places=2)
    total_price = forms.DecimalField(label=_("总价（元）"), **MONEY)
    full_payment = forms.BooleanField(label=_("一次性付款"), required=False)
    payment_ratio_percent = forms.DecimalField(label=_("交款比例（%）"), max_digits=5, decimal_places=2)
    sealing_fee = forms.DecimalField(label=_("封户费（元）"), min_value=0, **MONEY)
    discount_note = forms.CharField(label=_("享受或放弃的优惠"), max_length=200, required=False)
    customer_signed = forms.BooleanField(label=_("客户已签字确认"), required=False)
    reviewer = forms.ModelChoiceField(label=_("复核人（独立第三人）"), queryset=User.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["unit"].label_from_instance = lambda u: f"{u.label}（{u.layout} {u.area}㎡）"
        self.fields["reviewer"].queryset = User.objects.filter(
            is_active=True, roles__permissions__codename="review_ticket").distinct().order_by("username")


class ReverseForm(TicketForm):
    reason = forms.CharField(label=_("冲红原因"), max_length=200)


class ReceiptForm(StyledForm):
    kind = forms.ChoiceField(label=_("款项"), choices=ReceiptKind.choices)
    amount = forms.DecimalField(label=_("金额（元）"), min_value=Decimal("0.01"), **MONEY)
    received_on = forms.DateField(label=_("收款日期"), widget=DATE)


class VoucherForm(StyledForm):
    reviewer = forms.ModelChoiceField(label=_("复核人"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = User.objects.filter(
            is_active=True, roles__permissions__codename="review_ticket").distinct().order_by("username")


class RenameForm(StyledForm):
    new_name = forms.CharField(label=_("新购房人"), max_length=60)
    new_id_number = forms.CharField(label=_("身份证号"), max_length=18)
    relation = forms.CharField(label=_("关系及证明（名单外更名）"), max_length=200, required=False)
    market_price = forms.DecimalField(label=_("其他楼盘同进度市场价格（元/㎡）"), max_digits=12, decimal_places=2,
                                      required=False)
    received_on = forms.DateField(label=_("更名费收款日期"), widget=DATE, required=False)


class LoanForm(StyledForm):
    new_payment_ratio_percent = forms.DecimalField(label=_("转贷后交款比例（%）"), max_digits=5, decimal_places=2)
    received_on = forms.DateField(label=_("手续费收款日期"), widget=DATE)


class RelationForm(StyledForm):
    department = forms.CharField(label=_("申请部门"), max_length=60)
    buyer_name = forms.CharField(label=_("购房人"), max_length=60)
    buyer_id_number = forms.CharField(label=_("身份证号"), max_length=18)
    average_price = forms.DecimalField(label=_("均价（元/㎡）"), max_digits=12, decimal_places=2)
    payment_ratio_percent = forms.DecimalField(label=_("交款比例（%）"), max_digits=5, decimal_places=2)
    payment_due = forms.DateField(label=_("交款时间"), widget=DATE)
    unit = forms.ModelChoiceField(label=_("房源"), queryset=Unit.objects.none())
    unit_price = forms.DecimalField(label=_("单价（元/㎡）"), max_digits=12, decimal_places=2)
    mode = forms.ChoiceField(label=_("审批方式"), choices=ApprovalMode.choices)
    document_no = forms.CharField(label=_("纸质审批文件编号"), max_length=60, required=False)
    phone_approver = forms.ModelChoiceField(label=_("电话通知人（总经理级别以上）"), required=False,
                                            queryset=User.objects.none())
    phone_approved_on = forms.DateField(label=_("电话通知日期"), widget=DATE, required=False)

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(project=project, status=UnitStatus.AVAILABLE) \
            .select_related("building").order_by("building__code", "floor", "number")
        self.fields["phone_approver"].queryset = User.objects.filter(
            is_active=True, roles__code__in=("general_manager", "chairman")).distinct()


class PaperworkForm(StyledForm):
    document_no = forms.CharField(label=_("纸质审批文件编号"), max_length=60)
    done_on = forms.DateField(label=_("补齐日期"), widget=DATE)


class PolicyForm(StyledForm):
    name = forms.CharField(label=_("价格政策"), max_length=60)
    stage = forms.ChoiceField(label=_("开发阶段"), choices=ProjectStage.choices)
    effective_from = forms.DateField(label=_("执行日期"), widget=DATE)
    index_percent = forms.DecimalField(label=_("价格指数（%，首期=100）"), max_digits=7, decimal_places=2)


class RetailForm(StyledForm):
    unit = forms.ModelChoiceField(label=_("房源"), queryset=Unit.objects.none())
    buyer_name = forms.CharField(label=_("购房人"), max_length=60)

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(project=project, status=UnitStatus.AVAILABLE) \
            .select_related("building").order_by("building__code", "floor", "number")
        self.fields["unit"].label_from_instance = lambda u: f"{u.label}（{u.layout} {u.area}㎡）"


class AnnexForm(StyledForm):
    received_on = forms.DateField(label=_("收到盖章选房明细日期"), widget=DATE)
