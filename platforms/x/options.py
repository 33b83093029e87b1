"""X's options: a thread of replies under the head post."""

from rest_framework import serializers

from platforms.options import MAX_OPTION_TEXT, BoundedListField, PlatformOptions

MAX_THREAD_PARTS = 25


class XOptions(PlatformOptions):
    thread = BoundedListField(
        child=serializers.CharField(
            allow_blank=True, trim_whitespace=False, max_length=MAX_OPTION_TEXT
        ),
        max_length=MAX_THREAD_PARTS,
        required=False,
        help_text="Replies posted under the head post, in order.",
    )
