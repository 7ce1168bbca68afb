from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

COMPLAINT_WORK = ("service.view_complaint", "service.add_complaint", "service.change_complaint")
VISIT_WORK = ("service.view_visitplan", "service.add_visitplan", "service.change_visitplan",
              "service.view_visitreport", "service.add_visitreport")
EVENT_VIEW = ("service.view_customerevent", "service.view_giftrequest", "service.add_giftrequest")
SURVEY_ENTRY = ("service.view_surveyround", "service.add_surveyresponse")
SURVEY_ADMIN = ("service.manage_survey", "service.view_questionnaire", *SURVEY_ENTRY)
EVENT_ADMIN = ("service.add_customerevent", "service.change_customerevent", *EVENT_VIEW)


class ServiceConfig(AppConfig):
    name = "kehu.service"
    label = "service"
    verbose_name = _("客户服务")

    def ready(self) -> None:
        from kehu.core.dashboard import Panel, register_panel
        from kehu.core.navigation import NavItem, register_nav
        from kehu.org.roles import register_role_permissions
        from kehu.service.panels import complaint_badge, complaints_panel, visits_panel

        register_role_permissions("account_manager", (*COMPLAINT_WORK, *VISIT_WORK, *EVENT_VIEW, *SURVEY_ENTRY))
        register_role_permissions("dept_manager", (*COMPLAINT_WORK, *VISIT_WORK, *EVENT_ADMIN, *SURVEY_ADMIN,
                                                   "service.approve_complaint_extension"))
        register_role_permissions("qc", COMPLAINT_WORK)
        register_role_permissions("staff", ("service.view_complaint", "service.view_visitreport"))
        register_role_permissions("general_manager", (*COMPLAINT_WORK, "service.approve_complaint_extension",
                                                      "service.record_complaint_meeting", *EVENT_VIEW,
                                                      "service.view_visitplan", "service.view_visitreport",
                                                      "service.view_surveyround"))
        register_role_permissions("marketing_head", (*COMPLAINT_WORK, *VISIT_WORK, *EVENT_ADMIN, *SURVEY_ADMIN,
                                                     "service.approve_complaint_extension",
                                                     "service.record_complaint_meeting",
                                                     "service.approve_giftrequest"))
        register_role_permissions("sysadmin", ("service.view_complaint", "service.view_visitplan",
                                               "service.view_surveyround"))

        register_nav(NavItem("complaints", _("投诉"), "service:complaint_list", order=50,
                             permission="service.view_complaint", badge=complaint_badge))
        register_nav(NavItem("visits", _("走访"), "service:visit_plan", order=55, permission="service.view_visitplan"))
        register_nav(NavItem("surveys", _("满意度调查"), "service:survey_list", order=60,
                             permission="service.view_surveyround"))
        register_panel(Panel("complaints-due", 20, complaints_panel))
        register_panel(Panel("visits-overdue", 30, visits_panel))

        from kehu.service.services.events import on_gift_approval_event
        from kehu.workflow.services import KindSpec, register_kind

        register_kind("gift", KindSpec(on_event=on_gift_approval_event,
                                       url=lambda approval: reverse("service:gift_list")))

        from kehu.service.services.complaints import EXTENSION_KIND, extension_targets, on_extension_approval_event

        # 000 第十二条(三): 特殊情况经各级主管领导批准 — the pack's `complaint_extension` chain.
        register_kind(EXTENSION_KIND, KindSpec(
            targets=extension_targets, on_event=on_extension_approval_event,
            url=lambda approval: reverse("service:complaint_detail", args=[approval.object_id])))
