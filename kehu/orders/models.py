"""Orders, credit and resource allocation: the grade's terms applied to real business (issue 11).

- Credit (003 客户信用管理制度 第5–9条; 客户分级管理制度 一、4): a credit profile per customer — rating, limit, the
  payment terms lowered after late payments — and a history row for every change, citing its article.
- Orders (003 客户订单流程管理制度; 客户分级管理制度 一、3/5/6): internal control price lists, orders priced from them
  within the grade's cap, promised dates from the grade's lead time, approvals where the regulation asks for them,
  and a release that writes the pickup (提货) the grading measures.
- Inquiries (一、6): every 询价/函电 answered within the pack's deadline (24 h).
- Resource allocation (000 第三条(二), 第十条(三)2/(四)3, 第十六条): the month's available quantity per product group
  allocated to direct customers, exclusive agents and distributors, each quantity with its reason.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

ZERO = Decimal("0")


# ----------------------------------------------------------------------------------------------------- credit


class CreditProfile(models.Model):
    """A customer's credit: the rating finance set (with an approval), the limit, and terms lowered for lateness."""

    customer = models.OneToOneField(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="credit_profile"
    )
    rating = models.CharField(
        _("信用等级"), max_length=8, blank=True,
        help_text=_("财务部核查、授信额度管理小组审批后设定（第8条）；为空时取信用评级结果"),
    )
    credit_limit = models.DecimalField(_("授信额度（元）"), max_digits=16, decimal_places=2, default=ZERO)
    terms_steps_down = models.PositiveSmallIntegerField(
        _("付款方式降级数"), default=0,
        help_text=_("一个季度内两次（含）以上不按付款条件付款，付款方式降低一级（一、4）"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("信用档案")
        verbose_name_plural = _("信用档案")
        permissions = [
            ("manage_credit", _("提出信用等级、授信额度调整（财务部）")),
            ("restore_terms", _("恢复降级的付款方式")),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.rating or '-'} {self.credit_limit}"


class CreditEventKind(models.TextChoices):
    RATING = "rating", _("信用等级调整")
    LIMIT = "limit", _("授信额度调整")
    TERMS_DOWN = "terms_down", _("付款方式降级")
    TERMS_RESTORED = "terms_restored", _("付款方式恢复")


class CreditEvent(models.Model):
    """One change to a credit profile with the article behind it (the credit history a reviewer reads)."""

    profile = models.ForeignKey(CreditProfile, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=20, choices=CreditEventKind.choices)
    old_value = models.CharField(_("原值"), max_length=80, blank=True)
    new_value = models.CharField(_("新值"), max_length=80, blank=True)
    quarter = models.CharField(_("季度"), max_length=7, blank=True, help_text=_("降级所依据的季度，如 2026Q4"))
    article = models.CharField(_("依据条款"), max_length=120)
    quote = models.TextField(_("条文"), blank=True)
    reason = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    approval = models.ForeignKey(
        "workflow.Approval", verbose_name=_("审批"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信用变动记录")
        verbose_name_plural = _("信用变动记录")
        ordering = ["-at", "-id"]
        constraints = [
            # A quarter lowers the terms once, whoever notices it first (the job or a payment being recorded).
            models.UniqueConstraint(fields=["profile", "quarter"], condition=models.Q(kind="terms_down"),
                                    name="orders_credit_one_step_down_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.old_value} → {self.new_value}"


class CreditChangeKind(models.TextChoices):
    RATING = "rating", _("信用等级")
    LIMIT = "limit", _("授信额度")


class CreditChangeRequest(models.Model):
    """Finance's proposal to change a rating or a limit; applied when its approval is approved (第8条)."""

    profile = models.ForeignKey(CreditProfile, on_delete=models.CASCADE, related_name="change_requests")
    kind = models.CharField(_("调整内容"), max_length=10, choices=CreditChangeKind.choices)
    new_rating = models.CharField(_("新信用等级"), max_length=8, blank=True)
    new_limit = models.DecimalField(_("新授信额度（元）"), max_digits=16, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("核查结果与理由"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    applied_at = models.DateTimeField(_("生效时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("信用调整申请")
        verbose_name_plural = _("信用调整申请")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.profile.customer_id} {self.get_kind_display()}"


# ----------------------------------------------------------------------------------------------------- prices


class PriceList(models.Model):
    """The internal control prices (内控价格) of a period; a product is in at most one list on any day."""

    name = models.CharField(_("价格表名称"), max_length=100)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True, help_text=_("留空表示长期有效"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制定人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("制定时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("内控价格表")
        verbose_name_plural = _("内控价格表")
        ordering = ["-valid_from", "-id"]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("sales.Product", verbose_name=_("产品"), on_delete=models.PROTECT, related_name="+")
    unit_price = models.DecimalField(_("内控单价（元/计量单位）"), max_digits=14, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("内控价格")
        verbose_name_plural = _("内控价格")
        constraints = [models.UniqueConstraint(fields=["price_list", "product"], name="orders_price_item_unique")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.unit_price}"


# ----------------------------------------------------------------------------------------------------- orders


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    CONFIRMED = "confirmed", _("已确认")
    RELEASED = "released", _("已放行")
    DELIVERED = "delivered", _("已交货")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已取消")


OPEN_ORDER_STATUSES = (OrderStatus.DRAFT, OrderStatus.CONFIRMED)


class Order(models.Model):
    """One order with the terms it was entered under: grade, cap, payment terms, promised date — each with the
    article (`explanation`), frozen at entry so a later regrade does not rewrite what was agreed."""

    number = models.CharField(_("订单号"), max_length=30, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.DRAFT, db_index=True
    )
    order_date = models.DateField(_("订单日期"))
    grade = models.CharField(_("客户类别"), max_length=8, blank=True)
    grade_priority = models.PositiveSmallIntegerField(_("类别优先级"), default=99)
    grade_score = models.DecimalField(_("积分"), max_digits=9, decimal_places=2, null=True, blank=True)
    credit_rating = models.CharField(_("信用等级"), max_length=8, blank=True)
    payment_terms_code = models.CharField(_("付款方式"), max_length=30, blank=True)
    payment_terms_name = models.CharField(_("付款方式名称"), max_length=80, blank=True)
    prepayment_required = models.BooleanField(_("款到发货"), default=False,
                                              help_text=_("放行前须全额到款（类别付款方式或 000 第二条）"))
    on_credit = models.BooleanField(_("占用授信额度"), default=False,
                                    help_text=_("类别付款方式允许交货后付款：确认后至放行前计入信用占用（第7条）"))
    lead_time_days = models.PositiveSmallIntegerField(_("交期（天）"), null=True, blank=True)
    promised_on = models.DateField(_("承诺交货日期"), null=True, blank=True)
    is_rush = models.BooleanField(_("加急插单"), default=False)
    special_requirements = models.TextField(_("特殊技术要求"), blank=True)
    from_stock = models.BooleanField(_("库存直接提货"), default=False)
    total_amount = models.DecimalField(_("合同额（元）"), max_digits=16, decimal_places=2, default=ZERO)
    needs = models.JSONField(_("所需审批"), default=list, blank=True)
    explanation = models.JSONField(_("条款依据"), default=list, blank=True)
    pack_versions = models.JSONField(_("政策包版本"), default=dict, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交确认时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True, db_index=True)
    released_at = models.DateTimeField(_("放行时间"), null=True, blank=True)
    released_on = models.DateField(_("提货日期"), null=True, blank=True)
    delivered_on = models.DateField(_("交货日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The queue: confirmed orders by rush, grade priority, score, time (003 一、5).
            models.Index(fields=["status", "is_rush", "grade_priority", "confirmed_at"], name="orders_queue_idx"),
            models.Index(fields=["customer", "status"], name="orders_customer_status_idx"),
        ]
        permissions = [
            ("release_order", _("放行订单（发货）")),
            ("deliver_order", _("登记交货、关闭订单")),
            ("view_order_queue", _("查看订单排产队列")),
            ("manage_prices", _("制定内控价格表")),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField(_("行号"))
    product = models.ForeignKey("sales.Product", verbose_name=_("产品"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("数量"), max_digits=18, decimal_places=3)
    unit = models.CharField(_("单位"), max_length=4)
    base_quantity = models.DecimalField(_("折算数量"), max_digits=18, decimal_places=3)
    list_price = models.DecimalField(_("内控单价"), max_digits=14, decimal_places=2)
    floor_price = models.DecimalField(_("权限内最低单价"), max_digits=16, decimal_places=4)
    standard_price = models.DecimalField(_("标准单价"), max_digits=16, decimal_places=4)
    unit_price = models.DecimalField(_("成交单价"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(_("优惠（%）"), max_digits=8, decimal_places=4)
    amount = models.DecimalField(_("金额（元）"), max_digits=16, decimal_places=2)
    beyond_cap = models.BooleanField(_("超出价格权限"), default=False)

    class Meta:
        verbose_name = _("订单明细")
        verbose_name_plural = _("订单明细")
        ordering = ["order", "line_no"]
        constraints = [models.UniqueConstraint(fields=["order", "line_no"], name="orders_line_unique")]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.line_no}"


class OrderTransition(models.Model):
    """Every state change of an order: who, when, from → to, why, under which article."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("说明"), blank=True)
    article = models.CharField(_("依据条款"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("订单状态变更")
        verbose_name_plural = _("订单状态变更")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.from_status} → {self.to_status}"


# ----------------------------------------------------------------------------------------------------- inquiries


class InquiryChannel(models.TextChoices):
    PRICE = "price", _("询价")
    LETTER = "letter", _("函电")
    PHONE = "phone", _("电话")
    EMAIL = "email", _("电子邮件")


class Inquiry(models.Model):
    """An inquiry or letter from a customer, answered within the pack's deadline (003 一、6: 24 小时)."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="inquiries"
    )
    channel = models.CharField(_("类型"), max_length=10, choices=InquiryChannel.choices, default=InquiryChannel.PRICE)
    subject = models.CharField(_("事由"), max_length=200)
    content = models.TextField(_("内容"), blank=True)
    received_at = models.DateTimeField(_("收到时间"))
    due_at = models.DateTimeField(_("答复期限"), db_index=True)
    deadline_article = models.CharField(_("时限依据"), max_length=120)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer = models.TextField(_("答复内容"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("询价及函电")
        verbose_name_plural = _("询价及函电")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["answered_at", "due_at"], name="orders_inquiry_open_idx")]

    def __str__(self) -> str:
        return self.subject

    @property
    def answered_on_time(self) -> bool | None:
        return None if self.answered_at is None else self.answered_at <= self.due_at


# ----------------------------------------------------------------------------------------------------- allocation


class ProductionPlan(models.Model):
    """The quantity of a product group available for allocation in a month (生产计划)."""

    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    product_group = models.ForeignKey(
        "sales.ProductGroup", verbose_name=_("产品组"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("可供量"), max_digits=18, decimal_places=3)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(_("录入时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("生产计划")
        verbose_name_plural = _("生产计划")
        ordering = ["-month", "product_group_id"]
        constraints = [models.UniqueConstraint(fields=["month", "product_group"], name="orders_plan_unique")]
        permissions = [("run_allocation", _("执行资源量分配、手工调整"))]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.product_group_id} {self.quantity}"


class Allocation(models.Model):
    """One month's allocation of one product group. Its row is the lock every adjustment takes."""

    month = models.DateField(_("月份"))
    product_group = models.ForeignKey(
        "sales.ProductGroup", verbose_name=_("产品组"), on_delete=models.PROTECT, related_name="+"
    )
    available = models.DecimalField(_("可供量"), max_digits=18, decimal_places=3)
    allocated = models.DecimalField(_("已分配"), max_digits=18, decimal_places=3, default=ZERO)
    demand = models.DecimalField(_("需求合计"), max_digits=18, decimal_places=3, default=ZERO)
    customers = models.PositiveIntegerField(_("客户数"), default=0)
    pack_name = models.CharField(_("政策包"), max_length=60)
    pack_version = models.CharField(_("政策包版本"), max_length=64)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("执行人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    computed_at = models.DateTimeField(_("计算时间"))
    compute_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    class Meta:
        verbose_name = _("资源量分配")
        verbose_name_plural = _("资源量分配")
        ordering = ["-month", "product_group_id"]
        constraints = [models.UniqueConstraint(fields=["month", "product_group"], name="orders_allocation_unique")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.product_group_id}"


class AllocationLine(models.Model):
    """What one customer gets, and why: the rule, the figures it used and the article, each in its own column
    (written by one INSERT … SELECT; the sentence is built on read by services.allocation.line_reason)."""

    # Written 300,000 at a time by one INSERT … SELECT: no database FK constraints (a per-row RI trigger cost more
    # than the allocation itself) and one index, the unique (allocation, customer). The writer guarantees the
    # references: customers come from the demand join, allocations are created in the same transaction, and
    # allocation_run deletes an allocation's lines (and their adjustments) before replacing them.
    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="lines", db_index=False,
                                   db_constraint=False)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )
    channel = models.CharField(_("客户类别"), max_length=20, blank=True)
    tier = models.PositiveSmallIntegerField(_("分配顺序"))
    rank = models.PositiveIntegerField(_("类内排名"))
    demand = models.DecimalField(_("需求量"), max_digits=18, decimal_places=3)
    computed = models.DecimalField(_("计算分配量"), max_digits=18, decimal_places=3)
    quantity = models.DecimalField(_("分配量"), max_digits=18, decimal_places=3)
    rule = models.CharField(_("规则"), max_length=40)
    article = models.CharField(_("依据条款"), max_length=120)
    adjusted = models.BooleanField(_("已手工调整"), default=False)
    rank_by = models.CharField(_("排序指标"), max_length=80, blank=True)
    score = models.DecimalField(_("综合得分"), max_digits=8, decimal_places=4, null=True, blank=True)
    completion_rate = models.DecimalField(_("提货量完成率"), max_digits=8, decimal_places=4, null=True, blank=True)
    completion_raw = models.DecimalField(_("完成率（未封顶）"), max_digits=12, decimal_places=4, null=True,
                                         blank=True)
    cooperation = models.DecimalField(_("配合度"), max_digits=8, decimal_places=4, null=True, blank=True)
    weekly_evenness = models.DecimalField(_("周拿货均衡度"), max_digits=8, decimal_places=4, null=True, blank=True)
    planned = models.DecimalField(_("前期计划量"), max_digits=18, decimal_places=3, null=True, blank=True)
    picked = models.DecimalField(_("前期提货量"), max_digits=18, decimal_places=3, null=True, blank=True)
    tier_demand = models.DecimalField(_("本类需求合计"), max_digits=18, decimal_places=3, null=True, blank=True)
    remaining_for_tier = models.DecimalField(_("本类可分配量"), max_digits=18, decimal_places=3, null=True,
                                             blank=True)
    given_before = models.DecimalField(_("前序需求累计"), max_digits=18, decimal_places=3, null=True, blank=True)
    late_plan = models.BooleanField(_("需求计划逾期"), default=False)

    class Meta:
        verbose_name = _("分配明细")
        verbose_name_plural = _("分配明细")
        ordering = ["allocation", "tier", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "customer"], name="orders_allocation_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.allocation_id} {self.customer_id} {self.quantity}"


class AllocationAdjustment(models.Model):
    """A hand adjustment of one line, with its reason (the allocation keeps the computed figure beside it)."""

    line = models.ForeignKey(AllocationLine, on_delete=models.CASCADE, related_name="adjustments")
    old_quantity = models.DecimalField(_("原分配量"), max_digits=18, decimal_places=3)
    new_quantity = models.DecimalField(_("调整后"), max_digits=18, decimal_places=3)
    reason = models.TextField(_("调整理由"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("调整人"), on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("分配调整")
        verbose_name_plural = _("分配调整")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.line_id} {self.old_quantity} → {self.new_quantity}"
