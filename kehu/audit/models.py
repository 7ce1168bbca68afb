"""The audit trail's own record: every export of it (who, when, which filter, how many rows)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class AuditExport(models.Model):
    """One export of the audit trail. Kept, like the trail itself, for the retention period and never edited."""

    at = models.DateTimeField(_("导出时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导出人"), on_delete=models.PROTECT,
                              related_name="+")
    date_from = models.DateField(_("起始日期"))
    date_to = models.DateField(_("截止日期"))
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    kinds = models.JSONField(_("记录类别"), default=list)
    file_format = models.CharField(_("格式"), max_length=10, choices=AuditExportFormat.choices)
    row_count = models.PositiveIntegerField(_("行数"))
    request_id = models.CharField(_("请求编号"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("审计记录导出")
        verbose_name_plural = _("审计记录导出")
        ordering = ["-at", "-id"]
        permissions = [("export_audit_trail", _("导出审计记录（修改记录、查阅记录、档案事件）"))]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.date_from}–{self.date_to}"
