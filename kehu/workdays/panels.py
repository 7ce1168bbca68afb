"""The administrator warning: years (this year, next year) with no calendar data."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kehu.workdays.calendar import years_missing


def missing_years_panel(user) -> dict | None:
    if not (user.is_superuser or user.has_perm("workdays.change_calendarday")):
        return None
    missing = years_missing()
    if not missing:
        return None
    return {"title": _("工作日历缺少年份数据"), "template": "workdays/_panel_missing.html",
            "context": {"years": missing}}
