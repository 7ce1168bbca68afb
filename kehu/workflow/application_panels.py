"""Dashboard panel: milestones of big-client applications overdue or due within five days (003 铁路/电力大客户)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _


def applications_panel(user) -> dict | None:
    if not user.has_perm("workflow.view_application"):
        return None
    from kehu.customers.selectors import customer_queryset_for_actor
    from kehu.workflow.application_models import ApplicationMilestone, MilestoneStatus

    today = timezone.localdate()
    rows = list(ApplicationMilestone.objects.filter(
        status__in=[MilestoneStatus.OPEN, MilestoneStatus.WAITING], due_on__lte=today + timedelta(days=5),
        application__customer__in=customer_queryset_for_actor(user))
        .select_related("application__customer").order_by("due_on")[:8])
    if not rows:
        return None
    return {"title": _("大客户申请办理期限"), "template": "workflow/_panel_applications.html",
            "context": {"rows": rows, "today": today}}
