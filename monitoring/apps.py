from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """/health/ and /metrics: reads every other app; no other app imports it.

    The label stays "metrics", the app's name before it became monitoring: the
    event store's table, its migration history and its permissions keep their names.
    """

    name = "monitoring"
    label = "metrics"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from monitoring import receivers  # noqa: F401  (records the engine's signals)
