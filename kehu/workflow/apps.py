from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ROLE_PERMISSIONS = {
    "account_manager": ("workflow.add_admissionapplication", "workflow.add_accessrequest",
                        "workflow.add_disqualificationrequest"),
    "dept_manager": ("workflow.add_admissionapplication", "workflow.add_accessrequest",
                     "workflow.add_disqualificationrequest", "workflow.add_agencylicence",
                     "workflow.add_leveltransferrequest"),
    "sales_reviewer": ("workflow.add_accessrequest", "workflow.add_disqualificationrequest",
                       "workflow.add_agencylicence", "workflow.view_all_approvals",
                       "workflow.add_leveltransferrequest"),
    "finance_reviewer": ("workflow.add_accessrequest",),
    "general_manager": ("workflow.add_accessrequest", "workflow.override_blocklist", "workflow.view_all_approvals",
                        "workflow.add_leveltransferrequest"),
    "marketing_head": ("workflow.add_accessrequest", "workflow.view_all_approvals",
                       "workflow.add_leveltransferrequest"),
    "qc": ("workflow.add_accessrequest",),
    "staff": ("workflow.add_accessrequest",),
    "sysadmin": ("workflow.view_all_approvals",),
}


class WorkflowConfig(AppConfig):
    name = "kehu.workflow"
    label = "workflow"
    verbose_name = _("审批与客户生命周期")

    def ready(self) -> None:
        from kehu.core.dashboard import Panel, register_panel
        from kehu.core.navigation import NavItem, register_nav
        from kehu.customers.selectors import register_visibility
        from kehu.org.roles import register_role_permissions
        from kehu.workflow import panels
        from kehu.workflow.models import ApprovalKind
        from kehu.workflow.selectors import nav_badge
        from kehu.workflow.services.access import access_targets, access_url, access_visibility_q, on_access_event
        from kehu.workflow.services.admission import admission_url, on_admission_event
        from kehu.workflow.services.approvals import KindSpec, register_kind
        from kehu.workflow.services.disqualification import disqualification_url, on_disqualification_event
        from kehu.workflow.services.level_transfer import (
            level_transfer_targets,
            level_transfer_url,
            on_level_transfer_event,
        )

        register_kind(ApprovalKind.ADMISSION, KindSpec(on_event=on_admission_event, url=admission_url))
        register_kind(ApprovalKind.ARCHIVE_ACCESS,
                      KindSpec(targets=access_targets, on_event=on_access_event, url=access_url))
        register_kind(ApprovalKind.DISQUALIFICATION,
                      KindSpec(on_event=on_disqualification_event, url=disqualification_url))
        register_kind(ApprovalKind.LEVEL_TRANSFER,
                      KindSpec(targets=level_transfer_targets, on_event=on_level_transfer_event,
                               url=level_transfer_url))
        register_visibility(access_visibility_q)
        from kehu.customers.services import register_qualification_verified_hook
        from kehu.workflow.services.expiry import qualification_renewal_check

        register_qualification_verified_hook(qualification_renewal_check)
        from kehu.workflow.services.applications import register as register_applications

        register_applications()
        for role, perms in ROLE_PERMISSIONS.items():
            register_role_permissions(role, perms)
        register_nav(NavItem("approvals", str(_("审批")), "workflow:inbox", order=60, badge=nav_badge))
        register_panel(Panel("workflow_waiting", 10, panels.waiting_panel))
