from django.conf import settings
from django.db import models

from content.choices import ContentStatus


class Content(models.Model):
    """Something to publish, at one time, to one or more targets.

    Each target is a ``publishing.Publication``; ``status`` is their aggregate,
    kept by the state machine. A draft (status DRAFT) has no publications yet:
    its chosen targets wait in ``draft_targets`` and its time may be missing. ``version`` grows on every edit, so a claimed
    publication never goes out with text older than the latest edit.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contents"
    )
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per-platform options keyed by platform, e.g. "
        '{"youtube": {"title": "...", "privacy": "unlisted"}, "twitter": {"thread": ["..."]}}.',
    )
    scheduled_for = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When to publish (stored in UTC); a draft's tentative time, or none.",
    )
    status = models.CharField(
        max_length=16,
        choices=ContentStatus.choices,
        default=ContentStatus.SCHEDULED,
        db_index=True,
    )
    draft_targets = models.JSONField(
        default=list,
        blank=True,
        help_text='A draft\'s chosen accounts: [{"platform": "twitter", "integration": 12}, ...]. '
        "Scheduled content keeps its targets as publications instead.",
    )
    retry_count = models.PositiveIntegerField(default=0)
    last_retry_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        indexes = [
            # An owner's list, newest first: a deep page skips index entries only (the
            # API pages ids first, api.pagination).
            models.Index(fields=["owner", "scheduled_for", "id"], name="content_owner_page_idx"),
            # The dashboard's next 24 hours, whoever the owner (a big-table index).
            models.Index(fields=["scheduled_for"], name="content_time_idx"),
        ]

    def __str__(self) -> str:
        label = self.title or self.body[:40] or "(no text)"
        return f"#{self.pk} {label}"


class ContentMedia(models.Model):
    """A file attached to a Content, in the order it should appear."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"

    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to="content/%Y/%m/")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    mime_type = models.CharField(max_length=100, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    alt_text = models.CharField(max_length=1000, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["content", "position", "id"]
        verbose_name_plural = "content media"

    def __str__(self) -> str:
        return f"{self.kind} {self.file.name}"
