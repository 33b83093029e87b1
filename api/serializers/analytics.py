"""Analytics: a publication's snapshots, and totals and top posts over a range."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework import serializers

from analytics.models import MetricsSnapshot
from api.serializers.fields import MAX_ID, UserDateTimeField
from content.choices import Platform

NUMBER_FIELDS = [
    "views",
    "likes",
    "comments",
    "shares",
    "quotes",
    "saves",
    "reach",
    "reactions",
    "engagement",
]
NUMBERS_HELP = (
    "Counts as the platform reports them; null where it reports no such number (X: views are "
    "impressions, comments replies, shares reposts, saves bookmarks; Discord: reactions only)."
)
DEFAULT_RANGE = dt.timedelta(days=30)
MAX_RANGE = dt.timedelta(days=731)


class SnapshotSerializer(serializers.ModelSerializer):
    due_after = serializers.IntegerField(
        read_only=True,
        help_text="The snapshot's age after publishing, in seconds (3600, 86400, ...).",
    )

    class Meta:
        model = MetricsSnapshot
        fields = ["due_after", "taken_at", *NUMBER_FIELDS]
        read_only_fields = fields


class PublicationMetricsSerializer(serializers.Serializer):
    publication = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    published_at = serializers.DateTimeField(allow_null=True)
    gone = serializers.BooleanField(
        help_text="True when the platform said the post no longer exists: no more snapshots."
    )
    next_snapshot_at = serializers.DateTimeField(
        allow_null=True, help_text="When the next snapshot is due; null once done or gone."
    )
    snapshots = SnapshotSerializer(many=True, help_text=NUMBERS_HELP)


class AnalyticsQuerySerializer(serializers.Serializer):
    """``from`` / ``to``: publications published in [from, to); 30 days to now by default."""

    locals()["from"] = UserDateTimeField(
        required=False,
        help_text="Published at or after (ISO 8601; no offset: your time zone). "
        "Default: 30 days before `to`.",
    )
    to = UserDateTimeField(required=False, help_text="Published before (ISO 8601). Default: now.")
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    integration = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="One of your accounts."
    )

    def validate(self, attrs):
        end = attrs.get("to") or timezone.now()
        try:
            start = attrs.get("from") or end - DEFAULT_RANGE
        except OverflowError:
            raise serializers.ValidationError(
                {"to": "Too early: the default range would start before year 1."}
            ) from None
        if start >= end:
            raise serializers.ValidationError({"from": "`from` must be before `to`."})
        if end - start > MAX_RANGE:
            raise serializers.ValidationError({"from": "The range may span two years at most."})
        return {**attrs, "from": start, "to": end}


class TotalsSerializer(serializers.Serializer):
    posts = serializers.IntegerField(help_text="Publications with at least one snapshot.")
    views = serializers.IntegerField()
    likes = serializers.IntegerField()
    comments = serializers.IntegerField()
    shares = serializers.IntegerField()
    quotes = serializers.IntegerField()
    saves = serializers.IntegerField()
    reach = serializers.IntegerField()
    reactions = serializers.IntegerField()
    engagement = serializers.IntegerField()


class PlatformTotalsSerializer(TotalsSerializer):
    platform = serializers.ChoiceField(choices=Platform.choices)


class AccountTotalsSerializer(PlatformTotalsSerializer):
    integration = serializers.IntegerField(
        allow_null=True, help_text="The account; null for the old per-user tokens."
    )
    account = serializers.CharField(allow_null=True, help_text="The account's display name.")


class TopPostSerializer(serializers.ModelSerializer):
    """One publication with its newest numbers."""

    publication = serializers.IntegerField(source="publication_id")
    content = serializers.IntegerField(source="publication.content_id")
    title = serializers.CharField(source="publication.content.title")
    platform = serializers.ChoiceField(source="publication.platform", choices=Platform.choices)
    integration = serializers.IntegerField(source="publication.integration_id", allow_null=True)
    permalink = serializers.CharField(source="publication.permalink")
    published_at = serializers.DateTimeField(source="publication.published_at")

    class Meta:
        model = MetricsSnapshot
        fields = [
            "publication",
            "content",
            "title",
            "platform",
            "integration",
            "permalink",
            "published_at",
            "due_after",
            "taken_at",
            *NUMBER_FIELDS,
        ]
        read_only_fields = fields


class AnalyticsSerializer(serializers.Serializer):
    """Totals over the range, per platform and account, and a page of the top posts."""

    locals()["from"] = serializers.DateTimeField()
    to = serializers.DateTimeField()
    totals = TotalsSerializer()
    by_platform = PlatformTotalsSerializer(many=True)
    by_account = AccountTotalsSerializer(many=True)
    count = serializers.IntegerField(help_text="Top posts in all pages.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TopPostSerializer(many=True, help_text="Top posts by engagement, then views.")


# The CSV export: one row per publication, these columns.
CSV_COLUMNS = [
    "publication",
    "content",
    "title",
    "platform",
    "integration",
    "permalink",
    "published_at",
    "due_after",
    "taken_at",
    *NUMBER_FIELDS,
]
