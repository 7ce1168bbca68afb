"""Approvals (one generic mechanism for every "报…审批" in the regulations) and the customer lifecycle records
that use it: admission (000 第七条), archive access (001 第九条), qualification expiry (000 第十五条),
disqualification (000 第十七条) and the exclusive agency licence (000 第十条)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApprovalKind(models.TextChoices):
    ADMISSION = "admission", _("客户开户审批")
    ARCHIVE_ACCESS = "archive_access", _("客户档案查阅")
    DISQUALIFICATION = "disqualification", _("取消客户资格")
    GIFT = "gift", _("赠送礼品")
    LEVEL_TRANSFER = "level_transfer", _("客户管理层级转移")
    COMPLAINT_EXTENSION = "complaint_extension", _("投诉处理延期")
    # Orders and credit (003 客户信用管理制度, 客户订单流程管理制度, 客户分级管理制度)
    CREDIT_RATING_CHANGE = "credit_rating_change", _("信用等级及销售政策调整")
    CREDIT_LIMIT = "credit_limit", _("授信额度核定")
    CREDIT_OVER_LIMIT = "credit_over_limit", _("超授信额度审批")
    ORDER_DISCOUNT = "order_discount", _("超权限折扣审批")
    ORDER_REVIEW = "order_review", _("订单评审")
    ORDER_STRICT_REVIEW = "order_strict_review", _("严格审单")
    RUSH_ORDER = "rush_order", _("插单审批")
    # Commissioned housing (003 大客户委托建房管理制度)
    HOUSING_COMMISSIONER = "housing_commissioner", _("委建单位选定")
    HOUSING_PRICE = "housing_price", _("委建房价格审批")
    HOUSING_RELEASE = "housing_release", _("委建房源释放")
    HOUSING_RELATION = "housing_relation", _("关系房审批")
    # Big-client applications with deadlines (003 大客户运输服务管理办法, 电力大客户用电管理制度)
    RAILWAY_APPLICATION = "railway_application", _("铁路运输大客户申请")
    POWER_APPLICATION = "power_application", _("电力业扩报装申请")
    # Development (002 6.5; 000 第六条)
    DEVELOPMENT_PLAN = "development_plan", _("客户开发计划审批")


class ApprovalStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    RETURNED = "returned", _("退回修改")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = frozenset({ApprovalStatus.PENDING})
RESUBMITTABLE_STATUSES = frozenset({ApprovalStatus.REJECTED, ApprovalStatus.RETURNED, ApprovalStatus.WITHDRAWN})


class Approval(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("审批类型"), max_length=30, choices=ApprovalKind.choices, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="approvals",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.DRAFT, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    round = models.PositiveSmallIntegerField(_("提交轮次"), default=0)
    chain_code = models.CharField(_("审批链"), max_length=60, blank=True)
    chain_name = models.CharField(_("审批链名称"), max_length=100, blank=True)
    article = models.CharField(_("依据条款"), max_length=100, blank=True)
    pack_name = models.CharField(_("政策包"), max_length=60, blank=True)
    pack_version = models.CharField(_("政策包版本"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审批")
        verbose_name_plural = _("审批")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["submitted_by", "status"]),
        ]
        permissions = [("view_all_approvals", _("查看全部审批"))]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("未到达")
    PENDING = "pending", _("待审批")
    DONE = "done", _("已处理")
    CANCELLED = "cancelled", _("已取消")


class Decision(models.TextChoices):
    APPROVE = "approve", _("同意")
    REJECT = "reject", _("驳回")
    RETURN = "return", _("退回修改")


class ApprovalStep(models.Model):
    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="steps", verbose_name=_("审批"))
    round = models.PositiveSmallIntegerField(_("提交轮次"), default=1)
    order = models.PositiveSmallIntegerField(_("顺序"))
    role_code = models.CharField(_("审批角色"), max_length=40, db_index=True)
    role_name = models.CharField(_("审批角色名称"), max_length=60, blank=True)
    action = models.CharField(_("审批事项"), max_length=100, blank=True)
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("限定单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("只有该单位（含下级）中具有该角色的人员可以审批"),
    )
    unit_exact = models.BooleanField(
        _("仅限本单位"), default=False, help_text=_("勾选时只有该单位本级（不含下级单位）具有该角色的人员可以审批"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("指定审批人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    delegated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("委托给"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("委托人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=20, choices=StepStatus.choices, default=StepStatus.WAITING)
    activated_at = models.DateTimeField(_("到达时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True, db_index=True)
    due_working_days = models.PositiveSmallIntegerField(_("时限（工作日）"), null=True, blank=True)
    decision = models.CharField(_("审批意见"), max_length=20, choices=Decision.choices, blank=True)
    comment = models.TextField(_("批注"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("代谁审批"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批步骤")
        verbose_name_plural = _("审批步骤")
        ordering = ["approval", "round", "order"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "round", "order"], name="workflow_step_unique_order"),
        ]
        indexes = [models.Index(fields=["status", "role_code"])]

    def __str__(self) -> str:
        return f"{self.approval_id}#{self.round}.{self.order} {self.role_name or self.role_code}"

    @property
    def is_overdue(self) -> bool:
        return self.status == StepStatus.PENDING and self.due_at is not None and self.due_at < timezone.now()


class Delegation(models.Model):
    """While `from_user` is away (start–end inclusive), `to_user` decides the steps waiting for `from_user`."""

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("委托人"), on_delete=models.CASCADE, related_name="delegations_given"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("受托人"), on_delete=models.CASCADE,
        related_name="delegations_received",
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批委托")
        verbose_name_plural = _("审批委托")
        ordering = ["-start"]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user} {self.start}–{self.end}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


# ----- admission (000 第七条, 第十条) -------------------------------------------------------------------------


class CustomerType(models.TextChoices):
    DIRECT = "direct", _("直销客户")
    EXCLUSIVE_AGENT = "exclusive_agent", _("独家代理商")
    DISTRIBUTOR = "distributor", _("经销商")


class AdmissionApplication(models.Model):
    """客户开户审批表 (000 附件1): one prospect's application to become a customer."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="admission_applications", verbose_name=_("客户")
    )
    customer_type = models.CharField(_("客户类别"), max_length=30, choices=CustomerType.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    business_scope = models.TextField(_("经营范围与规模"), blank=True)
    expected_products = models.CharField(_("拟购产品"), max_length=200, blank=True)
    expected_monthly_quantity = models.DecimalField(
        _("预计月需求量"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    quantity_unit = models.CharField(_("单位"), max_length=10, default="吨")
    conditions = models.JSONField(_("准入条件确认"), default=dict, blank=True)
    notes = models.TextField(_("申请说明"), blank=True)
    override_reason = models.TextField(
        _("黑名单例外说明"), blank=True, help_text=_("该信用代码曾被取消客户资格，重新准入须写明理由并经总经理批准")
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("例外批准人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    approval = models.OneToOneField(
        Approval, null=True, blank=True, on_delete=models.SET_NULL, related_name="admission", verbose_name=_("审批")
    )

    class Meta:
        verbose_name = _("客户开户审批表")
        verbose_name_plural = _("客户开户审批表")
        ordering = ["-created_at"]
        permissions = [("override_blocklist", _("批准被取消资格的信用代码重新准入"))]

    def __str__(self) -> str:
        return f"开户审批表 {self.customer.name}"


# ----- archive access (001 第九条) ------------------------------------------------------------------------------


class AccessRequest(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="access_requests", verbose_name=_("客户")
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(_("查阅事由"))
    days = models.PositiveSmallIntegerField(_("查阅期限（天）"), default=7)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    approval = models.OneToOneField(
        Approval, null=True, blank=True, on_delete=models.SET_NULL, related_name="access_request"
    )

    class Meta:
        verbose_name = _("档案查阅申请")
        verbose_name_plural = _("档案查阅申请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.requester} 查阅 {self.customer.name}"


class AccessGrant(models.Model):
    """A time-limited read grant. Visibility checks `expires_at` at query time; a job marks expired grants."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="access_grants", verbose_name=_("客户")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants", verbose_name=_("被授权人")
    )
    request = models.OneToOneField(AccessRequest, on_delete=models.CASCADE, related_name="grant")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批准人"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("批准时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"), db_index=True)
    expired_marked_at = models.DateTimeField(_("到期处理时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("档案查阅授权")
        verbose_name_plural = _("档案查阅授权")
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "customer", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.customer_id} 至 {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


# ----- qualification expiry (000 第十五条) -------------------------------------------------------------------


class NoticeKind(models.TextChoices):
    DAYS_30 = "d30", _("到期前30天")
    DAYS_7 = "d7", _("到期前7天")
    DAYS_1 = "d1", _("到期前1天")
    EXPIRED = "expired", _("已到期")


class QualificationNotice(models.Model):
    """One reminder per qualification and notice kind: the unique pair makes the daily job idempotent."""

    qualification = models.ForeignKey(
        "customers.Qualification", on_delete=models.CASCADE, related_name="expiry_notices"
    )
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    on_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("资质到期提醒")
        verbose_name_plural = _("资质到期提醒")
        constraints = [
            models.UniqueConstraint(fields=["qualification", "kind"], name="workflow_qualification_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.qualification_id} {self.kind}"


class ExpirySuspension(models.Model):
    """A suspension the expiry job made; only these are lifted automatically when a renewal arrives."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="expiry_suspensions", verbose_name=_("客户")
    )
    suspended_on = models.DateField(_("暂停日期"))
    lifted_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    detail = models.CharField(_("到期资质"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("资质到期暂停")
        verbose_name_plural = _("资质到期暂停")
        ordering = ["-suspended_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(lifted_at__isnull=True), name="workflow_one_open_suspension"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.suspended_on}"


# ----- disqualification (000 第十七条) -----------------------------------------------------------------------


class DisqualificationGround(models.TextChoices):
    FRAUD = "fraud", _("提供虚假信息，有欺诈、严重失信等行为（第十七条第一项）")
    LOSS = "loss", _("给公司造成经济损失或严重影响公司的市场信誉（第十七条第二项）")
    VIOLATION = "violation", _("违反国家和地方法律法规，被司法或行政机关立案查处（第十七条第三项）")


class DisqualificationRequest(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="disqualification_requests",
        verbose_name=_("客户"),
    )
    ground = models.CharField(_("取消依据"), max_length=20, choices=DisqualificationGround.choices)
    facts = models.TextField(_("事实与证据"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    approval = models.OneToOneField(
        Approval, null=True, blank=True, on_delete=models.SET_NULL, related_name="disqualification"
    )

    class Meta:
        verbose_name = _("取消客户资格申请")
        verbose_name_plural = _("取消客户资格申请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"取消资格 {self.customer.name}"


class BlockedCreditCode(models.Model):
    """A credit code whose holder was disqualified: admission refuses it unless an override is documented."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("原客户"),
    )
    customer_name = models.CharField(_("原客户名称"), max_length=100)
    ground = models.CharField(_("取消依据"), max_length=20, choices=DisqualificationGround.choices)
    request = models.ForeignKey(
        DisqualificationRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("列入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("禁止准入信用代码")
        verbose_name_plural = _("禁止准入信用代码")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.uscc


# ----- exclusive agency licence (000 第十条) -----------------------------------------------------------------


class AgencyLicence(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="agency_licences", verbose_name=_("客户")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.CharField(_("许可证编号"), max_length=40, unique=True)
    region = models.CharField(_("代理区域"), max_length=100)
    issued_on = models.DateField(_("颁发日期"))
    expires_on = models.DateField(_("有效期至"))
    conditions = models.JSONField(_("条件核实"), default=dict)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("颁发人"), on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("吊销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("独家代理许可证")
        verbose_name_plural = _("独家代理许可证")
        ordering = ["-year", "customer"]
        constraints = [models.UniqueConstraint(fields=["customer", "year"], name="workflow_one_licence_per_year")]

    def __str__(self) -> str:
        return self.number


# ----- overdue approval steps -----------------------------------------------------------------------------------


class OverdueNoticeKind(models.TextChoices):
    REMINDER = "reminder", _("逾期提醒")
    ESCALATION = "escalation", _("逾期升级")


class StepOverdueNotice(models.Model):
    """One reminder to the step's holders once it is overdue, and one escalation to their managers a working day
    later. The unique (step, kind) row makes the daily job idempotent: a second run notifies nobody again."""

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="overdue_notices",
                             verbose_name=_("审批步骤"))
    kind = models.CharField(_("类型"), max_length=20, choices=OverdueNoticeKind.choices)
    on_date = models.DateField(_("日期"))
    recipients = models.JSONField(_("接收人"), default=list, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审批逾期通知")
        verbose_name_plural = _("审批逾期通知")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["step", "kind"], name="workflow_step_overdue_notice_once")]

    def __str__(self) -> str:
        return f"{self.step_id} {self.kind} {self.on_date}"


# ----- transfer between management levels (002 6.1.1) ---------------------------------------------------------


class LevelTransferRequest(models.Model):
    """Moving a customer's management from one org unit (level) to another: the from-unit head agrees to hand it
    over, the to-unit head agrees to take it; on approval the customer's managing unit changes."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="level_transfers", verbose_name=_("客户")
    )
    from_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("移出单位"))
    to_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("接收单位"))
    reason = models.TextField(_("转移原因"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    applied_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    approval = models.OneToOneField(
        Approval, null=True, blank=True, on_delete=models.SET_NULL, related_name="level_transfer"
    )

    class Meta:
        verbose_name = _("客户管理层级转移申请")
        verbose_name_plural = _("客户管理层级转移申请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.customer.name}：{self.from_unit} → {self.to_unit}"


# ----- applications with deadlines (003 铁路大客户, 电力大客户) ------------------------------------------------------

from kehu.workflow.application_models import (  # noqa: E402, F401  (kept in their own module, registered here)
    Application,
    ApplicationMilestone,
    ApplicationStatus,
    MilestoneOutcome,
    MilestoneStatus,
)
