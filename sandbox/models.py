"""What the sandbox received: posts, uploads in progress, containers, rate windows."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone

from sandbox import emulations


class SandboxPost(models.Model):
    """One post a platform emulation accepted: a tweet, message, media or video."""

    platform = models.CharField(max_length=16, choices=emulations.choices)
    account = models.CharField(
        max_length=200, help_text="Who posted: the account named by the token or webhook."
    )
    target = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where it went: X user id, Discord channel, Instagram user, YouTube channel.",
    )
    external_id = models.CharField(max_length=64, help_text="The id the platform answered.")
    text = models.TextField(blank=True)
    media = models.JSONField(
        default=list,
        blank=True,
        help_text="What was attached: sizes and checksums, or URLs; never the bytes.",
    )
    nonce = models.CharField(max_length=64, blank=True)
    raw_request = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="sandbox_post_unique_external_id"
            )
        ]
        indexes = [models.Index(fields=["platform", "account", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.external_id} by {self.account}"

    def get_absolute_url(self) -> str:
        return reverse("sandbox:post-detail", args=[self.pk])

    @property
    def badge_color(self) -> str:
        return emulations.color(self.platform)


class SandboxUpload(models.Model):
    """A chunked upload: an X media upload or a YouTube resumable session.

    The bytes are not kept: ``digest`` is a SHA-256 chained over the chunks in
    arrival order, enough to tell two uploads of different content apart.
    """

    class State(models.TextChoices):
        UPLOADING = "uploading", "Uploading"
        PROCESSING = "processing", "Processing"
        COMPLETE = "complete", "Complete"

    platform = models.CharField(max_length=16, choices=emulations.choices)
    account = models.CharField(max_length=200)
    upload_id = models.CharField(max_length=64, unique=True)
    media_type = models.CharField(max_length=100, blank=True)
    media_category = models.CharField(max_length=50, blank=True)
    total_bytes = models.BigIntegerField(null=True, blank=True)
    received_bytes = models.BigIntegerField(default=0)
    segments = models.PositiveIntegerField(default=0)
    digest = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.UPLOADING)
    metadata = models.JSONField(default=dict, blank=True)
    post = models.ForeignKey(SandboxPost, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} upload {self.upload_id}"


class SandboxContainer(models.Model):
    """An Instagram media container, created before it is published."""

    container_id = models.CharField(max_length=64, unique=True)
    account = models.CharField(max_length=200)
    ig_user_id = models.CharField(max_length=64)
    media_type = models.CharField(max_length=16)
    media_url = models.URLField(max_length=1000, blank=True)
    caption = models.TextField(blank=True)
    children = models.JSONField(default=list, blank=True)
    is_carousel_item = models.BooleanField(default=False)
    status_polls = models.PositiveIntegerField(
        default=0, help_text="A video reports IN_PROGRESS on its first status poll, FINISHED after."
    )
    post = models.ForeignKey(SandboxPost, on_delete=models.SET_NULL, null=True, blank=True)
    raw_request = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Instagram container {self.container_id} ({self.media_type})"


class SandboxRateWindow(models.Model):
    """Requests counted for one account in one fixed window of one limit."""

    limit_name = models.CharField(max_length=32)
    account = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    resets_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-window_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["limit_name", "account", "window_start"], name="sandbox_rate_window_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.limit_name} {self.account}: {self.count} until {self.resets_at:%H:%M:%S}"
