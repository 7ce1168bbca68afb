from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "kehu.org"
    label = "org"
