"""Customer development: prospects and their survey tables (002 6.5.1, 附录2; 000 第六条(一)), key-account task
groups (002 6.5.4.6), development plans with targets per county, station or 客户经理 (002 6.5.3; 000 第六条(二)),
progress reports (000 第六条(三) 周总结、月汇报), and the shared pool (公海) of customers nobody follows up.

Plan completion is never stored: it is counted from approved admission applications (kehu.workflow) when read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL


class UnitRegulation(models.Model):
    """Which pack governs development and the shared pool in a unit's subtree (the nearest unit decides).

    One installation may hold several companies (the demo: hb公司's chemicals under 000, its 山东 retail network
    under 002); units without an entry follow settings.KEHU_DEFAULT_PACK."""

    unit = models.OneToOneField("org.OrgUnit", verbose_name=_("单位"), on_delete=models.CASCADE,
                                related_name="development_regulation")
    pack_name = models.CharField(_("适用的政策包"), max_length=60)
    set_by = models.ForeignKey(USER, verbose_name=_("设定人"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    set_at = models.DateTimeField(_("设定时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("单位适用的客户开发办法")
        verbose_name_plural = _("单位适用的客户开发办法")

    def __str__(self) -> str:
        return f"{self.unit} → {self.pack_name}"


# ============================================================================================ prospects
class ProspectCategory(models.TextChoices):
    """002 6.5.1 区域普查对象 (政府机关、企事业单位、居民社区、商场、停车场、办公楼) and 责任区域 (厂矿企业)."""

    GOVERNMENT = "government", _("政府机关")
    ENTERPRISE = "enterprise", _("企事业单位")
    FACTORY = "factory", _("厂矿企业")
    COMMUNITY = "community", _("居民社区")
    MALL = "mall", _("商场")
    PARKING = "parking", _("停车场")
    OFFICE = "office", _("办公楼")
    INDIVIDUAL = "individual", _("个人（私家车、个体运输、个体生产用油）")
    OTHER = "other", _("其他")


# 002 6.5.4.6: key-account task groups are for 政府机关和大型企事业单位.
KEY_ACCOUNT_CATEGORIES = frozenset({ProspectCategory.GOVERNMENT, ProspectCategory.ENTERPRISE,
                                    ProspectCategory.FACTORY})


class ProspectKind(models.TextChoices):
    """002 6.2.1: 机构客户 / 个人客户."""

    INSTITUTIONAL = "institutional", _("机构客户")
    INDIVIDUAL = "individual", _("个人客户")


class FuelType(models.TextChoices):
    """002 6.2.2."""

    GASOLINE = "gasoline", _("汽油")
    DIESEL = "diesel", _("柴油")
    BOTH = "both", _("汽油和柴油")
    OTHER = "other", _("其他产品")


class Potential(models.TextChoices):
    HIGH = "high", _("潜力大")
    MEDIUM = "medium", _("一般")
    LOW = "low", _("潜力小")


class ProspectStatus(models.TextChoices):
    SURVEYED = "surveyed", _("已调查")
    DEVELOPING = "developing", _("开发中")
    CONVERTED = "converted", _("已转开户申请")
    DROPPED = "dropped", _("已放弃")


class ProspectSurvey(models.Model):
    """One unit's 《潜在客户调查表》 for one round (002 6.5.1: twice a year, sent in July and December)."""

    pack_name = models.CharField(_("政策包"), max_length=60)
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("调查单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("报送月份"))
    due_on = models.DateField(_("报送期限"))
    article = models.CharField(_("依据条款"), max_length=60, blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(USER, verbose_name=_("报送人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("潜在客户调查表")
        verbose_name_plural = _("潜在客户调查表")
        ordering = ["-year", "-month", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year", "month"], name="development_survey_round")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}年{self.month}月"


class Prospect(models.Model):
    """One row of the 《潜在客户调查表》: a potential customer found by the survey (002 附录2, 6.5.1, 6.5.4.1)."""

    code = models.CharField(_("编号"), max_length=20, unique=True)
    pack_name = models.CharField(_("政策包"), max_length=60)
    survey = models.ForeignKey(ProspectSurvey, verbose_name=_("调查表"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="prospects")
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+",
                             help_text=_("负责调查与开发的加油站、片区或部门"))
    owner = models.ForeignKey(USER, verbose_name=_("开发负责人"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("客户名称"), max_length=100)
    category = models.CharField(_("调查对象类别"), max_length=20, choices=ProspectCategory.choices)
    kind = models.CharField(_("客户属性"), max_length=20, choices=ProspectKind.choices)
    area = models.CharField(_("责任区域（街道、小区、厂矿）"), max_length=100)
    address = models.CharField(_("地址"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40)
    contact_title = models.CharField(_("职务"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    decision_maker = models.CharField(_("业务决策人"), max_length=60, blank=True)
    decision_maker_notes = models.TextField(_("决策人情况（社会关系、个人喜好、重大事项）"), blank=True)
    fuel_type = models.CharField(_("用油品种"), max_length=20, choices=FuelType.choices)
    gasoline_month_t = models.DecimalField(_("预计汽油月需求量（吨）"), max_digits=12, decimal_places=3, null=True,
                                           blank=True)
    diesel_month_t = models.DecimalField(_("预计柴油月需求量（吨）"), max_digits=12, decimal_places=3, null=True,
                                         blank=True)
    card_year_amount = models.DecimalField(_("预计不记名卡年采购额（元）"), max_digits=14, decimal_places=2,
                                           null=True, blank=True)
    demand_cycle = models.CharField(_("需求周期规律"), max_length=200, blank=True)
    current_supplier = models.CharField(_("目前消费地点（加油站或供应商）"), max_length=200)
    retention_means = models.CharField(_("对方维系手段"), max_length=200, blank=True)
    competitor_policy = models.TextField(_("竞争对手客户政策"), blank=True)
    potential = models.CharField(_("开发潜力"), max_length=10, choices=Potential.choices, default=Potential.MEDIUM)
    plan_text = models.TextField(_("开发方案（营销策略、公关对象、合作方式等）"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=ProspectStatus.choices,
                              default=ProspectStatus.SURVEYED, db_index=True)
    drop_reason = models.CharField(_("放弃原因"), max_length=200, blank=True)
    customer = models.OneToOneField("customers.Customer", verbose_name=_("转入的客户档案"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="prospect")
    converted_at = models.DateTimeField(_("转开户时间"), null=True, blank=True)
    created_by = models.ForeignKey(USER, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("潜在客户")
        verbose_name_plural = _("潜在客户")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "status"]), models.Index(fields=["owner", "status"])]
        permissions = [("convert_prospect", _("潜在客户转开户申请"))]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class KeyAccountTeam(models.Model):
    """零售机构客户开发工作小组 (002 6.5.4.6): 一把手 leads, the retail head deputises, members do the groundwork;
    the group 摘牌 (takes on) one government or large-enterprise prospect."""

    prospect = models.OneToOneField(Prospect, verbose_name=_("开发对象"), on_delete=models.CASCADE,
                                    related_name="key_account_team")
    leader = models.ForeignKey(USER, verbose_name=_("组长（一把手）"), on_delete=models.PROTECT, related_name="+")
    deputy = models.ForeignKey(USER, verbose_name=_("副组长（零售主管领导）"), on_delete=models.PROTECT,
                               related_name="+")
    taken_at = models.DateTimeField(_("摘牌时间"), auto_now_add=True)
    note = models.TextField(_("公关方案"), blank=True)
    created_by = models.ForeignKey(USER, verbose_name=_("组建人"), on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("重点客户开发工作小组")
        verbose_name_plural = _("重点客户开发工作小组")

    def __str__(self) -> str:
        return f"{self.prospect.name} 开发工作小组"


class KeyAccountTeamMember(models.Model):
    team = models.ForeignKey(KeyAccountTeam, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(USER, verbose_name=_("成员"), on_delete=models.PROTECT, related_name="+")
    duty = models.CharField(_("岗位与分工"), max_length=60, help_text=_("如：加管部客户管理岗、片区经理、机关人员"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("工作小组成员")
        verbose_name_plural = _("工作小组成员")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="development_team_member_once")]

    def __str__(self) -> str:
        return f"{self.user} {self.duty}"


# ============================================================================================ plans
class PlanPeriod(models.TextChoices):
    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送，审核中")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("退回修改")
    PUBLISHED = "published", _("已下达")


# Plans whose targets count (completion is reported on these).
EFFECTIVE_PLAN_STATUSES = (PlanStatus.SUBMITTED, PlanStatus.APPROVED, PlanStatus.PUBLISHED)


class TargetCategory(models.TextChoices):
    """002 6.5.3 机构客户 / 个人卡客户; 000 第六条 counts every developed customer."""

    INSTITUTIONAL = "institutional", _("机构客户")
    CARD = "card", _("个人卡客户")
    ANY = "any", _("客户")


class DevelopmentPlan(models.Model):
    """《零售客户月度开发计划》(002 附录1, 6.5.3) or 000's quarterly 市场开发计划 (第六条(二))."""

    pack_name = models.CharField(_("政策包"), max_length=60)
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("编制单位"), on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("计划周期"), max_length=10, choices=PlanPeriod.choices)
    period_start = models.DateField(_("计划期间起"))
    period_end = models.DateField(_("计划期间止"))
    due_on = models.DateField(_("编制报送期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT,
                              db_index=True)
    note = models.TextField(_("说明"), blank=True)
    approval = models.OneToOneField("workflow.Approval", verbose_name=_("审批"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="development_plan")
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    created_by = models.ForeignKey(USER, verbose_name=_("编制人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("客户开发计划")
        verbose_name_plural = _("客户开发计划")
        ordering = ["-period_start", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "period", "period_start"],
                                               name="development_plan_unit_period")]

    def __str__(self) -> str:
        return f"{self.unit} {self.period_start:%Y-%m} {self.get_period_display()}开发计划"

    @property
    def editable(self) -> bool:
        return self.status in (PlanStatus.DRAFT, PlanStatus.RETURNED)


class PlanLine(models.Model):
    """One target of a plan: per county or station (002 6.5.3) or per 客户经理 with deadline and budget (000)."""

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(_("客户类别"), max_length=20, choices=TargetCategory.choices)
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("区县 / 加油站"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(USER, verbose_name=_("客户经理"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    target = models.PositiveIntegerField(_("开发目标（个）"))
    deadline = models.DateField(_("完成时间"), null=True, blank=True)
    budget = models.DecimalField(_("费用预算（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    prospects = models.ManyToManyField(Prospect, verbose_name=_("重点开发客户"), blank=True, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True)

    history = HistoricalRecords(m2m_fields=[prospects])

    class Meta:
        verbose_name = _("开发计划明细")
        verbose_name_plural = _("开发计划明细")
        ordering = ["plan", "category", "unit__path", "assignee_id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "category", "unit"], condition=Q(unit__isnull=False),
                                    name="development_line_unit_once"),
            models.UniqueConstraint(fields=["plan", "category", "assignee"], condition=Q(assignee__isnull=False),
                                    name="development_line_assignee_once"),
            models.CheckConstraint(condition=Q(unit__isnull=False) | Q(assignee__isnull=False),
                                   name="development_line_has_unit_or_assignee"),
        ]

    def __str__(self) -> str:
        return f"{self.unit or self.assignee} {self.get_category_display()} {self.target}"


class ReportKind(models.TextChoices):
    WEEKLY = "weekly_summary", _("周总结")
    MONTHLY = "monthly_report", _("月汇报")


class ProgressReport(models.Model):
    """000 第六条(三): a 客户经理's 周总结 / 月汇报 — progress, problems and support needed; the completion figures are
    computed when it is submitted and kept as they were."""

    pack_name = models.CharField(_("政策包"), max_length=60)
    kind = models.CharField(_("类型"), max_length=20, choices=ReportKind.choices)
    author = models.ForeignKey(USER, verbose_name=_("报告人"), on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止"))
    progress = models.TextField(_("开发进度"))
    problems = models.TextField(_("存在问题"), blank=True)
    support_needed = models.TextField(_("所需支持"), blank=True)
    figures = models.JSONField(_("完成情况（系统计算）"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("上报时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("客户开发动态报告")
        verbose_name_plural = _("客户开发动态报告")
        ordering = ["-period_start", "-id"]
        constraints = [models.UniqueConstraint(fields=["author", "kind", "period_start"],
                                               name="development_report_once_per_period")]

    def __str__(self) -> str:
        return f"{self.author} {self.get_kind_display()} {self.period_start}"


# ============================================================================================ shared pool
class PoolReason(models.TextChoices):
    NO_OWNER = "no_owner", _("无客户经理")
    NO_FOLLOW_UP = "no_follow_up", _("超期未跟进")
    RELEASED = "released", _("客户经理退回")


class PoolEntry(models.Model):
    """One stay of a customer in its unit's shared pool (公海): why it came, from whom, who claimed it.

    A customer without an owner is in the pool by definition (the sweep records an entry for any that lacks one);
    an entry is open until the customer is claimed."""

    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE,
                                 related_name="pool_entries")
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("公海所属单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    pack_name = models.CharField(_("政策包"), max_length=60)
    reason = models.CharField(_("进入原因"), max_length=20, choices=PoolReason.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    entered_at = models.DateTimeField(_("进入公海时间"), db_index=True)
    previous_owner = models.ForeignKey(USER, verbose_name=_("原客户经理"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    last_follow_up = models.DateField(_("最近跟进日期"), null=True, blank=True)
    claimed_by = models.ForeignKey(USER, verbose_name=_("领取人"), null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公海记录")
        verbose_name_plural = _("公海记录")
        ordering = ["-entered_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["customer"], condition=Q(claimed_at__isnull=True),
                                               name="development_pool_one_open_entry")]
        indexes = [models.Index(fields=["claimed_by", "claimed_at"]),
                   models.Index(fields=["previous_owner", "customer"])]
        permissions = [("claim_pool_customer", _("领取公海客户")),
                       ("release_pool_customer", _("把客户退回公海"))]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.get_reason_display()} {self.entered_at:%Y-%m-%d}"


class PoolReminder(models.Model):
    """A 客户经理 was told that a customer returns to the pool on `return_on` unless followed up (once per date)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    return_on = models.DateField(_("将退回公海日期"))
    last_follow_up = models.DateField(_("最近跟进日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公海提醒")
        verbose_name_plural = _("公海提醒")
        constraints = [models.UniqueConstraint(fields=["customer", "owner", "return_on"],
                                               name="development_pool_reminder_once")]
        indexes = [models.Index(fields=["owner", "return_on"])]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.return_on}"
