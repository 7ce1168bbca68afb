from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "kehu.workdays"
    label = "workdays"
    verbose_name = _("工作日历")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from kehu.core.dashboard import Panel, register_panel
        from kehu.core.navigation import NavItem, register_nav
        from kehu.org.roles import register_role_permissions
        from kehu.workdays.calendar import cache_clear
        from kehu.workdays.models import CalendarDay, CalendarYear
        from kehu.workdays.panels import missing_years_panel

        def _invalidate(**kwargs):
            # Saves from the Django admin bypass the services: drop the per-year cache for them too.
            cache_clear()

        for model in (CalendarDay, CalendarYear):
            post_save.connect(_invalidate, sender=model, weak=False,
                              dispatch_uid=f"workdays-cache-{model.__name__}-save")
            post_delete.connect(_invalidate, sender=model, weak=False,
                                dispatch_uid=f"workdays-cache-{model.__name__}-del")

        register_role_permissions("sysadmin", (
            "workdays.view_calendarday", "workdays.add_calendarday", "workdays.change_calendarday",
            "workdays.delete_calendarday", "workdays.view_calendaryear", "workdays.add_calendaryear",
            "workdays.change_calendaryear",
        ))
        register_nav(NavItem("calendar", _("工作日历"), "workdays:calendar", order=900,
                             permission="workdays.change_calendarday"))
        register_panel(Panel("calendar-missing-years", 5, missing_years_panel))
