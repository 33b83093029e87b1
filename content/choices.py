"""Names shared by content, integrations and publishing.

They live here, below all three apps, so that no app has to import another's
internals to speak of a platform or a publication state.
"""

from django.db import models


class Platform(models.TextChoices):
    TWITTER = "twitter", "X (Twitter)"
    DISCORD = "discord", "Discord"
    INSTAGRAM = "instagram", "Instagram"
    YOUTUBE = "youtube", "YouTube"


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


FINAL_STATUSES = frozenset({Status.PUBLISHED, Status.FAILED, Status.CANCELED})
