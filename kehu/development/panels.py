"""Home-page panels and the nav badge: pool reminders for a 客户经理, plans due for a department head."""

from __future__ import annotations

from django.utils.translation import gettext as _


def today_badge(user) -> int:
    from kehu.development.selectors import pool_reminders_for

    if not user.has_perm("development.claim_pool_customer"):
        return 0
    return len(pool_reminders_for(actor=user))


def pool_panel(user) -> dict | None:
    if not user.has_perm("development.claim_pool_customer"):
        return None
    from kehu.development.selectors import pool_reminders_for

    warnings = pool_reminders_for(actor=user)
    if not warnings:
        return None
    return {"title": _("即将退回公海的客户"), "template": "development/_panel_pool.html",
            "context": {"warnings": warnings[:8], "total": len(warnings)}}


def plans_panel(user) -> dict | None:
    if not user.has_perm("development.add_developmentplan"):
        return None
    from kehu.development.selectors import plans_due

    due = plans_due(actor=user)
    if not due:
        return None
    return {"title": _("待编制的开发计划"), "template": "development/_panel_plans.html", "context": {"due": due}}
