"""Discord's options: none yet (the body and the media say it all)."""

from platforms.options import NoOptions


class DiscordOptions(NoOptions):
    """Discord takes no options yet."""
