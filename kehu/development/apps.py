from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevelopmentConfig(AppConfig):
    name = "kehu.development"
    label = "development"
    verbose_name = _("客户开发")
