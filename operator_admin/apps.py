from django.apps import AppConfig


class OperatorAdminConfig(AppConfig):
    name = "operator_admin"
    verbose_name = "Operator admin"
