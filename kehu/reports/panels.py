"""The dashboard panel: forms due (or overdue) and not yet submitted for the user's unit.

No nav badge: working out what is due costs five queries (settings, active packs, submissions, the packs' due days),
which every page would pay; the dashboard shows the same list."""

from __future__ import annotations

from django.utils.translation import gettext as _


def reports_due_panel(user) -> dict | None:
    from kehu.reports.selectors import reports_due

    items = reports_due(actor=user)
    if not items:
        return None
    return {"title": _("待报送的定期报表"), "template": "reports/_panel_due.html",
            "context": {"items": items[:10], "total": len(items), "unit": items[0].unit}}
