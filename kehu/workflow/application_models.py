"""The generic application with deadlines (003 铁路大客户 第五条至第十一条, 电力大客户 第二节): a customer's
application under a program a pack's `applications` section defines, its eligibility as checked, and one row per
milestone (and per attempt of a repeatable one) with its due date, completion, outcome and validity.

Imported by kehu.workflow.models (kept apart so the approvals' models file stays small)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ApplicationStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    IN_APPROVAL = "in_approval", _("审批中")
    REJECTED = "rejected", _("未获批准")
    COMPLETED = "completed", _("已办结")
    EXPIRED = "expired", _("已失效")


class Application(models.Model):
    pack_name = models.CharField(_("政策包"), max_length=60)
    pack_version = models.CharField(_("政策包版本"), max_length=80)
    program_code = models.CharField(_("申请类型"), max_length=60, db_index=True)
    program_name = models.CharField(_("申请类型名称"), max_length=100)
    article = models.CharField(_("依据条款"), max_length=100)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="applications")
    title = models.CharField(_("标题"), max_length=200)
    received_on = models.DateField(_("受理日期"))
    facts = models.JSONField(_("申请内容"), default=dict)
    eligibility = models.JSONField(_("条件核对"), default=list)
    status = models.CharField(_("状态"), max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.OPEN, db_index=True)
    approval = models.OneToOneField("workflow.Approval", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="application", verbose_name=_("审批"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("受理人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("大客户申请")
        verbose_name_plural = _("大客户申请")
        ordering = ["-received_on", "-id"]
        permissions = [("manage_application", _("受理与办理大客户申请"))]

    def __str__(self) -> str:
        return self.title


class MilestoneStatus(models.TextChoices):
    WAITING = "waiting", _("未开始")
    OPEN = "open", _("待办")
    DONE = "done", _("已完成")
    FAILED = "failed", _("不合格")


class MilestoneOutcome(models.TextChoices):
    NONE = "", _("—")
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")


class ApplicationMilestone(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="milestones")
    code = models.CharField(_("里程碑"), max_length=60)
    name = models.CharField(_("名称"), max_length=120)
    order = models.PositiveSmallIntegerField(_("顺序"))
    attempt = models.PositiveSmallIntegerField(_("次数"), default=1)
    role_code = models.CharField(_("办理角色"), max_length=40, blank=True)
    article = models.CharField(_("依据条款"), max_length=60)
    status = models.CharField(_("状态"), max_length=10, choices=MilestoneStatus.choices,
                              default=MilestoneStatus.WAITING)
    due_on = models.DateField(_("期限"), null=True, blank=True, db_index=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办理人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("结果"), max_length=10, choices=MilestoneOutcome.choices, blank=True)
    fee_due = models.BooleanField(_("收取复验费"), default=False)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    extension_requested_on = models.DateField(_("延期申请日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("申请里程碑")
        verbose_name_plural = _("申请里程碑")
        ordering = ["application", "order", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["application", "code", "attempt"], name="workflow_milestone_attempt"),
            models.CheckConstraint(condition=Q(attempt__gte=1), name="workflow_milestone_attempt_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.name}" + (f"（第{self.attempt}次）" if self.attempt > 1 else "")

    @property
    def is_overdue(self) -> bool:
        return self.status in (MilestoneStatus.WAITING, MilestoneStatus.OPEN) and self.due_on is not None and \
            self.due_on < timezone.localdate()
