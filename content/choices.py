"""Names shared by content, integrations and publishing.

They live here, below all three apps, so that no app has to import another's
internals to speak of a platform or a publication state.
"""

from django.db import models

from platforms import registry
from platforms.discord import DISCORD
from platforms.instagram import INSTAGRAM
from platforms.x import X
from platforms.youtube import YOUTUBE


class PlatformNames(type):
    """``Platform.values`` / ``.choices`` / ``.labels``, read from the registry on each use."""

    @property
    def values(cls) -> list[str]:
        return registry.values()

    @property
    def choices(cls) -> registry.LiveChoices:
        return registry.LiveChoices()

    @property
    def labels(cls) -> list[str]:
        return [label for _, label in registry.choices()]

    def __call__(cls, value: str) -> registry.Platform:
        """``Platform("twitter").label`` reads as it did with TextChoices: the descriptor."""
        return registry.get(value)


class Platform(metaclass=PlatformNames):
    """The platforms' database values, for code that compares them.

    A model field takes ``choices=registry.choices`` (a callable), so adding a
    platform to the registry changes no migration.
    """

    TWITTER = X.value
    DISCORD = DISCORD.value
    INSTAGRAM = INSTAGRAM.value
    YOUTUBE = YOUTUBE.value


class Status(models.TextChoices):
    """The seven publication states of the original scheduler.

    A Publication holds one; a Content holds the aggregate of its
    publications. Only ``publishing.states`` changes them.
    """

    SCHEDULED = "SCHEDULED", "Scheduled"
    QUEUED = "QUEUED", "Queued"
    PUBLISHING = "PUBLISHING", "Publishing"
    PUBLISHED = "PUBLISHED", "Published"
    RETRYING = "RETRYING", "Retrying"
    FAILED = "FAILED", "Failed"
    CANCELED = "CANCELED", "Canceled"


class ContentStatus(models.TextChoices):
    """A Content's status: the aggregate of its publications' states, or DRAFT.

    A draft has no publications and never reaches the engine; scheduling it
    (``publishing.drafts.schedule_draft``) creates them, and from then on the
    status is their aggregate, as ``publishing.states`` computes it.
    """

    DRAFT = "DRAFT", "Draft"
    SCHEDULED = Status.SCHEDULED.value, Status.SCHEDULED.label
    QUEUED = Status.QUEUED.value, Status.QUEUED.label
    PUBLISHING = Status.PUBLISHING.value, Status.PUBLISHING.label
    PUBLISHED = Status.PUBLISHED.value, Status.PUBLISHED.label
    RETRYING = Status.RETRYING.value, Status.RETRYING.label
    FAILED = Status.FAILED.value, Status.FAILED.label
    CANCELED = Status.CANCELED.value, Status.CANCELED.label


FINAL_STATUSES = frozenset({Status.PUBLISHED, Status.FAILED, Status.CANCELED})
