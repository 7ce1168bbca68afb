"""Writes for approvals and the customer lifecycle. Import from here: `from kehu.workflow.services import ...`."""

from kehu.workflow.services.access import access_grants_expire, access_request_submit, access_visibility_q
from kehu.workflow.services.admission import (
    admission_apply,
    admission_blocklist_override,
    admission_submit,
    admission_update,
)
from kehu.workflow.services.approvals import (
    KindSpec,
    StepTarget,
    approval_resubmit,
    approval_step_decide,
    approval_submit,
    approval_withdraw,
    delegation_cancel,
    delegation_create,
    register_kind,
    step_delegate,
)
from kehu.workflow.services.disqualification import disqualification_request_submit
from kehu.workflow.services.expiry import qualification_expiry_run, qualification_renewal_check
from kehu.workflow.services.level_transfer import level_transfer_request_submit
from kehu.workflow.services.licences import agency_licence_issue, agency_licence_revoke
from kehu.workflow.services.notifications import notification_mark_read, notify
from kehu.workflow.services.overdue import approval_overdue_run

__all__ = [
    "KindSpec",
    "StepTarget",
    "access_grants_expire",
    "access_request_submit",
    "access_visibility_q",
    "admission_apply",
    "admission_blocklist_override",
    "admission_submit",
    "admission_update",
    "agency_licence_issue",
    "agency_licence_revoke",
    "approval_overdue_run",
    "approval_resubmit",
    "approval_step_decide",
    "approval_submit",
    "approval_withdraw",
    "delegation_cancel",
    "delegation_create",
    "disqualification_request_submit",
    "level_transfer_request_submit",
    "notification_mark_read",
    "notify",
    "qualification_expiry_run",
    "qualification_renewal_check",
    "register_kind",
    "step_delegate",
]
