"""How published posts did: snapshots of their numbers, and the collector's state.

``MetricsSnapshot`` is one row per publication and snapshot age (1 h, 24 h, ...
after ``published_at``); the newest of each publication is marked ``is_latest``,
so totals read one row per post. ``CollectorState`` says when a publication is
next due, or that it is gone. ``CollectorBudget``
is the collector's own window per account (or per app, for YouTube's project
quota): publishing's windows are never read or written here.
"""

from django.db import models

from integrations.models import Integration
from platforms import registry
from publishing.models import Publication


class MetricNumbers(models.Model):
    """The numbers of platforms/metrics.py, in Herald's names; null: not reported."""

    views = models.PositiveBigIntegerField(null=True, blank=True)
    likes = models.PositiveBigIntegerField(null=True, blank=True)
    comments = models.PositiveBigIntegerField(null=True, blank=True)
    shares = models.PositiveBigIntegerField(null=True, blank=True)
    quotes = models.PositiveBigIntegerField(null=True, blank=True)
    saves = models.PositiveBigIntegerField(null=True, blank=True)
    reach = models.PositiveBigIntegerField(null=True, blank=True)
    reactions = models.PositiveBigIntegerField(null=True, blank=True)
    engagement = models.PositiveBigIntegerField(
        default=0, help_text="Likes, comments, shares, quotes, saves and reactions together."
    )

    class Meta:
        abstract = True


class MetricsSnapshot(MetricNumbers):
    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="metrics_snapshots"
    )
    due_after = models.PositiveIntegerField(
        help_text="The snapshot's age in seconds after publishing (ANALYTICS_SNAPSHOT_AGES)."
    )
    taken_at = models.DateTimeField()
    is_latest = models.BooleanField(
        default=True, help_text="The publication's newest snapshot: what totals add up."
    )

    class Meta:
        ordering = ["publication", "due_after"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "due_after"], name="snapshot_unique_age")
        ]
        indexes = [
            models.Index(fields=["taken_at"], name="snapshot_taken_idx"),
            models.Index(
                fields=["publication"],
                condition=models.Q(is_latest=True),
                name="snapshot_latest_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"publication #{self.publication_id} after {self.due_after}s"


class CollectorState(models.Model):
    """Where collection stands for one published publication, and its latest numbers."""

    publication = models.OneToOneField(
        Publication, on_delete=models.CASCADE, primary_key=True, related_name="metrics_state"
    )
    platform = models.CharField(max_length=16, choices=registry.choices)
    account_key = models.CharField(max_length=64)
    integration = models.ForeignKey(
        Integration, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField()
    next_age_index = models.PositiveSmallIntegerField(default=0)
    next_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next snapshot is due; empty once done or gone."
    )
    gone_at = models.DateTimeField(
        null=True, blank=True, help_text="When the platform said the post no longer exists."
    )
    last_collected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["next_due_at"]
        indexes = [
            models.Index(
                fields=["next_due_at"],
                condition=models.Q(next_due_at__isnull=False),
                name="collector_due_idx",
            ),
            models.Index(fields=["published_at", "platform"], name="collector_published_idx"),
        ]

    def __str__(self) -> str:
        return f"publication #{self.publication_id}: next {self.next_due_at or '-'}"


class CollectorBudget(models.Model):
    """The collector's reads in the current window of one account (or the whole app)."""

    APP = "app"  # the key of an allowance that belongs to Herald's app, not to an account

    platform = models.CharField(max_length=16, choices=registry.choices)
    key = models.CharField(max_length=64, help_text="account_key, or 'app'.")
    window_start = models.DateTimeField(null=True, blank=True)
    used = models.PositiveIntegerField(default=0, help_text="Units spent in the window.")
    backoff_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["platform", "key"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "key"], name="collector_budget_unique")
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.key}: {self.used} used"


class CollectorLease(models.Model):
    """One row: the collector run that holds it may run; another finds it held and stops.

    A run that dies keeps it until ``expires_at``, past its time budget, then the next
    run takes it over.
    """

    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"collector lease: {self.holder or 'free'}"
