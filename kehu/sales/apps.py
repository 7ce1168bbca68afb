from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "kehu.sales"
    label = "sales"
