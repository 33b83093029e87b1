from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Client API"

    def ready(self) -> None:
        from api import receivers  # noqa: F401  (connects the signal receivers)
