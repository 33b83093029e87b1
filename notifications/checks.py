"""A server that e-mails nobody should say so at start."""

from django.conf import settings
from django.core import checks

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


@checks.register(checks.Tags.compatibility)
def email_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG or settings.EMAIL_BACKEND != CONSOLE_BACKEND:
        return []
    return [
        checks.Warning(
            "No SMTP server is configured: notification e-mails are only written to the log.",
            hint="Set EMAIL_URL (smtp://user:password@host:587?tls=1) or EMAIL_HOST.",
            id="herald.W101",
        )
    ]
