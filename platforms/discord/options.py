"""Discord's options: another channel of the account's bot."""

from rest_framework import serializers

from platforms.options import PlatformOptions


class DiscordOptions(PlatformOptions):
    channel_id = serializers.RegexField(
        r"^[0-9]{17,20}$",
        required=False,
        error_messages={"invalid": "A Discord channel id is 17 to 20 digits."},
        help_text="A channel the account's bot may post in, instead of the account's own "
        "(bot accounts only; a webhook posts to its own channel).",
    )
