import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


def validate_timezone_name(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone name, e.g. Europe/Madrid.")


class User(AbstractUser):
    """A Herald user: an operator or the owner of content.

    The ``*_token`` and ``discord_webhook_url`` columns are the old system's
    plaintext credentials. They are deprecated: only the credential fallback
    and ``migrate_user_tokens`` read them. New credentials live, encrypted, in
    ``integrations.Integration``.
    """

    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone_name],
        help_text="IANA time zone used to read schedule times given without an offset.",
    )

    twitter_access_token = models.TextField(blank=True, default="")
    twitter_refresh_token = models.TextField(blank=True, default="")
    discord_webhook_url = models.TextField(blank=True, default="")
    instagram_access_token = models.TextField(blank=True, default="")
    youtube_access_token = models.TextField(blank=True, default="")
    youtube_refresh_token = models.TextField(blank=True, default="")

    LEGACY_TOKEN_FIELDS = (
        "twitter_access_token",
        "twitter_refresh_token",
        "discord_webhook_url",
        "instagram_access_token",
        "youtube_access_token",
        "youtube_refresh_token",
    )
    # Never shown, filtered or searched in the admin (operator_admin.secrets).
    SECRET_FIELDS = ("password", *LEGACY_TOKEN_FIELDS)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def has_legacy_tokens(self) -> bool:
        return any(getattr(self, name) for name in self.LEGACY_TOKEN_FIELDS)
