"""LinkedIn's options: who may see the post."""

from rest_framework import serializers

from platforms.options import PlatformOptions

# The member-post visibilities of the Posts API
# (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api):
# PUBLIC (anyone), CONNECTIONS (the member's network only).
VISIBILITIES = ("PUBLIC", "CONNECTIONS")


class LinkedInOptions(PlatformOptions):
    visibility = serializers.ChoiceField(
        choices=VISIBILITIES,
        required=False,
        help_text="PUBLIC (default): anyone on or off LinkedIn; CONNECTIONS: the member's "
        "network only.",
    )
