from django.conf import settings
from django.db import models

from content.choices import Status
from content.models import Content
from integrations.models import Integration
from platforms import registry
from publishing.holds import HoldKind

DUE_STATUSES = (Status.SCHEDULED, Status.QUEUED, Status.RETRYING)
# The error code of a FAILED row whose request went out with no known outcome: only
# reconcile or an operator can settle it (publishing.services.resolve_in_doubt).
IN_DOUBT_CODE = "in_doubt"


class Publication(models.Model):
    """One target of a Content: the unit the engine claims, sends and records.

    ``next_attempt_at`` is when the row is next due, whatever its state: the
    schedule time for SCHEDULED, the retry time for RETRYING, the end of the
    hold for QUEUED. One partial index over it serves the due selector.
    """

    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="publications")
    platform = models.CharField(max_length=16, choices=registry.choices)
    integration = models.ForeignKey(
        Integration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="publications",
        help_text="Empty when the owner's legacy User tokens are used.",
    )
    account_key = models.CharField(
        max_length=64,
        help_text="The account rate limits count against: integration:<id>, or user:<id> "
        "for the legacy tokens.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    idempotency_key = models.CharField(max_length=200, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    retry_count = models.PositiveIntegerField(default=0)
    last_retry_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    first_due_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When this attempt first became due: kept while the row is handed to workers "
        "again and again, cleared by a hold or an outcome. /health/ measures waits from it.",
    )
    hold_kind = models.CharField(
        max_length=32,
        choices=HoldKind.choices,
        blank=True,
        help_text="What holds this QUEUED publication; empty when nothing does.",
    )
    hold_reason = models.CharField(max_length=200, blank=True)
    by_hand = models.BooleanField(
        default=False,
        help_text="Sent by hand (publish now): allowed even where the plan has no automation.",
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claimed_version = models.PositiveIntegerField(null=True, blank=True)
    rate_slot_at = models.DateTimeField(
        null=True, blank=True, help_text="When this publication took a rate-limit slot."
    )
    request_sent_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    permalink = models.URLField(max_length=500, blank=True)
    platform_state = models.JSONField(default=dict, blank=True)
    last_error_code = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=DUE_STATUSES),
                name="publication_due_idx",
            ),
            models.Index(
                fields=["first_due_at"],
                condition=models.Q(status__in=DUE_STATUSES),
                name="publication_first_due_idx",
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(status=Status.PUBLISHING),
                name="publication_lease_idx",
            ),
            models.Index(
                fields=["platform", "account_key", "rate_slot_at"], name="publication_rate_idx"
            ),
            models.Index(fields=["status", "platform"], name="publication_status_idx"),
            # The big-table indexes: each serves a read that must not grow with the history
            # (bench/big_tables.py). The last hour's publish lag (dashboard):
            models.Index(
                fields=["published_at"],
                condition=models.Q(status=Status.PUBLISHED),
                name="publication_published_idx",
            ),
            # The last day's failures (dashboard):
            models.Index(
                fields=["updated_at"],
                condition=models.Q(status=Status.FAILED),
                name="publication_failed_idx",
            ),
            # The rows in doubt (metrics, the admin's "needs a decision", retention):
            models.Index(
                fields=["platform"],
                condition=models.Q(status=Status.FAILED, last_error_code=IN_DOUBT_CODE),
                name="publication_in_doubt_idx",
            ),
            # The accounts with a slot taken in their current window (dashboard's rate limits):
            models.Index(fields=["platform", "rate_slot_at"], name="publication_window_idx"),
        ]
        permissions = [
            (
                "settle_publication",
                "Can settle in-doubt publications (mark them published or failed)",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} · content #{self.content_id} · {self.status}"


class PublicationEvent(models.Model):
    """One row of the audit log: who moved a publication, from what, to what, and why."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    reason = models.TextField(blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    actor = models.CharField(max_length=150, help_text="engine, or the user who acted.")
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["publication", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class PublicationTally(models.Model):
    """Publications per platform and state, as deltas that add up (PostgreSQL only).

    Counting a million rows per page view grows with the history; reading this
    table does not. Database triggers on ``Publication`` (migration
    ``0009_publication_tally``) append one row per statement and (platform,
    state) pair that changed, with the change in ``n``: contention-free, since no
    row is ever updated in place. ``publishing.tally`` sums them and folds them
    into one row per pair from time to time. Elsewhere (SQLite) nothing writes
    here and the counts are read from the publications themselves.
    """

    platform = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    n = models.BigIntegerField()

    class Meta:
        verbose_name_plural = "publication tallies"

    def __str__(self) -> str:
        return f"{self.platform} {self.status} {self.n:+d}"


class EngineHeartbeat(models.Model):
    """The tick's pulse: when it last ran, how long it took, what it dispatched."""

    # The row the tick writes on every pass; /health/ reads it.
    TICK = "tick"

    name = models.CharField(max_length=32, primary_key=True)
    last_tick_at = models.DateTimeField(null=True, blank=True)
    last_tick_seconds = models.FloatField(default=0)
    last_dispatched = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: last tick {self.last_tick_at}"
