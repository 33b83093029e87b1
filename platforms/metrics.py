"""What a platform's ``metrics`` module answers: numbers per post, or "gone".

A platform that can report how its posts did names a module in its descriptor
(``Platform.metrics``). That module exposes:

    BATCH_SIZE: int
        The most posts one call may ask about (the platform's documented maximum).
    budget(publish_limit: tuple[int, int]) -> Budget
        The reads the platform allows for this endpoint, less what publishing may
        need of the same allowance (``publish_limit`` is publishing's own window),
        so that the collector's share can never take a publishing slot.
    collect(targets: list[MetricsTarget], credentials: Credentials) -> dict[int, PostMetrics | Gone]
        One call for at most BATCH_SIZE posts: every target's key is in the answer.
        Raise the engine's errors (``RateLimited(until)``, ``AuthError``,
        ``TransientError``, ``PermanentError``), never an HTTP exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, fields

# The numbers a snapshot may hold; a platform leaves out what it does not report.
METRIC_NAMES = ("views", "likes", "comments", "shares", "quotes", "saves", "reach", "reactions")
# What counts as engagement: people acting on the post (views and reach only look).
ENGAGEMENT = ("likes", "comments", "shares", "quotes", "saves", "reactions")


@dataclass(frozen=True)
class MetricsTarget:
    """One published post to ask about: the caller's key and what the platform knows it by."""

    key: int
    external_id: str
    platform_state: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PostMetrics:
    """How one post did, in Herald's names; None where the platform says nothing."""

    views: int | None = None  # X impressions, YouTube views, Instagram views
    likes: int | None = None
    comments: int | None = None  # X replies
    shares: int | None = None  # X reposts
    quotes: int | None = None
    saves: int | None = None  # X bookmarks, Instagram saved
    reach: int | None = None
    reactions: int | None = None  # Discord

    @property
    def engagement(self) -> int:
        return sum(getattr(self, name) or 0 for name in ENGAGEMENT)

    def as_dict(self) -> dict[str, int | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Gone:
    """The platform no longer has the post (deleted): collection stops for it."""

    def __repr__(self) -> str:
        return "GONE"


GONE = Gone()


def count(value) -> int | None:
    """A platform's number (YouTube sends strings) as an int; None when absent or not a count."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def fixed_window_start(window: dt.timedelta) -> Callable[[dt.datetime], dt.datetime]:
    """Windows that start every ``window`` from the epoch, as the platforms' own resets do."""
    seconds = int(window.total_seconds())

    def start(now: dt.datetime) -> dt.datetime:
        epoch = int(now.timestamp())
        return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)

    return start


@dataclass(frozen=True)
class Budget:
    """How many units the collector's reads may use per window, and who shares them.

    ``per_app``: the allowance belongs to Herald's app (YouTube's daily quota is per
    Google Cloud project), not to each account. ``cost`` is what one call costs.
    """

    units: int
    window: dt.timedelta
    cost: int = 1
    per_app: bool = False
    window_start: Callable[[dt.datetime], dt.datetime] | None = None

    def start_of_window(self, now: dt.datetime) -> dt.datetime:
        return (self.window_start or fixed_window_start(self.window))(now)
