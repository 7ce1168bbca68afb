"""Periodic reports as submitted: each submission is a frozen copy of the form's figures.

A report is computed on read (kehu.reports.selectors); submitting it stores what was computed, so a later change
of the archive, the sales data or the grades never alters a report already handed in. A correction is a new
version beside the old one; the old one is kept, marked as superseded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ReportSubmission(models.Model):
    report_code = models.CharField(_("报表"), max_length=60)
    period = models.CharField(_("期间"), max_length=10)
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("填报单位"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_current = models.BooleanField(_("现行版本"), default=True)
    # The frozen form: tables (columns, header rows, rows, totals, notes) and meta, as computed when submitted.
    data = models.JSONField(_("报表内容"), default=dict)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    due_on = models.DateField(_("报送期限"), null=True, blank=True)
    is_late = models.BooleanField(_("逾期提交"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    correction_reason = models.TextField(_("更正原因"), blank=True)
    supersedes = models.OneToOneField(
        "self", verbose_name=_("更正的版本"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    pack_version = models.CharField(_("政策包版本"), max_length=64, blank=True)

    history = HistoricalRecords(excluded_fields=["data"])

    class Meta:
        verbose_name = _("已提交报表")
        verbose_name_plural = _("已提交报表")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["report_code", "period", "unit", "version"],
                                    name="reports_submission_version_unique"),
            # One current version per form, period and unit: two people submitting at once cannot both win.
            models.UniqueConstraint(fields=["report_code", "period", "unit"], condition=models.Q(is_current=True),
                                    name="reports_submission_one_current"),
        ]
        indexes = [models.Index(fields=["unit", "report_code", "period"], name="reports_sub_unit_code_period")]
        permissions = [
            ("submit_report", _("提交定期报表")),
            ("correct_report", _("更正已提交的报表（生成新版本）")),
            ("manage_report_settings", _("启用或停用定期报表")),
        ]

    def __str__(self) -> str:
        return f"{self.report_code} {self.period} v{self.version}"


class ReportSetting(models.Model):
    """Whether a company files a form. Forms of a policy pack follow the pack's activation unless an
    administrator decided otherwise; forms without a pack (003 集团公司) are filed once an administrator enables
    them."""

    report_code = models.CharField(_("报表"), max_length=60, unique=True)
    enabled = models.BooleanField(_("启用"), default=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("设置人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("设置时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("报表启用设置")
        verbose_name_plural = _("报表启用设置")
        ordering = ["report_code"]

    def __str__(self) -> str:
        return f"{self.report_code}: {self.enabled}"
