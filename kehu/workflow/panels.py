"""Dashboard panels: approvals waiting for the user, qualifications that expire soon (000 第十五条)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.workflow.selectors import qualifications_expiring, steps_waiting_for


def waiting_panel(user):
    steps = list(steps_waiting_for(user)[:8])
    if not steps:
        return None
    return {"title": _("待我审批"), "template": "workflow/panels/waiting.html",
            "context": {"steps": steps, "now": timezone.now()}}


def expiring_panel(user):
    if not user.has_perm("customers.view_customer"):
        return None
    today = timezone.localdate()
    rows = list(qualifications_expiring(actor=user, today=today, days=30)[:10])
    if not rows:
        return None
    return {"title": _("资质即将到期（30天内）"), "template": "workflow/panels/expiring.html",
            "context": {"rows": [(q, (q.expires_on - today).days) for q in rows]}}
