"""Commissioned housing (委建房, 003 大客户委托建房管理制度): projects and their unit control table (楼盘控制表) shared
by the big-client department and the retail sales centre, commissioning units and their selection, price and
release approvals, the eligible-buyer list, selection tickets, receipts and vouchers, renames and relation units.

Every state change goes through kehu.housing.services and is recorded with django-simple-history."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 14, "decimal_places": 2}
PRICE = {"max_digits": 12, "decimal_places": 2}
AREA = {"max_digits": 9, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}


class ProjectStage(models.TextChoices):
    """七、(二)(1): the price policy rises with the project's investment stage."""

    LAND = "land", _("土地阶段（土地谈判→拆迁→挂牌）")
    LISTING = "listing", _("挂牌阶段（挂牌→确认→土地证）")
    CONSTRUCTION = "construction", _("建设周期（开工→封顶→竣工）")


class Project(models.Model):
    code = models.CharField(_("项目编码"), max_length=20, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    stage = models.CharField(_("开发阶段"), max_length=20, choices=ProjectStage.choices, default=ProjectStage.LAND)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("楼盘项目")
        verbose_name_plural = _("楼盘项目")
        ordering = ["code"]
        permissions = [
            ("view_housing", _("查看委建房与楼盘控制表")),
            ("manage_project", _("维护楼盘项目、楼栋与房源")),
            ("manage_commissioning", _("办理委建单位、谈判备忘录、价格与房源申请（大客户部）")),
            ("view_unapproved_price", _("查看未批复的委建房价格")),
            ("view_cost", _("查看项目成本")),
            ("issue_financing_target", _("下达融资指标（财务部）")),
            ("check_buyer_audit", _("审查购房名单（审计法务部）")),
            ("check_buyer_finance", _("审查购房名单（财务部）")),
            ("issue_ticket", _("开具选房工作票（限定授权）")),
            ("review_ticket", _("复核选房工作票与选房凭证（独立第三人）")),
            ("issue_receipt", _("开具收据")),
            ("issue_voucher", _("开具选房凭证")),
            ("sell_retail", _("零售销售（营销中心）")),
            ("manage_relation", _("办理关系房")),
            ("review_annex", _("复核选房明细（审计部）")),
            ("view_buyer_id", _("查看购房人完整身份证号")),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Building(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="buildings", verbose_name=_("项目"))
    code = models.CharField(_("楼号"), max_length=20)
    floors = models.PositiveSmallIntegerField(_("层数"))

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="housing_building_code_unique")]

    def __str__(self) -> str:
        return f"{self.code}#"


class UnitStatus(models.TextChoices):
    AVAILABLE = "available", _("可售")
    PENDING_RELEASE = "pending_release", _("房源审批中")
    RELEASED = "released", _("已发放委建")
    RELATION = "relation", _("关系房已批")
    TAKEN = "taken", _("已选房")
    RETAIL_SOLD = "retail_sold", _("零售已售")


class Unit(models.Model):
    """One row of the 楼盘控制表 (二、(3)): its status says which channel holds it; the services lock the row."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="units", verbose_name=_("项目"))
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="units", verbose_name=_("楼栋"))
    number = models.CharField(_("房号"), max_length=20)
    floor = models.SmallIntegerField(_("楼层"))
    layout = models.CharField(_("户型"), max_length=40)
    area = models.DecimalField(_("建筑面积（㎡）"), **AREA)
    status = models.CharField(_("状态"), max_length=20, choices=UnitStatus.choices, default=UnitStatus.AVAILABLE,
                              db_index=True)
    commissioning_unit = models.ForeignKey("CommissioningUnit", verbose_name=_("委建单位"), null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="units")
    relation_request = models.ForeignKey("RelationRequest", verbose_name=_("关系房申请"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="units")
    retail_buyer = models.CharField(_("零售购房人"), max_length=60, blank=True)
    retail_sold_at = models.DateTimeField(_("零售成交时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("房源")
        verbose_name_plural = _("房源")
        ordering = ["building__code", "-floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="housing_unit_number_unique"),
            models.CheckConstraint(condition=Q(area__gt=0), name="housing_unit_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.building.code}#{self.number}"

    @property
    def label(self) -> str:
        return f"{self.building.code}#{self.number}"


class FinancingTarget(models.Model):
    """五、八1: finance's yearly / quarterly financing target; units are released only once one is issued."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="financing_targets",
                                verbose_name=_("项目"))
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True)
    amount = models.DecimalField(_("融资指标（元）"), **MONEY)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("下达人"), on_delete=models.PROTECT,
                                  related_name="+")
    issued_on = models.DateField(_("下达日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("融资指标")
        verbose_name_plural = _("融资指标")
        ordering = ["-year", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["project", "year", "quarter"], name="housing_target_unique")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.year}" + (f"Q{self.quarter}" if self.quarter else "")


class CommissionerStatus(models.TextChoices):
    CANDIDATE = "candidate", _("意向单位")
    PROPOSED = "proposed", _("选定审批中")
    SELECTED = "selected", _("已选定")
    NOT_SELECTED = "not_selected", _("未选定")


class CommissioningUnit(models.Model):
    """委建单位: an employer whose staff buy units as a group. The analysis of 六 1–6, the selection principles of 六
    (price, payment ratio, resource exchange, owner-occupiers) and, once chosen, the contract's terms."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="commissioners",
                                verbose_name=_("项目"))
    name = models.CharField(_("单位名称"), max_length=100)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户档案"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=CommissionerStatus.choices,
                              default=CommissionerStatus.CANDIDATE)
    # 六 客户分析模型 1–6
    first_contact = models.TextField(_("前期接触的初步沟通内容及结果"), blank=True)
    acceptance = models.TextField(_("对委建房模式的认可程度"), blank=True)
    past_projects = models.TextField(_("曾经组织过的楼盘位置、价格"), blank=True)
    our_pros_cons = models.TextField(_("我公司推介楼盘的优势、劣势"), blank=True)
    income_and_housing = models.TextField(_("参加人群的收入水平与住房情况"), blank=True)
    price_range_low = models.DecimalField(_("可能接受的价格区间下限（元/㎡）"), null=True, blank=True, **PRICE)
    price_range_high = models.DecimalField(_("可能接受的价格区间上限（元/㎡）"), null=True, blank=True, **PRICE)
    # 六 选择原则
    accepted_price = models.DecimalField(_("能接受的价格（元/㎡）"), **PRICE)
    payment_ratio_percent = models.DecimalField(_("能接受的付款比例（%）"), **PERCENT)
    resource_exchange = models.BooleanField(_("能够提供资源互换"), default=False)
    resource_exchange_note = models.CharField(_("资源互换内容"), max_length=200, blank=True)
    owner_occupier_percent = models.DecimalField(_("自住群体占比（%）"), **PERCENT)
    selection_report = models.TextField(_("谈判结果报告"), blank=True)
    # 合同 (九、(一)7; 十一)
    contract_no = models.CharField(_("委建房合同编号"), max_length=40, blank=True)
    contract_signed_on = models.DateField(_("合同签订日期"), null=True, blank=True)
    selection_deadline = models.DateField(_("选房截止日期"), null=True, blank=True)
    payment_deadline = models.DateField(_("回款截止日期"), null=True, blank=True)
    sealing_fee = models.DecimalField(_("封户费（元/套）"), default=Decimal(0), **MONEY)
    full_payment_discount_percent = models.DecimalField(_("全款优惠（%）"), default=Decimal(0), **PERCENT)
    rename_relations = models.TextField(
        _("合同允许更名的关系及证明"), blank=True,
        help_text=_("十一、3(2)：合同须清楚列明允许哪种关系、认可哪些证明；留空表示只允许名单内职工之间更名"))
    annex_received_on = models.DateField(_("收到盖章选房明细日期"), null=True, blank=True)
    annex_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审计部复核人"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="+")
    annex_reviewed_at = models.DateTimeField(_("审计部复核时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("委建单位")
        verbose_name_plural = _("委建单位")
        ordering = ["project", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="housing_commissioner_unique")]

    def __str__(self) -> str:
        return self.name


class GroupPosition(models.TextChoices):
    """四: the negotiation group — a leader (the vice GM in charge of big clients) and seven members."""

    LEADER = "leader", _("组长（主管大客户的副总经理）")
    PROJECT_GM = "project_gm", _("项目总经理")
    MARKETING_DIRECTOR = "marketing_director", _("营销总监")
    FINANCE_DIRECTOR = "finance_director", _("财务总监")
    DESIGN_DIRECTOR = "design_director", _("设计总监")
    BIG_CLIENT_DIRECTOR = "big_client_director", _("大客户部总监")
    PROPERTY_GM = "property_gm", _("物业总经理")
    LAWYER = "lawyer", _("律师")


class NegotiationMember(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="group_members",
                                verbose_name=_("项目"))
    position = models.CharField(_("职务"), max_length=30, choices=GroupPosition.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("成员"), on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        verbose_name = _("谈判小组成员")
        verbose_name_plural = _("谈判小组成员")
        ordering = ["project", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "position"], name="housing_group_position_unique")]

    def __str__(self) -> str:
        return f"{self.get_position_display()} {self.user}"


class NegotiationMemo(models.Model):
    """四: written by the big-client department after every negotiation, signed by every group member."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memos", verbose_name=_("项目"))
    commissioning_unit = models.ForeignKey(CommissioningUnit, verbose_name=_("委建单位"), null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="memos")
    held_on = models.DateField(_("谈判日期"))
    subject = models.CharField(_("议题"), max_length=200)
    content = models.TextField(_("备忘录内容"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撰写人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("撰写时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("谈判备忘录")
        verbose_name_plural = _("谈判备忘录")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.subject}"


class MemoSignature(models.Model):
    memo = models.ForeignKey(NegotiationMemo, on_delete=models.CASCADE, related_name="signatures")
    member = models.ForeignKey(NegotiationMember, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("签字时间"))

    class Meta:
        verbose_name = _("备忘录签字")
        verbose_name_plural = _("备忘录签字")
        constraints = [models.UniqueConstraint(fields=["memo", "member"], name="housing_memo_signed_once")]

    def __str__(self) -> str:
        return f"{self.memo_id}:{self.member_id}"


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class PriceApproval(models.Model):
    """七、(三): one price approval per commissioning unit — the average price and each unit's price."""

    commissioning_unit = models.OneToOneField(CommissioningUnit, on_delete=models.CASCADE,
                                              related_name="price_approval", verbose_name=_("委建单位"))
    average_price = models.DecimalField(_("均价（元/㎡）"), **PRICE)
    payment_ratio_percent = models.DecimalField(_("付款比例（%）"), **PERCENT)
    unit_cost = models.DecimalField(_("项目单位成本（元/㎡，成本部）"), **PRICE)
    cost_uncertainties = models.TextField(_("影响测算的不确定因素及金额"), blank=True)
    retail_reference_price = models.DecimalField(_("散户现售参考价格（元/㎡，销售部）"), **PRICE)
    analysis = models.TextField(_("委托建房价格分析报告"))
    exchange_assessed_value = models.DecimalField(_("互换资源评估值（元）"), default=Decimal(0), **MONEY)
    exchange_concession = models.DecimalField(_("资源互换让利金额（元）"), default=Decimal(0), **MONEY)
    exchange_future = models.BooleanField(_("未来受益的资源"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT)
    approval = models.OneToOneField("workflow.Approval", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="housing_price")
    approved_at = models.DateTimeField(_("批复时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报批人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("报批时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("委建房价格审批")
        verbose_name_plural = _("委建房价格审批")

    def __str__(self) -> str:
        return f"价格审批 {self.commissioning_unit}"


class PriceLine(models.Model):
    price_approval = models.ForeignKey(PriceApproval, on_delete=models.CASCADE, related_name="lines")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="price_lines", verbose_name=_("房源"))
    unit_price = models.DecimalField(_("单价（元/㎡）"), **PRICE)

    class Meta:
        verbose_name = _("房号价格")
        verbose_name_plural = _("房号价格")
        constraints = [models.UniqueConstraint(fields=["price_approval", "unit"], name="housing_price_line_unique"),
                       models.CheckConstraint(condition=Q(unit_price__gt=0), name="housing_price_positive")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.unit_price}"


class ReleaseRequest(models.Model):
    """八: the units offered to a commissioning unit (or added later), approved before they are released."""

    commissioning_unit = models.ForeignKey(CommissioningUnit, on_delete=models.CASCADE, related_name="releases",
                                           verbose_name=_("委建单位"))
    reason = models.TextField(_("房源说明（楼号、楼层搭配）"))
    units = models.ManyToManyField(Unit, related_name="release_requests", verbose_name=_("房源"))
    status = models.CharField(_("状态"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    approval = models.OneToOneField("workflow.Approval", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="housing_release")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("批复时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("委建房源审批")
        verbose_name_plural = _("委建房源审批")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"房源审批 {self.commissioning_unit}"


class BuyerStatus(models.TextChoices):
    PENDING = "pending", _("待审查")
    ELIGIBLE = "eligible", _("审查通过")
    REJECTED = "rejected", _("审查未通过")


class EligibleBuyer(models.Model):
    """One person of the list (十一、1(2); 九、(二)1): name and ID number, checked by 审计法务部 and 财务部."""

    commissioning_unit = models.ForeignKey(CommissioningUnit, on_delete=models.CASCADE, related_name="buyers",
                                           verbose_name=_("委建单位"))
    name = models.CharField(_("姓名"), max_length=60)
    id_number = models.CharField(_("身份证号"), max_length=18)
    selection_order = models.PositiveIntegerField(_("选房顺序号"), null=True, blank=True)
    employee_proof = models.CharField(_("本单位职工证明"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=BuyerStatus.choices, default=BuyerStatus.PENDING,
                              db_index=True)
    audit_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审计法务部审查人"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")
    audit_checked_at = models.DateTimeField(_("审计法务部审查时间"), null=True, blank=True)
    finance_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("财务部审查人"), null=True,
                                           blank=True, on_delete=models.PROTECT, related_name="+")
    finance_checked_at = models.DateTimeField(_("财务部审查时间"), null=True, blank=True)
    rejected_reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    via_rename = models.BooleanField(_("因更名加入"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("购房资格名单")
        verbose_name_plural = _("购房资格名单")
        ordering = ["commissioning_unit", "selection_order", "id"]
        constraints = [models.UniqueConstraint(fields=["commissioning_unit", "id_number"],
                                               name="housing_buyer_once_per_list")]

    def __str__(self) -> str:
        return self.name


class SequenceKind(models.TextChoices):
    TICKET = "ticket", _("选房工作票")
    RECEIPT = "receipt", _("收据")
    VOUCHER = "voucher", _("选房凭证")


SEQUENCE_PREFIX = {SequenceKind.TICKET: "XP", SequenceKind.RECEIPT: "SJ", SequenceKind.VOUCHER: "PZ"}


class NumberSequence(models.Model):
    """The next pre-printed number per project and form: locked while a form is issued, so numbers are gap-free
    (a rolled-back issue gives its number back) and never issued twice."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=SequenceKind.choices)
    next_value = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="housing_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.next_value}"


class FormKind(models.TextChoices):
    NORMAL = "normal", _("蓝字")
    RED = "red", _("红字冲红")


class TicketStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    COLLECTED = "collected", _("已收回（已开凭证）")
    REVERSED = "reversed", _("已冲红")


class SelectionTicket(models.Model):
    """选房工作票 (九、(二)2(1)): four parts; a red ticket (kind red) reverses an original, which is kept."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("项目"))
    seq = models.PositiveIntegerField(_("顺序号"))
    number = models.CharField(_("票号"), max_length=40, unique=True)
    kind = models.CharField(_("类别"), max_length=10, choices=FormKind.choices, default=FormKind.NORMAL)
    commissioning_unit = models.ForeignKey(CommissioningUnit, verbose_name=_("委建单位"), null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="tickets")
    relation_request = models.ForeignKey("RelationRequest", verbose_name=_("关系房申请"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="tickets")
    buyer = models.ForeignKey(EligibleBuyer, verbose_name=_("名单人员"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="tickets")
    buyer_name = models.CharField(_("购房人"), max_length=60)
    buyer_id_number = models.CharField(_("身份证号"), max_length=18)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("房源"))
    area = models.DecimalField(_("面积（㎡）"), **AREA)
    unit_price = models.DecimalField(_("单价（元/㎡）"), **PRICE)
    total_price = models.DecimalField(_("总价（元）"), **MONEY)
    payment_ratio_percent = models.DecimalField(_("交款比例（%）"), **PERCENT)
    full_payment = models.BooleanField(_("一次性付款"), default=False)
    discount_note = models.CharField(_("享受或放弃的优惠"), max_length=200, blank=True)
    sealing_fee = models.DecimalField(_("封户费（元）"), default=Decimal(0), **MONEY)
    amount_due = models.DecimalField(_("房款应收（元）"), **MONEY)
    customer_signed = models.BooleanField(_("客户已签字确认"), default=False)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("复核人"), on_delete=models.PROTECT,
                                 related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("开票人"), on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField(_("开票时间"))
    status = models.CharField(_("状态"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.ACTIVE,
                              db_index=True)
    reverses = models.OneToOneField("self", verbose_name=_("冲红的原票"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="red_ticket")
    replaces = models.OneToOneField("self", verbose_name=_("替换的原票"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="replaced_by")
    chain_root = models.ForeignKey("self", verbose_name=_("首张票"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("冲红原因"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("选房工作票")
        verbose_name_plural = _("选房工作票")
        ordering = ["project", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["project", "seq"], name="housing_ticket_seq_unique"),
            # A unit is never taken twice: at most one live (blue, not reversed) ticket per unit.
            models.UniqueConstraint(fields=["unit"], condition=Q(kind="normal") & ~Q(status="reversed"),
                                    name="housing_one_live_ticket_per_unit"),
        ]

    def __str__(self) -> str:
        return self.number


class ReceiptKind(models.TextChoices):
    SEALING_FEE = "sealing_fee", _("封户费")
    HOUSE_PAYMENT = "house_payment", _("房款")
    RENAME_FEE = "rename_fee", _("更名费")
    LOAN_FEE = "loan_fee", _("转贷款手续费")


PAYMENT_KINDS = (ReceiptKind.SEALING_FEE, ReceiptKind.HOUSE_PAYMENT)  # count towards 房款应收


class Receipt(models.Model):
    """收据 (九、(二)2): three parts; the finance part is handed to the big-client department (交接记录)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("项目"))
    seq = models.PositiveIntegerField(_("顺序号"))
    number = models.CharField(_("收据号"), max_length=40, unique=True)
    ticket = models.ForeignKey(SelectionTicket, on_delete=models.PROTECT, related_name="receipts",
                               verbose_name=_("选房工作票"))
    payer_name = models.CharField(_("交款人"), max_length=60)
    kind = models.CharField(_("款项"), max_length=20, choices=ReceiptKind.choices)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    received_on = models.DateField(_("收款日期"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("开具人"), on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField(_("开具时间"))
    finance_copy_taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("领取财务联"), null=True,
                                              blank=True, on_delete=models.PROTECT, related_name="+")
    finance_copy_taken_at = models.DateTimeField(_("领取时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("收据")
        verbose_name_plural = _("收据")
        ordering = ["project", "seq"]
        constraints = [models.UniqueConstraint(fields=["project", "seq"], name="housing_receipt_seq_unique"),
                       models.CheckConstraint(condition=Q(amount__gt=0), name="housing_receipt_positive")]

    def __str__(self) -> str:
        return self.number


class VoucherStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    REVERSED = "reversed", _("已冲红")


class Voucher(models.Model):
    """选房凭证 (九、(二)2): pre-numbered, three parts, issued when the collected receipts equal the amount due."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("项目"))
    seq = models.PositiveIntegerField(_("顺序号"))
    number = models.CharField(_("凭证号"), max_length=40, unique=True)
    kind = models.CharField(_("类别"), max_length=10, choices=FormKind.choices, default=FormKind.NORMAL)
    ticket = models.ForeignKey(SelectionTicket, on_delete=models.PROTECT, related_name="vouchers",
                               verbose_name=_("选房工作票"))
    amount_due = models.DecimalField(_("房款应收（元）"), **MONEY)
    amount_collected = models.DecimalField(_("实收金额（元）"), **MONEY)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("复核人"), on_delete=models.PROTECT,
                                 related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("开具人"), on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField(_("开具时间"))
    status = models.CharField(_("状态"), max_length=20, choices=VoucherStatus.choices,
                              default=VoucherStatus.ACTIVE)
    reverses = models.OneToOneField("self", verbose_name=_("冲红的原凭证"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="red_voucher")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("选房凭证")
        verbose_name_plural = _("选房凭证")
        ordering = ["project", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["project", "seq"], name="housing_voucher_seq_unique"),
            models.UniqueConstraint(fields=["ticket"], condition=Q(kind="normal") & Q(status="active"),
                                    name="housing_one_live_voucher_per_ticket"),
        ]

    def __str__(self) -> str:
        return self.number


class RenameRecord(models.Model):
    """十一、3: a change of buyer on a ticket — free between people on the list, otherwise 50 % of the price
    difference against the company's other projects at the same stage, and only for relations the contract allows."""

    ticket = models.ForeignKey(SelectionTicket, on_delete=models.PROTECT, related_name="renames")
    old_name = models.CharField(_("原购房人"), max_length=60)
    old_id_number = models.CharField(_("原身份证号"), max_length=18)
    new_buyer = models.ForeignKey(EligibleBuyer, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("新购房人"))
    within_list = models.BooleanField(_("名单内职工之间更名"))
    relation = models.CharField(_("关系及证明"), max_length=200, blank=True)
    market_price = models.DecimalField(_("其他楼盘同进度市场价格（元/㎡）"), null=True, blank=True, **PRICE)
    fee = models.DecimalField(_("更名费（元）"), default=Decimal(0), **MONEY)
    receipt = models.OneToOneField(Receipt, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("办理时间"))

    class Meta:
        verbose_name = _("更名记录")
        verbose_name_plural = _("更名记录")
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.old_name} → {self.new_buyer_id}"


class LoanConversion(models.Model):
    """十、(二)4: a buyer who paid in full switches to a loan; the company charges its set fee."""

    ticket = models.ForeignKey(SelectionTicket, on_delete=models.PROTECT, related_name="loan_conversions")
    new_payment_ratio_percent = models.DecimalField(_("转贷后交款比例（%）"), **PERCENT)
    fee = models.DecimalField(_("手续费（元）"), **MONEY)
    receipt = models.OneToOneField(Receipt, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("办理时间"))

    class Meta:
        verbose_name = _("一次性付款转贷款")
        verbose_name_plural = _("一次性付款转贷款")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.fee}"


class PricePolicy(models.Model):
    """The project's price policy over time (七、(一)1: prices rise with the stage). `index_percent` relates each
    policy's prices to the first (100); 十二、(二) moves a late relation buyer to the policy in force."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="price_policies",
                                verbose_name=_("项目"))
    name = models.CharField(_("价格政策"), max_length=60)
    stage = models.CharField(_("开发阶段"), max_length=20, choices=ProjectStage.choices)
    effective_from = models.DateField(_("执行日期"))
    index_percent = models.DecimalField(_("价格指数（%，首期=100）"), max_digits=7, decimal_places=2)

    class Meta:
        verbose_name = _("价格政策")
        verbose_name_plural = _("价格政策")
        ordering = ["project", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["project", "effective_from"], name="housing_policy_date_unique"),
            models.CheckConstraint(condition=Q(index_percent__gt=0), name="housing_policy_index_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from}起）"


class ApprovalMode(models.TextChoices):
    PAPER = "paper", _("纸质审批文件")
    PHONE = "phone", _("总经理级别以上电话通知（特殊紧急）")


class RelationRequest(models.Model):
    """关系房 (十二): a department's request with the average price, payment ratio and payment date; approved on
    paper (the housing_relation chain) or, when urgent, by a GM's phone call with the paperwork due in 5 working
    days — until then, or when it is late, the handler gets no further units."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="relation_requests",
                                verbose_name=_("项目"))
    department = models.CharField(_("申请部门"), max_length=60)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT,
                                related_name="+")
    buyer_name = models.CharField(_("购房人"), max_length=60)
    buyer_id_number = models.CharField(_("身份证号"), max_length=18)
    average_price = models.DecimalField(_("均价（元/㎡）"), **PRICE)
    payment_ratio_percent = models.DecimalField(_("交款比例（%）"), **PERCENT)
    payment_due = models.DateField(_("交款时间"))
    mode = models.CharField(_("审批方式"), max_length=10, choices=ApprovalMode.choices)
    document_no = models.CharField(_("纸质审批文件编号"), max_length=60, blank=True)
    phone_approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("电话通知人"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    phone_approved_on = models.DateField(_("电话通知日期"), null=True, blank=True)
    paperwork_due = models.DateField(_("补齐手续期限"), null=True, blank=True)
    paperwork_done_on = models.DateField(_("补齐手续日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    approval = models.OneToOneField("workflow.Approval", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="housing_relation")
    policy = models.ForeignKey(PricePolicy, verbose_name=_("执行的价格政策"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("关系房申请")
        verbose_name_plural = _("关系房申请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"关系房 {self.buyer_name}（{self.department}）"


class RelationLine(models.Model):
    request = models.ForeignKey(RelationRequest, on_delete=models.CASCADE, related_name="lines")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("房源"))
    unit_price = models.DecimalField(_("单价（元/㎡）"), **PRICE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "unit"], name="housing_relation_line_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.unit_price}"
