"""Dashboard panels: approvals waiting for the user, qualifications that expire soon (000 第十五条)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.workflow.selectors import steps_waiting_for


def waiting_panel(user):
    steps = list(steps_waiting_for(user)[:8])
    if not steps:
        return None
    return {"title": _("待我审批"), "template": "workflow/panels/waiting.html",
            "context": {"steps": steps, "now": timezone.now()}}
