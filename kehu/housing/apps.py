from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    name = "kehu.housing"
    label = "housing"
    verbose_name = _("委托建房")
