"""Publications: one per content and target, with its audit log."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.fields import MAX_ID
from content.choices import Platform, Status
from publishing.holds import HoldKind
from publishing.models import Publication, PublicationEvent

PUBLICATION_FIELDS = [
    "id",
    "platform",
    "integration",
    "status",
    "attempts",
    "retry_count",
    "last_retry_at",
    "next_attempt_at",
    "hold_kind",
    "hold_reason",
    "published_at",
    "permalink",
    "external_id",
    "last_error_code",
    "last_error",
]


def hold_kind_field() -> serializers.ChoiceField:
    # Declared, not generated: a generated read-only field leaves "" out of the schema's enum.
    return serializers.ChoiceField(
        choices=HoldKind.choices,
        allow_blank=True,
        read_only=True,
        help_text="What holds this QUEUED publication (hold_reason says it in words); "
        "empty when nothing does.",
    )


class TargetStateSerializer(serializers.ModelSerializer):
    """One target of a content and where its publication stands."""

    permalink = serializers.CharField(read_only=True, help_text="Empty until published.")
    hold_kind = hold_kind_field()

    class Meta:
        model = Publication
        fields = PUBLICATION_FIELDS
        read_only_fields = fields


class PublicationSerializer(serializers.ModelSerializer):
    permalink = serializers.CharField(read_only=True, help_text="Empty until published.")
    hold_kind = hold_kind_field()

    class Meta:
        model = Publication
        fields = [*PUBLICATION_FIELDS[:1], "content", *PUBLICATION_FIELDS[1:], "created_at"]
        read_only_fields = fields


class PublicationEventSerializer(serializers.ModelSerializer):
    from_status = serializers.CharField(
        read_only=True, help_text="The status before the move; empty for the creation event."
    )

    class Meta:
        model = PublicationEvent
        fields = ["id", "from_status", "to_status", "reason", "error_code", "actor", "created_at"]
        read_only_fields = fields


class PublicationDetailSerializer(PublicationSerializer):
    events = PublicationEventSerializer(many=True, read_only=True)

    class Meta(PublicationSerializer.Meta):
        fields = [*PublicationSerializer.Meta.fields, "events"]
        read_only_fields = fields


class PublicationFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    content = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="A content id."
    )
