"""What every platform's options serializer shares: strict keys, bounded lists.

A platform's options are the part of ``Content.options`` under its value; its
package declares a serializer for them (``Platform.options``), which the API,
the admin and validation all use.
"""

from __future__ import annotations

from rest_framework import serializers

# The longest option text accepted (a thread part, a description): as long as a body.
MAX_OPTION_TEXT = 20_000
# Unknown keys named in one error answer: enough to fix a request, and a body of a
# million unknown keys does not become an answer of a million messages.
MAX_UNKNOWN_KEYS_NAMED = 10


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, naming the ones it does."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))[:MAX_UNKNOWN_KEYS_NAMED]
            if unknown:
                message = (
                    f"Unknown option; the known ones are: {', '.join(self.fields)}."
                    if self.fields
                    else "Unknown option; this platform takes no options."
                )
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)


class BoundedListField(serializers.ListField):
    """A ListField that counts before it validates each item: a list of a million bad
    items is one error, not a million."""

    def to_internal_value(self, data):
        if self.max_length is not None and isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class PlatformOptions(StrictSerializer):
    """What every platform takes: its own text instead of the content's body.

    A platform's serializer extends this one, so the composer and the API offer
    the override for every platform, a new one included.
    """

    text = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_OPTION_TEXT,
        help_text="This platform's text instead of the body (blank: the body).",
    )


class NoOptions(PlatformOptions):
    """This platform takes nothing but its own text."""
