"""Instagram's options: none yet (the body and the media say it all)."""

from platforms.options import NoOptions


class InstagramOptions(NoOptions):
    """Instagram takes no options yet."""
