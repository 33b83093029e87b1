from django.apps import AppConfig


class EntitlementsConfig(AppConfig):
    name = "entitlements"
    verbose_name = "Plans and entitlements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from entitlements import receivers  # noqa: F401 - connects the receivers
