"""Mastodon's options: who sees the status, a content warning, sensitivity, language.

The parameters of ``POST /api/v1/statuses``
(https://docs.joinmastodon.org/methods/statuses/#create).
"""

from rest_framework import serializers

from platforms.options import PlatformOptions

VISIBILITIES = ("public", "unlisted", "private", "direct")
# Mastodon counts the content warning within the status's characters: never longer.
MAX_SPOILER_TEXT = 500


class MastodonOptions(PlatformOptions):
    visibility = serializers.ChoiceField(
        choices=VISIBILITIES,
        required=False,
        help_text="public, unlisted, private (followers only) or direct (mentioned people "
        "only); the account's default when left out.",
    )
    spoiler_text = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_SPOILER_TEXT,
        help_text="A content warning shown before the text, which stays folded behind it.",
    )
    sensitive = serializers.BooleanField(
        required=False, help_text="Mark the media as sensitive (hidden until clicked)."
    )
    language = serializers.RegexField(
        r"^[a-z]{2,3}$",
        required=False,
        error_messages={"invalid": "An ISO 639 language code: two or three lowercase letters."},
        help_text="ISO 639 code of the status's language (en, fr, ...).",
    )
