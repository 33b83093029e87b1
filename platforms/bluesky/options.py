"""Bluesky's options: the post's languages (``langs`` in the post record, at most 3)."""

from rest_framework import serializers

from platforms.options import BoundedListField, PlatformOptions

MAX_LANGS = 3  # app.bsky.feed.post: langs maxLength 3


class BlueskyOptions(PlatformOptions):
    langs = BoundedListField(
        child=serializers.RegexField(
            r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$",
            max_length=35,
            error_messages={"invalid": "A language is a BCP 47 tag such as en or pt-BR."},
        ),
        max_length=MAX_LANGS,
        required=False,
        help_text="The post's languages, BCP 47 tags (en, pt-BR): at most 3.",
    )
