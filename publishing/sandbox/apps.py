from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "publishing.sandbox"
    label = "sandbox"
    verbose_name = "Platform sandbox"
