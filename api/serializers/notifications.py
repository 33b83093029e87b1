"""A user's notification preferences: one switch per kind of e-mail, and the daily digest."""

from __future__ import annotations

from rest_framework import serializers

from notifications.models import PREFERENCE_FIELDS, Kind


class StrictBooleanField(serializers.BooleanField):
    """JSON ``true`` or ``false`` only: "yes", 1 or "off" are a 400, not a guess."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid")


def preference_field(help_text: str) -> StrictBooleanField:
    return StrictBooleanField(required=False, help_text=help_text)


class NotificationPreferencesSerializer(serializers.Serializer):
    """Every switch, in answers; any of them in a PATCH. An unknown field is a 400."""

    publication_failed = preference_field(
        f"{Kind.PUBLICATION_FAILED.label}: e-mail me when one of my posts fails."
    )
    publication_in_doubt = preference_field(
        f"{Kind.PUBLICATION_IN_DOUBT.label}: its request went out, its outcome is unknown."
    )
    integration_needs_reauth = preference_field(
        f"{Kind.INTEGRATION_NEEDS_REAUTH.label} (it stopped publishing)."
    )
    integration_expiring = preference_field(
        f"{Kind.INTEGRATION_EXPIRING.label} (within INTEGRATION_EXPIRY_WARNING_DAYS)."
    )
    endpoint_disabled = preference_field(f"{Kind.ENDPOINT_DISABLED.label}.")
    scheduler_dead = preference_field(f"{Kind.SCHEDULER_DEAD.label} (sent to operators only).")
    daily_digest = preference_field(
        "Collect my notices into one e-mail a day, at NOTIFY_DAILY_DIGEST_HOUR in my time zone, "
        "instead of within a minute or so."
    )

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in set(data) - set(PREFERENCE_FIELDS))
            if unknown:
                raise serializers.ValidationError(
                    {key[:100]: ["Unknown field."] for key in unknown[:20]}
                )
        return super().to_internal_value(data)
