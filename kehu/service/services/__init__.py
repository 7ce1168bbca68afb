"""Writes for customer service. Import from here: `from kehu.service.services import ...`."""

from kehu.service.services.complaints import (
    complaint_assign,
    complaint_attachment_add,
    complaint_escalate,
    complaint_extension_decide,
    complaint_extension_request,
    complaint_follow_up,
    complaint_investigate,
    complaint_meeting_record,
    complaint_pause,
    complaint_register,
    complaint_resolve,
    complaint_resume,
)

__all__ = [
    "complaint_assign",
    "complaint_attachment_add",
    "complaint_escalate",
    "complaint_extension_decide",
    "complaint_extension_request",
    "complaint_follow_up",
    "complaint_investigate",
    "complaint_meeting_record",
    "complaint_pause",
    "complaint_register",
    "complaint_resolve",
    "complaint_resume",
]

from kehu.service.services.visits import (
    visit_plan_generate,
    visit_plan_item_add,
    visit_plan_item_delete,
    visit_plan_item_update,
    visit_report_create,
)

__all__ += [
    "visit_plan_generate",
    "visit_plan_item_add",
    "visit_plan_item_delete",
    "visit_plan_item_update",
    "visit_report_create",
]
