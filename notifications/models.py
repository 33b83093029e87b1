"""What Herald tells people: the notices waiting to be e-mailed, and who wants which."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    """What happened. Each kind is also a switch in NotificationPreferences."""

    PUBLICATION_FAILED = "publication_failed", "A post failed"
    PUBLICATION_IN_DOUBT = "publication_in_doubt", "A post is in doubt"
    INTEGRATION_NEEDS_REAUTH = "integration_needs_reauth", "An account must be connected again"
    INTEGRATION_EXPIRING = "integration_expiring", "An account's access expires soon"
    ENDPOINT_DISABLED = "endpoint_disabled", "A webhook endpoint was disabled"
    SCHEDULER_DEAD = "scheduler_dead", "The scheduler is not running"


class Audience(models.TextChoices):
    OPERATORS = "operators", "Operators"
    OWNER = "owner", "The owner"


class Notice(models.Model):
    """One thing to tell: written in the transaction of the change it reports (an outbox).

    An owner's notice names its ``recipient``; an operators' notice has none and goes
    to every operator address at sending time. ``due_at`` is when it may be sent: the
    end of its digest window, or the recipient's daily digest hour. The texts are a
    snapshot taken when it happened, redacted, so a later edit or deletion of the post
    does not change what the e-mail says.
    """

    kind = models.CharField(max_length=32, choices=Kind.choices)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
    )
    content = models.ForeignKey(
        "content.Content", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    publication = models.ForeignKey(
        "publishing.Publication",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    integration = models.ForeignKey(
        "integrations.Integration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A webhook endpoint is another app's row: kept as its id, so this app needs no import.
    endpoint_id = models.PositiveBigIntegerField(null=True, blank=True)
    post = models.CharField(max_length=300, blank=True, help_text="The post, as it was named.")
    account = models.CharField(max_length=300, blank=True, help_text="The account, as named.")
    reason_code = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    # Set for a notice that must be written once whatever repeats it (the same outage,
    # the same expiry date): a second insert with the same key is ignored.
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(sent_at__isnull=True), name="notice_pending_idx"
            ),
            models.Index(fields=["recipient", "sent_at"], name="notice_recipient_idx"),
            models.Index(fields=["sent_at"], name="notice_sent_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~Q(dedupe_key=""), name="notice_dedupe_key"
            ),
            models.CheckConstraint(
                condition=Q(audience="operators", recipient__isnull=True)
                | Q(audience="owner", recipient__isnull=False),
                name="notice_recipient_matches_audience",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.post or self.account or self.reason[:60]}"


class NotificationPreferences(models.Model):
    """Which kinds a user is e-mailed, and whether in a daily digest. No row: all on, at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    publication_failed = models.BooleanField(default=True, help_text=Kind.PUBLICATION_FAILED.label)
    publication_in_doubt = models.BooleanField(
        default=True, help_text=Kind.PUBLICATION_IN_DOUBT.label
    )
    integration_needs_reauth = models.BooleanField(
        default=True, help_text=Kind.INTEGRATION_NEEDS_REAUTH.label
    )
    integration_expiring = models.BooleanField(
        default=True, help_text=Kind.INTEGRATION_EXPIRING.label
    )
    endpoint_disabled = models.BooleanField(default=True, help_text=Kind.ENDPOINT_DISABLED.label)
    scheduler_dead = models.BooleanField(
        default=True, help_text=f"{Kind.SCHEDULER_DEAD.label} (operators only)"
    )
    daily_digest = models.BooleanField(
        default=False,
        help_text="Collect this user's notices into one e-mail a day, at "
        "NOTIFY_DAILY_DIGEST_HOUR in their time zone.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "notification preferences"
        verbose_name_plural = "notification preferences"

    def __str__(self) -> str:
        return f"Notifications of {self.user}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))


# The switches a user has, in the order the API and the admin show them.
PREFERENCE_FIELDS = (*Kind.values, "daily_digest")
