"""Dashboard panels and the nav badge: complaints due today / overdue, overdue visits."""

from __future__ import annotations

from django.utils.translation import gettext as _


def complaint_badge(user) -> int:
    if not user.has_perm("service.view_complaint"):
        return 0
    from kehu.service.selectors import complaint_counts

    counts = complaint_counts(actor=user)
    return counts["overdue"] + counts["due_today"]


def complaints_panel(user) -> dict | None:
    if not user.has_perm("service.view_complaint"):
        return None
    from kehu.service.selectors import ComplaintFilters, complaint_counts, complaint_list

    counts = complaint_counts(actor=user)
    if not (counts["open"] or counts["awaiting_follow_up"]):
        return None
    urgent = list(complaint_list(actor=user, filters=ComplaintFilters(view="overdue"))[:5]) + list(
        complaint_list(actor=user, filters=ComplaintFilters(view="due_today"))[:5])
    return {"title": _("客户投诉"), "template": "service/_panel_complaints.html",
            "context": {"counts": counts, "urgent": urgent[:8]}}


def visits_panel(user) -> dict | None:
    if not user.has_perm("service.view_visitplan"):
        return None
    from kehu.service.selectors import visit_overdue_items

    items = visit_overdue_items(actor=user)
    total = len(items)
    if not total:
        return None
    return {"title": _("逾期未走访"), "template": "service/_panel_visits.html",
            "context": {"items": items[:8], "total": total}}
