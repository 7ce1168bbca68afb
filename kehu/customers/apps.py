from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kehu.customers"
    label = "customers"
    verbose_name = _("客户档案")

    def ready(self) -> None:
        from kehu.core.dashboard import Panel, register_panel
        from kehu.core.navigation import NavItem, register_nav
        from kehu.customers import views

        register_nav(NavItem("customers", _("客户档案"), "customers:list", 10, "customers.view_customer"))
        register_panel(Panel("customers.my_customers", 10, views.dashboard_my_customers))
        register_panel(Panel("customers.expiring_qualifications", 20, views.dashboard_expiring))
        from kehu.customers.tabs import ArchiveTab, register_archive_tab

        register_archive_tab(ArchiveTab("grades", _("分级"), "policy:customer_grades", 50))
        register_archive_tab(ArchiveTab("sales", _("销量"), "sales:customer_monthly", 60))
        from django.db.models.signals import post_migrate

        post_migrate.connect(_repair_sqlite_search, sender=self, dispatch_uid="customers-sqlite-search")


def _repair_sqlite_search(sender, using="default", **kwargs) -> None:
    """A migration that remakes the customer table on SQLite drops the FTS triggers: restore them at once."""
    from django.db import connections

    if connections[using].vendor != "sqlite":
        return
    from kehu.customers import selectors

    selectors._fts_checked = False
    selectors._sqlite_fts_ensure()
