"""Settings for the fault drills: Herald's own, with the real platform modules.

The engine talks HTTP to the sandbox (``*_API_BASE_URL``), every knob comes
from the environment the drill sets, and the sandbox's own per-account limits
are opened wide: the drills test Herald's limits, not the sandbox's.
"""

import os

from config.environment import database_from_url
from config.settings import *  # noqa: F403
from config.settings import DATABASES

# The names of sandbox/limits.py (not importable here: it loads models).
SANDBOX_RATE_LIMITS = dict.fromkeys(
    (
        "twitter",
        "discord",
        "instagram",
        "instagram_publish",
        "youtube",
        "youtube_uploads",
    ),
    (1_000_000, 86400),
)

# The drill itself reads what landed on the platforms from the sandbox's database.
if os.environ.get("DRILL_SANDBOX_DATABASE_URL"):
    DATABASES["sandbox"] = database_from_url(os.environ["DRILL_SANDBOX_DATABASE_URL"])

# Herald's clusters run as in production: DEBUG off, so no SQL is logged per query.
# (The sandbox's servers keep DEBUG on: bench/sandbox_settings.py.)
DEBUG = False
