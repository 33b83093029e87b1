import os

from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = "Herald configuration"

    def ready(self) -> None:
        from config import checks  # noqa: F401 - registers the system checks
        from config.pools import close_connection_pools

        os.register_at_fork(before=close_connection_pools)
