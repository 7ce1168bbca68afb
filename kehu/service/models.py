"""Customer service: complaints with working-day deadlines, visits and follow-ups, events and gifts,
satisfaction surveys (000 第十一至十四条; 001 第十三、十四、十七至十九条; 003 A 类客户每季度走访)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


# ============================================================================================ complaints
class ComplaintChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    VISIT = "visit", _("来访")
    ONSITE = "onsite", _("现场")
    LETTER = "letter", _("书面/信函")
    EMAIL = "email", _("电子邮件")
    OTHER = "other", _("其他")


class ComplaintSeverity(models.TextChoices):
    GENERAL = "general", _("一般投诉")
    MAJOR = "major", _("较大事件投诉")
    SERIOUS = "serious", _("严重投诉")


class ComplaintStatus(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    INVESTIGATING = "investigating", _("调查处理中")
    WAITING = "waiting", _("等待客户（暂停计时）")
    RESOLVED = "resolved", _("已处理待回访")
    CLOSED = "closed", _("已关闭")


OPEN_STATUSES = (ComplaintStatus.REGISTERED, ComplaintStatus.INVESTIGATING, ComplaintStatus.WAITING)


class Responsibility(models.TextChoices):
    UNKNOWN = "unknown", _("待认定")
    OURS = "ours", _("属我方原因")
    NOT_OURS = "not_ours", _("非我方原因")


class Complaint(models.Model):
    """《客户投诉记录及处理意见表》（000 附件3）/《顾客产品质量投诉调查处理记录》（001 附件2）."""

    code = models.CharField(_("投诉编号"), max_length=30, unique=True)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="complaints")
    channel = models.CharField(_("受理渠道"), max_length=10, choices=ComplaintChannel.choices,
                               default=ComplaintChannel.PHONE)
    complaint_type = models.CharField(_("投诉类型"), max_length=40)
    type_name = models.CharField(_("投诉类型名称"), max_length=60)
    severity = models.CharField(_("性质"), max_length=10, choices=ComplaintSeverity.choices,
                                default=ComplaintSeverity.GENERAL)
    description = models.TextField(_("投诉内容"))
    contact_name = models.CharField(_("投诉人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    received_at = models.DateTimeField(_("受理时间"), db_index=True)
    received_by = models.ForeignKey(USER, verbose_name=_("受理人"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("org.OrgUnit", verbose_name=_("责任部门"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey(USER, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_complaints")
    status = models.CharField(_("状态"), max_length=15, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.REGISTERED, db_index=True)
    pack = models.CharField(_("政策包"), max_length=60, blank=True)
    deadline_code = models.CharField(_("时限规则"), max_length=60, blank=True)
    deadline_days = models.PositiveSmallIntegerField(_("处理时限（工作日）"), default=1)
    counting = models.CharField(_("计时方式"), max_length=15, default="whole_days")
    deadline_article = models.CharField(_("依据条款"), max_length=120, blank=True)
    due_at = models.DateTimeField(_("处理期限"), null=True, blank=True, db_index=True)
    deadline_error = models.CharField(_("期限计算问题"), max_length=300, blank=True)
    paused_since = models.DateTimeField(_("暂停开始"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("批准延长至（工作日）"), null=True, blank=True)
    extension_status = models.CharField(_("延期审批"), max_length=10, blank=True,
                                        choices=[("pending", _("审批中")), ("approved", _("已批准")),
                                                 ("rejected", _("已驳回"))])
    extension_reason = models.CharField(_("延期理由"), max_length=300, blank=True)
    extension_requested_by = models.ForeignKey(USER, verbose_name=_("延期申请人"), null=True, blank=True,
                                               on_delete=models.SET_NULL, related_name="+")
    reported_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    reported_to = models.CharField(_("上报对象"), max_length=200, blank=True)
    onsite_check = models.TextField(_("现场核实情况"), blank=True)
    onsite_at = models.DateTimeField(_("现场核实时间"), null=True, blank=True)
    responsibility = models.CharField(_("责任认定"), max_length=10, choices=Responsibility.choices,
                                      default=Responsibility.UNKNOWN)
    written_reply = models.TextField(_("书面回复"), blank=True)
    solution = models.TextField(_("处理意见/解决方案"), blank=True)
    resolved_at = models.DateTimeField(_("处理完成时间"), null=True, blank=True)
    resolved_on_time = models.BooleanField(_("按时处理"), null=True)
    escalated = models.BooleanField(_("已报总经理专题会议"), default=False)
    escalation_reason = models.TextField(_("上报理由"), blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新处理次数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("客户投诉")
        verbose_name_plural = _("客户投诉")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"]), models.Index(fields=["department", "status"])]
        permissions = [
            ("approve_complaint_extension", _("批准投诉延期处理")),
            ("record_complaint_meeting", _("记录总经理专题会议")),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.type_name}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None


class ComplaintAttachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("标题"), max_length=100)
    file = models.FileField(_("文件"), upload_to="complaints/%Y/%m/")
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("投诉附件")
        verbose_name_plural = _("投诉附件")

    def __str__(self) -> str:
        return self.title


class ComplaintPause(models.Model):
    """A period when the clock stopped because the complaint waited on the customer."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField(_("暂停开始"))
    ended_at = models.DateTimeField(_("恢复计时"), null=True, blank=True)
    reason = models.CharField(_("等待事项"), max_length=200)
    working_seconds = models.PositiveIntegerField(_("暂停的工作时间（秒）"), default=0)
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("投诉暂停计时")
        verbose_name_plural = _("投诉暂停计时")
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.reason}"


class ComplaintStep(models.Model):
    """The complaint's own log: every step, who and when (also mirrored on the customer's archive)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=30)
    summary = models.CharField(max_length=300)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.summary


class ComplaintMeeting(models.Model):
    """总经理专题会议 (000 第十二条(二)) / 总经理召集研究分析形成会议纪要 (001 第十九条四)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="meetings")
    held_at = models.DateTimeField(_("会议时间"))
    chaired_by = models.CharField(_("主持人"), max_length=60)
    attendees = models.CharField(_("参会人员"), max_length=300)
    minutes = models.TextField(_("会议纪要"))
    decisions = models.TextField(_("处理意见/改进措施"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("投诉专题会议")
        verbose_name_plural = _("投诉专题会议")

    def __str__(self) -> str:
        return f"{self.held_at:%Y-%m-%d} {self.chaired_by}"


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("非常满意")
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


UNSATISFIED = (Satisfaction.UNSATISFIED,)


class ComplaintFollowUp(models.Model):
    """《客户投诉回访记录》(001 附件3)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="follow_ups")
    called_at = models.DateTimeField(_("回访时间"))
    caller = models.ForeignKey(USER, verbose_name=_("回访人"), on_delete=models.PROTECT, related_name="+")
    contact_name = models.CharField(_("受访人"), max_length=40, blank=True)
    satisfaction = models.CharField(_("满意程度"), max_length=20, choices=Satisfaction.choices)
    comments = models.TextField(_("客户意见"), blank=True)

    class Meta:
        verbose_name = _("投诉回访记录")
        verbose_name_plural = _("投诉回访记录")
        ordering = ["called_at"]

    def __str__(self) -> str:
        return self.get_satisfaction_display()


# ============================================================================================ visits
class VisitKind(models.TextChoices):
    ONSITE = "onsite", _("上门走访")
    PHONE = "phone", _("电话回访")


class VisitPlan(models.Model):
    """年度客户走访计划 (000 第十一条(一)), one per 客户经理 and year."""

    owner = models.ForeignKey(USER, verbose_name=_("客户经理"), on_delete=models.PROTECT, related_name="visit_plans")
    year = models.PositiveSmallIntegerField(_("年度"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("年度走访计划")
        verbose_name_plural = _("年度走访计划")
        constraints = [models.UniqueConstraint(fields=["owner", "year"], name="service_visitplan_owner_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.owner}"


class VisitPlanItem(models.Model):
    plan = models.ForeignKey(VisitPlan, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE,
                                 related_name="+")
    month = models.PositiveSmallIntegerField(_("计划月份"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    kind = models.CharField(_("方式"), max_length=10, choices=VisitKind.choices, default=VisitKind.ONSITE)
    grade = models.CharField(_("客户等级"), max_length=60, blank=True)
    basis = models.CharField(_("依据"), max_length=120, blank=True)
    report = models.OneToOneField("VisitReport", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="plan_item")

    class Meta:
        verbose_name = _("走访计划明细")
        verbose_name_plural = _("走访计划明细")
        ordering = ["month", "customer_id"]
        indexes = [models.Index(fields=["plan", "month"])]

    def __str__(self) -> str:
        return f"{self.month}月 {self.customer_id}"


class VisitReport(models.Model):
    """《客户走访报告单》(000 附件2) or a phone follow-up (001 第十七条)."""

    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="visit_reports")
    visitor = models.ForeignKey(USER, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("方式"), max_length=10, choices=VisitKind.choices, default=VisitKind.ONSITE)
    visited_on = models.DateField(_("走访日期"), db_index=True)
    contact_name = models.CharField(_("接待人"), max_length=40, blank=True)
    product_info = models.TextField(_("产品相关信息"), blank=True)
    market_info = models.TextField(_("市场信息"), blank=True)
    service_quality = models.TextField(_("服务质量"), blank=True)
    needs = models.TextField(_("客户需求和期望"), blank=True)
    follow_up_actions = models.TextField(_("后续跟进措施"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("客户走访报告单")
        verbose_name_plural = _("客户走访报告单")
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.get_kind_display()}"


# ============================================================================================ events
class EventKind(models.TextChoices):
    SYMPOSIUM = "symposium", _("客户座谈会")
    GATHERING = "gathering", _("客户联谊恳谈会")


class EventStatus(models.TextChoices):
    PLANNED = "planned", _("筹备中")
    HELD = "held", _("已举行")
    CANCELLED = "cancelled", _("已取消")


class CustomerEvent(models.Model):
    """客户座谈会 (000 第十三条) / 客户联谊恳谈会 (001 第十四条二)."""

    kind = models.CharField(_("类型"), max_length=10, choices=EventKind.choices)
    title = models.CharField(_("主题"), max_length=100)
    planned_on = models.DateField(_("计划日期"))
    location = models.CharField(_("地点"), max_length=100, blank=True)
    agenda = models.TextField(_("筹备计划/议程"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=EventStatus.choices, default=EventStatus.PLANNED)
    minutes = models.TextField(_("会议记录"), blank=True)
    follow_up_actions = models.TextField(_("改进与跟进措施"), blank=True)
    organiser = models.ForeignKey(USER, verbose_name=_("组织人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("客户座谈会/联谊会")
        verbose_name_plural = _("客户座谈会/联谊会")
        ordering = ["-planned_on"]

    def __str__(self) -> str:
        return self.title


class EventInvitee(models.Model):
    event = models.ForeignKey(CustomerEvent, on_delete=models.CASCADE, related_name="invitees")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE,
                                 related_name="+")
    reason = models.CharField(_("邀请依据"), max_length=100, blank=True)
    attended = models.BooleanField(_("出席"), null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "customer"], name="service_invitee_unique")]

    def __str__(self) -> str:
        return str(self.customer_id)


class GiftStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class GiftRequest(models.Model):
    """赠送礼品须经市场营销部负责人同意 (001 第十四条一)."""

    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="+")
    event = models.ForeignKey(CustomerEvent, verbose_name=_("关联活动"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="gifts")
    item = models.CharField(_("礼品"), max_length=100)
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    reason = models.TextField(_("赠送理由"))
    status = models.CharField(_("状态"), max_length=10, choices=GiftStatus.choices, default=GiftStatus.PENDING)
    requested_by = models.ForeignKey(USER, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.CharField(_("审批意见"), max_length=300, blank=True)
    approval_ref = models.CharField(_("审批单"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("礼品赠送申请")
        verbose_name_plural = _("礼品赠送申请")
        ordering = ["-requested_at"]
        permissions = [("approve_giftrequest", _("审批礼品赠送"))]

    def __str__(self) -> str:
        return f"{self.item} ×{self.quantity}"


# ============================================================================================ surveys
class Questionnaire(models.Model):
    title = models.CharField(_("问卷名称"), max_length=100)
    intro = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("满意度调查问卷")
        verbose_name_plural = _("满意度调查问卷")
        ordering = ["-created_at"]
        permissions = [("manage_survey", _("管理满意度调查"))]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("量表评分")
    CHOICE = "choice", _("单项选择")
    TEXT = "text", _("文字意见")


class Question(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=200)
    scale_min = models.SmallIntegerField(_("最低分"), default=1)
    scale_max = models.SmallIntegerField(_("最高分"), default=5)
    choices = models.JSONField(_("选项"), default=list, blank=True)
    required = models.BooleanField(_("必答"), default=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class RoundTarget(models.TextChoices):
    ALL = "all", _("全部正常客户")
    TOP = "top", _("年度购货业绩前N名")
    LIST = "list", _("指定客户名单")


class SurveyRound(models.Model):
    """一次满意度调查 (000 第十四条: 每年一次; 001 第十三条二: 全年购货业绩前20名)."""

    questionnaire = models.ForeignKey(Questionnaire, verbose_name=_("问卷"), on_delete=models.PROTECT,
                                      related_name="rounds")
    name = models.CharField(_("调查名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    target = models.CharField(_("调查对象"), max_length=10, choices=RoundTarget.choices, default=RoundTarget.ALL)
    top_n = models.PositiveSmallIntegerField(_("前N名"), default=20)
    target_note = models.CharField(_("对象说明"), max_length=200, blank=True)
    closed = models.BooleanField(_("已结束"), default=False)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


def _token() -> str:
    return secrets.token_urlsafe(24)


class SurveyInvitation(models.Model):
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=_token)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "customer"], name="service_invitation_unique")]

    def __str__(self) -> str:
        return self.token[:8]


class SurveyResponse(models.Model):
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="responses")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE,
                                 related_name="+")
    via_link = models.BooleanField(_("客户在线填写"), default=False)
    entered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    respondent = models.CharField(_("填写人"), max_length=40, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "customer"], name="service_response_unique")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.customer_id}"


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    scale_value = models.SmallIntegerField(null=True, blank=True)
    choice = models.CharField(max_length=100, blank=True)
    text = models.TextField(blank=True)


    def __str__(self) -> str:
        return str(self.question_id)
