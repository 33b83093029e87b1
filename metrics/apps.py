from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self):
        from metrics.record import on_platform_request
        from platforms.http import request_timed

        request_timed.connect(on_platform_request, dispatch_uid="metrics.platform_request")
