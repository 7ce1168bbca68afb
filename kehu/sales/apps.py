from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

VIEW_PERMS = ("sales.view_pickup", "sales.view_payment", "sales.view_receivable", "sales.view_demandplan",
              "sales.view_product", "sales.view_productgroup", "sales.view_warehouse")


class SalesConfig(AppConfig):
    name = "kehu.sales"
    label = "sales"
    verbose_name = _("销售数据")

    def ready(self) -> None:
        from kehu.core.navigation import NavItem, register_nav
        from kehu.org.roles import register_role_permissions

        register_nav(NavItem("sales", str(_("销售数据")), "sales:pickup_list", 40, "sales.view_pickup"))
        register_role_permissions("account_manager", (*VIEW_PERMS, "sales.add_demandplan", "sales.export_pickup"))
        register_role_permissions("dept_manager", (*VIEW_PERMS, "sales.add_demandplan", "sales.export_pickup",
                                                   "sales.add_pickup", "sales.import_pickup"))
        register_role_permissions("sales_reviewer", (*VIEW_PERMS, "sales.add_pickup", "sales.import_pickup",
                                                     "sales.export_pickup"))
        register_role_permissions("finance_reviewer", (*VIEW_PERMS, "sales.add_pickup", "sales.import_pickup",
                                                       "sales.export_pickup", "sales.add_payment",
                                                       "sales.add_receivable", "sales.import_finance"))
        register_role_permissions("general_manager", (*VIEW_PERMS, "sales.export_pickup"))
        register_role_permissions("marketing_head", (*VIEW_PERMS, "sales.export_pickup"))
        register_role_permissions("sysadmin", (*VIEW_PERMS, "sales.add_product", "sales.change_product",
                                               "sales.add_productgroup", "sales.add_warehouse",
                                               "sales.change_warehouse", "sales.import_pickup",
                                               "sales.import_finance"))
