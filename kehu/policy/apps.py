from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "kehu.policy"
    label = "policy"
