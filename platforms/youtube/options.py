"""YouTube's options: the video's title, description, tags, category and privacy."""

from rest_framework import serializers

from platforms.options import MAX_OPTION_TEXT, BoundedListField, PlatformOptions

PRIVACY = ("public", "unlisted", "private")


class YouTubeOptions(PlatformOptions):
    title = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="Defaults to the title."
    )
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_OPTION_TEXT,
        help_text="Defaults to the body.",
    )
    tags = BoundedListField(
        child=serializers.CharField(max_length=500), max_length=500, required=False
    )
    category_id = serializers.CharField(required=False, max_length=10)
    privacy = serializers.ChoiceField(choices=PRIVACY, required=False)
    made_for_kids = serializers.BooleanField(required=False)
