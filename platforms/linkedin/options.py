"""LinkedIn's options: who may see the post, and the organization it is posted as."""

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
    organization = serializers.RegexField(
        r"^[0-9]{1,20}$",
        required=False,
        error_messages={"invalid": "A LinkedIn organization id is a number."},
        help_text="Post as this organization (its numeric id) instead of the member. The "
        "member must administer it, and the app must have been granted w_organization_social "
        "(LINKEDIN_SCOPES).",
    )
