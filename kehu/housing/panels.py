"""Dashboard panel: 关系房 approved by phone whose paperwork is due (十二、(一): 5 working days), late ones first."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _


def relation_paperwork_panel(user) -> dict | None:
    if not user.has_perm("housing.manage_relation"):
        return None
    from kehu.housing.models import ApprovalMode, RelationRequest

    rows = list(RelationRequest.objects.filter(mode=ApprovalMode.PHONE, paperwork_done_on__isnull=True)
                .select_related("project", "handler").order_by("paperwork_due")[:8])
    if not rows:
        return None
    return {"title": _("关系房待补齐手续"), "template": "housing/_panel_paperwork.html",
            "context": {"rows": rows, "today": timezone.localdate()}}
