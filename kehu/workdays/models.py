"""Working-day calendar overrides entered by an administrator.

chinesecalendar knows China's public holidays and make-up working days (调休) for the years it was released
with; this table holds what it does not know: next year's State Council notice before a library release,
and company-specific days (a plant shutdown, a company holiday).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """One day whose working status differs from what the library (or the weekend rule) says."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=60, blank=True,
                            help_text=_("例如：国庆节、国庆调休上班、公司检修停工"))
    note = models.CharField(_("备注"), max_length=200, blank=True, help_text=_("依据，例如国务院办公厅通知文号"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("维护人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("维护时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历调整日")
        verbose_name_plural = _("日历调整日")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("工作日") if self.is_working_day else _("休息日")
        return f"{self.date:%Y-%m-%d} {kind} {self.name}".strip()


class CalendarYear(models.Model):
    """A year the administrator has entered completely (all holidays and make-up days), so it may be used
    even where the library does not know it. A year not marked complete is never guessed from weekends."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    complete = models.BooleanField(_("已完整录入"), default=False,
                                   help_text=_("勾选后，该年份按“周一至周五上班 + 本表调整日”计算工作日"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("维护人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("维护时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历年份")
        verbose_name_plural = _("日历年份")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"
