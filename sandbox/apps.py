from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox"
    # The label the app has always had: its tables (sandbox_*), migrations and content types.
    label = "sandbox"
    verbose_name = "Platform sandbox"
