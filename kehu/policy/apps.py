from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

VIEW_PERMS = ("policy.view_gradeassignment", "policy.view_currentgrade", "policy.view_gradeoverride")


class PolicyConfig(AppConfig):
    name = "kehu.policy"
    label = "policy"
    verbose_name = _("政策包与分级")

    def ready(self) -> None:
        from kehu.core.dashboard import Panel, register_panel
        from kehu.core.navigation import NavItem, register_nav
        from kehu.org.roles import register_role_permissions
        from kehu.policy import tasks  # noqa: F401 - registers the monthly regrade job
        from kehu.policy.views import movers_panel

        register_nav(NavItem("policy", _("分级"), "policy:movers", 30, "policy.view_gradeassignment"))
        register_panel(Panel("policy.movers", 30, movers_panel))
        register_role_permissions("account_manager", VIEW_PERMS)
        register_role_permissions("dept_manager", (*VIEW_PERMS, "policy.set_classification"))
        register_role_permissions("sales_reviewer", (*VIEW_PERMS, "policy.set_classification"))
        register_role_permissions("general_manager", (*VIEW_PERMS, "policy.override_grade"))
        register_role_permissions("marketing_head", (*VIEW_PERMS, "policy.override_grade",
                                                     "policy.set_classification"))
        register_role_permissions("sysadmin", (*VIEW_PERMS, "policy.manage_packs", "policy.run_regrade",
                                               "policy.view_regraderun", "policy.override_grade",
                                               "policy.set_classification", "policy.view_adminvalue"))
