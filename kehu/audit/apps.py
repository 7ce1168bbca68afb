from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "kehu.audit"
    label = "audit"
    verbose_name = _("审计")

    def ready(self) -> None:
        from django.core import checks

        from kehu.audit import retention
        from kehu.core.navigation import NavItem, register_nav
        from kehu.org.roles import register_role_permissions

        retention.connect_guards()
        # After every app's admin.py ran (django.contrib.admin is first in INSTALLED_APPS): whoever registered an
        # audit model in the admin, it is read-only there.
        retention.lock_admin()
        checks.register(retention.check_retention_setting, checks.Tags.security)
        register_role_permissions("sysadmin", ("audit.export_audit_trail", "audit.view_auditexport"))
        register_nav(NavItem("audit", _("审计记录"), "audit:export", order=910, permission="audit.export_audit_trail"))
