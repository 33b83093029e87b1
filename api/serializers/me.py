"""The signed-in user: who they are, their plan, each limit with its usage, the posts it holds."""

from __future__ import annotations

import zoneinfo

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.fields import LIMIT_NAMES
from content.choices import Platform

USAGE_SCHEMA = {
    "oneOf": [
        {"type": "integer"},
        {"type": "object", "additionalProperties": {"type": "integer", "nullable": True}},
    ],
    "nullable": True,
}


@extend_schema_field(USAGE_SCHEMA)
class UsageField(serializers.JSONField):
    """A count, counts by platform (accounts), or null where the limit is not a count."""


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer"},
            {"type": "boolean"},
            {"type": "string"},
            {"type": "array", "items": {"type": "string", "enum": list(Platform.values)}},
        ],
        "nullable": True,
    }
)
class LimitValueField(serializers.JSONField):
    """The limit: a number, true/false (automation), a rate such as ``1000/hour`` or the list
    of platforms allowed; null means unlimited."""


class LimitUsageSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=LIMIT_NAMES)
    description = serializers.CharField()
    limit = LimitValueField(help_text="null: unlimited.")
    used = UsageField(
        help_text="What you use now: a number, per platform for connected accounts, null "
        "where the limit is not a count."
    )
    remaining = UsageField(help_text="What is left, in the same shape; null when unlimited.")
    resets_at = serializers.DateTimeField(
        allow_null=True, help_text="When the count starts again (posts a month)."
    )


class PlanSerializer(serializers.Serializer):
    name = serializers.CharField(source="plan_name")
    valid_until = serializers.DateTimeField(
        allow_null=True, help_text="When your plan ends (then the default plan applies)."
    )
    unlimited = serializers.BooleanField(help_text="True for superusers: no limit applies.")


class HeldPostSerializer(serializers.Serializer):
    """A post of yours the plan holds: QUEUED, going out when the plan allows it again."""

    publication = serializers.IntegerField(source="pk")
    content = serializers.IntegerField(source="content_id")
    title = serializers.CharField(source="content.title")
    platform = serializers.ChoiceField(choices=Platform.choices)
    scheduled_for = serializers.DateTimeField(source="content.scheduled_for")
    hold_reason = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    timezone = serializers.CharField(help_text="IANA time zone name, e.g. Europe/Madrid.")
    plan = PlanSerializer(source="report")
    limits = LimitUsageSerializer(source="report.limits", many=True)
    held_posts = HeldPostSerializer(many=True)


TIME_ZONES = sorted(zoneinfo.available_timezones())


class MeUpdateSerializer(serializers.Serializer):
    """Only the time zone can be changed here; any other field is refused."""

    timezone = serializers.ChoiceField(
        choices=TIME_ZONES,
        help_text="IANA time zone name, e.g. Europe/Madrid. Schedule times without an offset, "
        "and the months of your plan, are read in it.",
        error_messages={"invalid_choice": '"{input}" is not an IANA time zone name.'},
    )

    def to_internal_value(self, data):
        if isinstance(data, dict):
            others = sorted(str(name)[:60] for name in set(data) - set(self.fields))[:10]
            if others:
                raise serializers.ValidationError(
                    {name: ["Read-only here: only timezone can be changed."] for name in others}
                )
        return super().to_internal_value(data)
