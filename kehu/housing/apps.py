from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

VIEW = ("housing.view_housing",)
APPROVER = (*VIEW, "housing.view_unapproved_price", "housing.view_cost")


def _roles():
    """The bodies 003 大客户委托建房管理制度 names that the standard roles lack (pack org.roles → system_role)."""
    from kehu.org.models import DataScope
    from kehu.org.roles import RoleSpec

    return (
        RoleSpec("housing_clerk", "大客户部业务员", DataScope.ALL,
                 (*VIEW, "housing.manage_commissioning", "housing.view_unapproved_price", "housing.issue_ticket",
                  "housing.issue_voucher", "housing.manage_relation", "housing.view_buyer_id"),
                 "委建房单位销售控制、选房工作票与选房凭证（003 委建房 三、九）"),
        RoleSpec("marketing_director", "营销总监", DataScope.ALL, APPROVER, "审批委建房价格与房源（七、(三)4；八、3）"),
        RoleSpec("finance_director", "财务总监", DataScope.ALL, (*APPROVER, "housing.issue_financing_target"),
                 "审批委建房价格与房源（七、(三)4；八、3）"),
        RoleSpec("project_gm", "项目总经理", DataScope.ALL, (*APPROVER, "housing.manage_project"),
                 "审批委建房价格与房源（七、(三)4；八、3）"),
        RoleSpec("chairman", "董事长", DataScope.ALL, APPROVER, "审批委建单位选定与价格（四、六、七）"),
        RoleSpec("audit_legal", "审计法务部", DataScope.ALL,
                 (*VIEW, "housing.check_buyer_audit", "housing.review_annex", "housing.view_buyer_id"),
                 "审查购房名单、复核选房明细（九、(二)1、5）"),
        RoleSpec("retail_sales", "营销中心（零售）", DataScope.ALL, (*VIEW, "housing.sell_retail"),
                 "在同一张楼盘控制表内零售（二、(3)）"),
        RoleSpec("commissioner_staff", "委建房工作小组", DataScope.OWN, VIEW,
                 "委建单位的选房工作小组：只见已批复的价格（七、(三)6；九、(一)1）"),
    )


class HousingConfig(AppConfig):
    name = "kehu.housing"
    label = "housing"
    verbose_name = _("委托建房")

    def ready(self) -> None:
        from kehu.core.demo import DemoLoader, register_demo_loader
        from kehu.core.navigation import NavItem, register_nav
        from kehu.org.roles import register_role, register_role_permissions

        for spec in _roles():
            register_role(spec)
        register_role_permissions("finance_reviewer", (*VIEW, "housing.check_buyer_finance", "housing.review_ticket",
                                                       "housing.issue_receipt", "housing.issue_financing_target",
                                                       "housing.view_unapproved_price", "housing.view_buyer_id"))
        register_role_permissions("general_manager", APPROVER)
        register_role_permissions("sysadmin", (*VIEW, "housing.manage_project"))
        register_nav(NavItem("housing", str(_("委建房")), "housing:project_list", 70, "housing.view_housing"))

        from kehu.housing.services import register_kinds

        register_kinds()
        from kehu.housing.demo import load_demo

        register_demo_loader(DemoLoader("housing", 70, load_demo))
