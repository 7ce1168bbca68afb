from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

PROSPECT_WORK = ("development.view_prospect", "development.add_prospect", "development.change_prospect",
                 "development.convert_prospect", "development.view_prospectsurvey")
PLAN_VIEW = ("development.view_developmentplan", "development.view_progressreport",
             "development.view_keyaccountteam")
PLAN_WORK = ("development.add_developmentplan", "development.change_developmentplan",
             "development.add_keyaccountteam", *PLAN_VIEW)
POOL_WORK = ("development.claim_pool_customer", "development.release_pool_customer", "development.view_poolentry")


class DevelopmentConfig(AppConfig):
    name = "kehu.development"
    label = "development"
    verbose_name = _("客户开发")

    def ready(self) -> None:
        from kehu.core.dashboard import Panel, register_panel
        from kehu.core.navigation import NavItem, register_nav
        from kehu.customers.selectors import register_visibility
        from kehu.development import panels
        from kehu.org.models import DataScope
        from kehu.org.roles import RoleSpec, register_role, register_role_permissions
        from kehu.workflow.services import KindSpec, register_kind

        # 002 5.1 / 6.5.3: 加管处 receives and reviews the units' monthly development plans.
        register_role(RoleSpec(
            "station_mgmt", "加管处客户管理岗", DataScope.ALL,
            ("customers.view_customer", "development.view_prospect", "development.view_prospectsurvey",
             *PLAN_VIEW), "零售客户管理归口部门：审核所属单位的月度开发计划（002 5.1、6.5.3）"))
        register_role_permissions("account_manager", (*PROSPECT_WORK, *POOL_WORK, "development.view_developmentplan",
                                                      "development.add_progressreport",
                                                      "development.view_progressreport"))
        register_role_permissions("dept_manager", (*PROSPECT_WORK, *PLAN_WORK, *POOL_WORK,
                                                   "development.add_progressreport"))
        register_role_permissions("general_manager", ("development.view_prospect", "development.add_keyaccountteam",
                                                      *PLAN_VIEW))
        register_role_permissions("marketing_head", ("development.view_prospect", *PLAN_VIEW))
        register_role_permissions("sysadmin", ("development.view_prospect", "development.view_developmentplan",
                                               "development.view_poolentry"))

        register_nav(NavItem("today", _("今日工作"), "development:dashboard", order=5,
                             permission="development.view_developmentplan", badge=panels.today_badge))
        register_nav(NavItem("development", _("客户开发"), "development:prospect_list", order=44,
                             permission="development.view_prospect"))
        register_nav(NavItem("pool", _("公海"), "development:pool", order=46,
                             permission="development.claim_pool_customer"))
        register_panel(Panel("pool-reminders", 25, panels.pool_panel))
        register_panel(Panel("development-plans", 35, panels.plans_panel))

        from kehu.development.services import on_plan_approval_event
        from kehu.development.services.pool import claimable_q

        register_kind("development_plan", KindSpec(
            on_event=on_plan_approval_event,
            url=lambda approval: reverse("development:plan_detail", args=[approval.object_id])))

        def pool_visibility_q(actor):
            """Whoever may claim from a pool may open the archives in it before claiming."""
            from django.db.models import Q

            return claimable_q(actor) if actor.has_perm("development.claim_pool_customer") else Q(pk__in=[])

        register_visibility(pool_visibility_q)

        from kehu.core.demo import DemoLoader, register_demo_loader
        from kehu.development.demo import development_demo_load

        register_demo_loader(DemoLoader("development", 40, development_demo_load))
