from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "kehu.workflow"
    label = "workflow"
