"""Instagram's options: which kind of post the media make (feed post, reel or carousel)."""

from rest_framework import serializers

from platforms.options import PlatformOptions

KINDS = (
    ("feed", "Feed post (one image)"),
    ("reel", "Reel (one video)"),
    ("carousel", "Carousel (2 to 10 images or videos)"),
)


class InstagramOptions(PlatformOptions):
    kind = serializers.ChoiceField(
        choices=KINDS,
        required=False,
        help_text="Checked against the media; when left out, the media decide.",
    )
