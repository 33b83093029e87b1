import os

from django.apps import AppConfig


class ServerConfig(AppConfig):
    name = "server"
    verbose_name = "Herald server"

    def ready(self) -> None:
        from server import checks  # noqa: F401 - registers the system checks
        from server.pools import close_connection_pools

        os.register_at_fork(before=close_connection_pools)
