from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

VIEW = ("reports.view_reportsubmission",)
SUBMIT = (*VIEW, "reports.submit_report", "reports.correct_report")


class ReportsConfig(AppConfig):
    name = "kehu.reports"
    label = "reports"
    verbose_name = _("定期报表")

    def ready(self) -> None:
        from kehu.core.dashboard import Panel, register_panel
        from kehu.core.navigation import NavItem, register_nav
        from kehu.org.roles import register_role_permissions
        from kehu.reports.definitions import register_all
        from kehu.reports.panels import reports_due_badge, reports_due_panel

        register_all()
        # 002 6.6.3 / 003 第八条: the managing departments compile and hand in the forms; account managers read
        # their own customers' figures.
        register_role_permissions("account_manager", VIEW)
        register_role_permissions("staff", VIEW)
        register_role_permissions("dept_manager", SUBMIT)
        register_role_permissions("sales_reviewer", VIEW)
        register_role_permissions("finance_reviewer", VIEW)
        register_role_permissions("general_manager", SUBMIT)
        register_role_permissions("marketing_head", SUBMIT)
        register_role_permissions("sysadmin", (*SUBMIT, "reports.manage_report_settings"))
        register_nav(NavItem("reports", _("定期报表"), "reports:report_list", order=65,
                             permission="reports.view_reportsubmission", badge=reports_due_badge))
        register_panel(Panel("reports-due", 15, reports_due_panel))
