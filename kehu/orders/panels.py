"""Dashboard panel: inquiries not answered within their deadline (003 一、6: 24 小时内予以答复)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def inquiries_panel(user) -> dict | None:
    if not user.has_perm("orders.view_inquiry"):
        return None
    from kehu.orders.selectors import inquiry_list

    overdue = inquiry_list(actor=user, overdue_only=True)
    items = list(overdue[:8])
    if not items:
        return None
    return {"title": _("询价及函电逾期未答复"), "template": "orders/_panel_inquiries.html",
            "context": {"items": items, "total": overdue.count()}}
