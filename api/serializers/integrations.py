"""Connected accounts: never their tokens out, tokens in only to connect."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.fields import UserDateTimeField
from content.choices import Platform
from integrations.models import Integration
from integrations.services import typed_fields


class IntegrationSerializer(serializers.ModelSerializer):
    """An account, never its tokens: only whether each secret is stored."""

    has_access_token = serializers.SerializerMethodField()
    has_refresh_token = serializers.SerializerMethodField()
    has_webhook_url = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = [
            "id",
            "provider",
            "status",
            "external_account_id",
            "display_name",
            "scopes",
            "token_expires_at",
            "has_access_token",
            "has_refresh_token",
            "has_webhook_url",
            "last_error",
            "last_error_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_access_token(self, obj: Integration) -> bool:
        return bool(obj.access_token)

    def get_has_refresh_token(self, obj: Integration) -> bool:
        return bool(obj.refresh_token)

    def get_has_webhook_url(self, obj: Integration) -> bool:
        return bool(obj.webhook_url)


def printable_ascii(value: str) -> None:
    """A token, webhook URL or id: visible ASCII only. The error never repeats the value."""
    if not all("!" <= character <= "~" for character in value):
        raise serializers.ValidationError(
            "Use printable ASCII characters only, without spaces, line breaks or control "
            "characters: check that it was copied whole."
        )


class IntegrationTokensSerializer(serializers.Serializer):
    """Connect by entering tokens: every secret is write-only and checked with the platform.

    Besides the tokens, every field a provider asks to be typed (its
    ``CONNECT_BY_HAND``: a handle and an app password, a bot token) is accepted,
    from the registry; each field's help text names its provider.
    """

    provider = serializers.ChoiceField(choices=Platform.choices)
    access_token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=4096,
        validators=[printable_ascii],
        help_text="X, Instagram, YouTube: the user access token. Discord: a bot token "
        "(or `bot_token`).",
    )
    refresh_token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=4096,
        validators=[printable_ascii],
    )
    webhook_url = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        validators=[printable_ascii],
        help_text="Discord: a webhook URL (instead of a bot token and channel).",
    )
    channel_id = serializers.RegexField(
        r"^\d{1,25}$",
        required=False,
        allow_blank=True,
        validators=[printable_ascii],
        help_text="Discord with a bot token: the channel to post in.",
    )
    token_expires_at = UserDateTimeField(required=False, allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        for typed in typed_fields():
            if typed.name not in fields:
                fields[typed.name] = serializers.CharField(
                    write_only=True,
                    required=False,
                    allow_blank=True,
                    max_length=typed.max_length,
                    validators=[printable_ascii],
                    help_text=typed.help_text,
                )
        return fields


class ConnectRequestSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=Platform.choices)
    server = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="The account's server (https://mastodon.social), for a provider that has "
        "one per account; the others ignore it.",
    )


class AuthorizationSerializer(serializers.Serializer):
    authorization_url = serializers.URLField(
        help_text="Open it in a browser; the platform sends the user back to Herald, which "
        "saves the account and shows the result."
    )
    expires_in = serializers.IntegerField(help_text="Seconds the flow may take.")


class ProviderSerializer(serializers.Serializer):
    provider = serializers.CharField()
    name = serializers.CharField()
    configured = serializers.BooleanField()
    missing_settings = serializers.ListField(child=serializers.CharField())
    asks_for_server = serializers.BooleanField(
        help_text="Connecting needs the account's server (``server`` of connect)."
    )


class RevokeOutcomeSerializer(serializers.Serializer):
    integration = IntegrationSerializer()
    platform_message = serializers.CharField()
