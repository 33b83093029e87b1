"""Publications: one per content and target, with its audit log."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.fields import MAX_ID, QueryBooleanField
from content.choices import Platform, Status
from publishing.holds import HoldKind
from publishing.models import Publication, PublicationEvent
from publishing.selectors import is_in_doubt
from publishing.services import in_doubt_evidence

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
    "in_doubt",
    "in_doubt_evidence",
]

IN_DOUBT_HELP = (
    "True when the request went out but its outcome is unknown and the platform could not "
    "tell: the post may be live although `status` is FAILED. Settle it with "
    "`POST /api/v1/publications/{id}/settle/` once you have checked the platform."
)


def hold_kind_field() -> serializers.ChoiceField:
    # Declared, not generated: a generated read-only field leaves "" out of the schema's enum.
    return serializers.ChoiceField(
        choices=HoldKind.choices,
        allow_blank=True,
        read_only=True,
        help_text="What holds this QUEUED publication (hold_reason says it in words); "
        "empty when nothing does.",
    )


class InDoubtFields(serializers.ModelSerializer):
    """``in_doubt`` and what is known of it, read from the row (no query)."""

    in_doubt = serializers.SerializerMethodField(help_text=IN_DOUBT_HELP)
    in_doubt_evidence = serializers.SerializerMethodField(
        help_text="What is known of an in-doubt publication, in one sentence: when the request "
        "went out, the attempts, and what the platform could not tell. Empty otherwise."
    )

    @extend_schema_field(bool)
    def get_in_doubt(self, publication: Publication) -> bool:
        return is_in_doubt(publication)

    @extend_schema_field(str)
    def get_in_doubt_evidence(self, publication: Publication) -> str:
        return in_doubt_evidence(publication) if is_in_doubt(publication) else ""


class TargetStateSerializer(InDoubtFields):
    """One target of a content and where its publication stands."""

    permalink = serializers.CharField(read_only=True, help_text="Empty until published.")
    hold_kind = hold_kind_field()

    class Meta:
        model = Publication
        fields = PUBLICATION_FIELDS
        read_only_fields = fields


class PublicationSerializer(InDoubtFields):
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
    in_doubt = QueryBooleanField(
        required=False,
        help_text="`true`: only publications in doubt (see `in_doubt`); `false`: all others.",
    )


# The API's words for the two ways of settling, and the service's.
SETTLE_OUTCOMES = {"published": "published", "not_published": "failed"}


class SettleSerializer(serializers.Serializer):
    """How the owner settles an in-doubt publication, after checking the platform."""

    outcome = serializers.ChoiceField(
        choices=list(SETTLE_OUTCOMES),
        help_text="`published`: the post is on the platform (give `permalink` or "
        "`external_id`); `not_published`: it is not.",
    )
    reason = serializers.CharField(
        max_length=1000,
        help_text="How you know (recorded in the publication's audit log).",
    )
    permalink = serializers.URLField(
        max_length=500,
        required=False,
        help_text="The post on the platform (`https://...`); only with `published`.",
    )
    external_id = serializers.CharField(
        max_length=200,
        required=False,
        help_text="The post's id on the platform; only with `published`.",
    )

    def validate_permalink(self, value: str) -> str:
        if not value.lower().startswith(("https://", "http://")):
            raise serializers.ValidationError("Enter an http(s) URL.")
        return value

    def validate(self, data: dict) -> dict:
        given = [name for name in ("permalink", "external_id") if data.get(name)]
        if data["outcome"] == "not_published" and given:
            raise serializers.ValidationError(
                {name: ["Only with outcome published."] for name in given}
            )
        return {**data, "outcome": SETTLE_OUTCOMES[data["outcome"]]}
