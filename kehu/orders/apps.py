from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ORDER_VIEW = ("orders.view_order", "orders.view_creditprofile", "orders.view_pricelist", "orders.view_inquiry")
ORDER_ENTRY = (*ORDER_VIEW, "orders.add_order", "orders.add_inquiry", "orders.change_inquiry")
ALLOCATION_VIEW = ("orders.view_allocation", "orders.view_productionplan")
PLANNER_PERMS = (
    "customers.view_customer", *ORDER_VIEW, "orders.view_order_queue", *ALLOCATION_VIEW, "orders.run_allocation",
    "orders.add_productionplan", "orders.change_productionplan", "sales.view_demandplan", "sales.view_pickup",
    "sales.view_product", "sales.view_productgroup",
)


class OrdersConfig(AppConfig):
    name = "kehu.orders"
    label = "orders"
    verbose_name = _("订单与信用")

    def ready(self) -> None:
        from kehu.core.dashboard import Panel, register_panel
        from kehu.core.navigation import NavItem, register_nav
        from kehu.orders.services.credit import (
            credit_change_url,
            credit_terms_after_settlement,
            on_credit_change_event,
        )
        from kehu.orders.services.orders import (
            on_order_approval_event,
            order_approval_url,
            shape_over_limit,
            shape_submitter_steps,
        )
        from kehu.org.models import DataScope
        from kehu.org.roles import RoleSpec, register_role, register_role_permissions
        from kehu.sales.services import register_settlement_listener
        from kehu.workflow.services import KindSpec, register_kind

        # 003 客户分级管理制度 一、5 (B类视生产状况决定是否接受插单) and 订单流程 3.1 (订单主管部门): the planner.
        register_role(RoleSpec("planner", "计划员", DataScope.ALL, PLANNER_PERMS,
                               "订单排产、插单、资源量分配（003 一、5；000 第十条）"))
        register_role_permissions("account_manager", (*ORDER_ENTRY, "orders.view_allocation"))
        register_role_permissions("dept_manager", (*ORDER_ENTRY, "orders.release_order", "orders.deliver_order",
                                                   "orders.view_order_queue", *ALLOCATION_VIEW))
        register_role_permissions("sales_reviewer", (*ORDER_VIEW, "orders.release_order", "orders.deliver_order",
                                                     "orders.view_order_queue", *ALLOCATION_VIEW))
        register_role_permissions("finance_reviewer", (*ORDER_VIEW, "orders.manage_credit", "orders.restore_terms",
                                                       "orders.manage_prices", "orders.add_pricelist"))
        register_role_permissions("general_manager", (*ORDER_VIEW, "orders.view_order_queue", *ALLOCATION_VIEW))
        register_role_permissions("marketing_head", (*ORDER_VIEW, "orders.view_order_queue", *ALLOCATION_VIEW,
                                                     "orders.manage_prices", "orders.add_pricelist"))
        register_role_permissions("sysadmin", ("orders.view_order", "orders.view_pricelist", "orders.manage_prices",
                                               "orders.add_pricelist"))

        order_url = order_approval_url
        for kind in ("order_discount", "order_review", "order_strict_review", "rush_order"):
            register_kind(kind, KindSpec(on_event=on_order_approval_event, url=order_url,
                                         shape_chain=shape_submitter_steps))
        register_kind("credit_over_limit", KindSpec(on_event=on_order_approval_event, url=order_url,
                                                    shape_chain=shape_over_limit))
        for kind in ("credit_rating_change", "credit_limit"):
            register_kind(kind, KindSpec(on_event=on_credit_change_event, url=credit_change_url,
                                         shape_chain=shape_submitter_steps))
        register_settlement_listener(credit_terms_after_settlement)

        register_nav(NavItem("orders", _("订单"), "orders:order_list", order=45, permission="orders.view_order"))
        register_nav(NavItem("allocation", _("资源分配"), "orders:allocation_list", order=47,
                             permission="orders.view_allocation"))
        from kehu.customers.tabs import ArchiveTab, register_archive_tab

        register_archive_tab(ArchiveTab("orders", _("订单与信用"), "orders:customer_orders_tab", 70,
                                        permission="orders.view_order"))
        from kehu.orders.panels import inquiries_panel

        register_panel(Panel("inquiries-overdue", 25, inquiries_panel))
        from kehu.core.demo import DemoLoader, register_demo_loader
        from kehu.orders.demo import orders_demo_load

        register_demo_loader(DemoLoader("orders", 40, orders_demo_load))
