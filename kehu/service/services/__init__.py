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
from kehu.service.services.events import (
    event_create,
    event_invite,
    event_record,
    gift_request_decide,
    gift_request_submit,
)
from kehu.service.services.surveys import (
    question_add,
    questionnaire_create,
    survey_response_by_token,
    survey_response_enter,
    survey_round_close,
    survey_round_create,
)
from kehu.service.services.visits import (
    visit_plan_generate,
    visit_plan_item_add,
    visit_plan_item_delete,
    visit_plan_item_update,
    visit_report_create,
)

__all__ = [
    "complaint_assign", "complaint_attachment_add", "complaint_escalate", "complaint_extension_decide",
    "complaint_extension_request", "complaint_follow_up", "complaint_investigate", "complaint_meeting_record",
    "complaint_pause", "complaint_register", "complaint_resolve", "complaint_resume",
    "event_create", "event_invite", "event_record", "gift_request_decide", "gift_request_submit",
    "question_add", "questionnaire_create", "survey_response_by_token", "survey_response_enter",
    "survey_round_close", "survey_round_create",
    "visit_plan_generate", "visit_plan_item_add", "visit_plan_item_delete", "visit_plan_item_update",
    "visit_report_create",
]
