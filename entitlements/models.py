from django.conf import settings
from django.db import models
from django.utils import timezone

from entitlements.limits import (
    LimitName,
    validate_api_rate,
    validate_overrides,
    validate_platforms,
)


class Plan(models.Model):
    """What a user may do: platforms, accounts, posts a month, automation, media, API rate.

    ``null`` (or, for platforms, no list) means unlimited. The plan named by the
    ``DEFAULT_PLAN`` setting is every user's unless an entitlement says otherwise.
    """

    name = models.CharField(max_length=60, unique=True)
    platforms = models.JSONField(
        null=True,
        blank=True,
        default=None,
        validators=[validate_platforms],
        help_text="The platforms allowed; empty (null) for every platform, [] for none.",
    )
    accounts_per_platform = models.PositiveIntegerField(
        null=True, blank=True, help_text="Connected accounts per platform; empty for unlimited."
    )
    posts_per_month = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Posts scheduled per calendar month, in the user's time zone; empty for "
        "unlimited. A post is one content, whatever the number of its targets.",
    )
    automation = models.BooleanField(
        default=True,
        help_text="Scheduled publishing. Without it the user can only publish now, by hand.",
    )
    max_media_bytes = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Largest media file, in bytes; empty for unlimited."
    )
    api_rate = models.CharField(
        max_length=24,
        blank=True,
        validators=[validate_api_rate],
        help_text="API requests per period, e.g. 1000/hour; empty for unlimited.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def limit(self, name: LimitName):
        """The plan's value of ``name``; None for unlimited (an empty API rate too)."""
        value = getattr(self, name.value)
        return value if value != "" else None


class Entitlement(models.Model):
    """One user's plan, with optional per-user overrides and a validity window.

    Outside ``valid_from``/``valid_until`` the user is on the default plan.
    ``overrides`` maps limit names to values; a name present overrides the plan
    (``null``: unlimited for this user).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entitlement"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="entitlements")
    overrides = models.JSONField(default=dict, blank=True, validators=[validate_overrides])
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id"]

    def __str__(self) -> str:
        return f"{self.user} on {self.plan}"

    def in_force(self, now=None) -> bool:
        now = now or timezone.now()
        if self.valid_from and now < self.valid_from:
            return False
        return not (self.valid_until and now >= self.valid_until)
