from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "kehu.workdays"
    label = "workdays"
