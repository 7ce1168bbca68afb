"""The dashboard panel and the nav badge: forms due (or overdue) and not yet submitted for the user's unit."""

from __future__ import annotations

from django.utils.translation import gettext as _


def reports_due_badge(user) -> int:
    from kehu.reports.selectors import reports_due

    return sum(1 for r in reports_due(actor=user) if r.overdue or (r.days_left is not None and r.days_left <= 0))


def reports_due_panel(user) -> dict | None:
    from kehu.reports.selectors import reports_due

    items = reports_due(actor=user)
    if not items:
        return None
    return {"title": _("待报送的定期报表"), "template": "reports/_panel_due.html",
            "context": {"items": items[:10], "total": len(items), "unit": items[0].unit}}
