"""Request and response shapes of the client API. Rules live in publishing.services."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.parsers import loads_bounded
from content.choices import Platform, Status
from content.models import Content, ContentMedia
from integrations.models import Integration
from platforms import registry
from platforms.options import BoundedListField, StrictSerializer
from publishing.media import ACCEPTED, UploadRefused, media_draft
from publishing.models import Publication, PublicationEvent
from publishing.services import (
    SchedulingError,
    Target,
    beyond_horizon,
    check_schedule_time,
    media_quota_problem,
    resolve_target,
)

MAX_ID = 2**63 - 1
MAX_TARGETS = 10
MAX_MEDIA = 10
MAX_BODY = 20_000


class UserDateTimeField(serializers.DateTimeField):
    """ISO 8601. Without an offset the time is read in the requesting user's time zone.

    Total: a time that is outside the calendar in UTC, where the database keeps it (the
    first or last day of year 1 or 9999 moved across by an offset), is a 400.
    """

    def default_timezone(self):
        request = self.context.get("request")
        zone = getattr(getattr(request, "user", None), "zone", None)
        return zone or super().default_timezone()

    def enforce_timezone(self, value):
        if timezone.is_aware(value):
            try:
                return value.astimezone(self.default_timezone())
            except OverflowError:
                # The user's zone cannot show the calendar's last hours; UTC can.
                return value.astimezone(dt.UTC)
        aware = super().enforce_timezone(value)
        # A local time the clocks skip (spring forward) would silently move by an hour.
        zone = aware.tzinfo
        if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != value:
            raise serializers.ValidationError(
                f"{value.isoformat()} does not exist in {zone} (the clocks change then); "
                "give the time with an offset."
            )
        return aware

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
            moment.astimezone(dt.UTC)
        except OverflowError:
            raise serializers.ValidationError(self.out_of_range(value)) from None
        return moment

    def out_of_range(self, value) -> str:
        return f"{value} cannot be stored: it falls outside the years 1 to 9999 in UTC."


class ScheduleTimeField(UserDateTimeField):
    """A time to publish at: one past the end of the calendar is past the horizon too."""

    def out_of_range(self, value) -> str:
        wall_time = parse_datetime(str(value))
        if wall_time is not None and wall_time.year == dt.MAXYEAR:
            return str(beyond_horizon())
        return super().out_of_range(value)


SCHEDULED_FOR_HELP = (
    "When to publish, ISO 8601, e.g. `2030-05-01T09:30:00+02:00`. A time without an offset "
    "(`2030-05-01T09:30:00`) is read in your account's time zone (`User.timezone`). "
    "Must not be in the past."
)


class ContentOptionsSerializer(StrictSerializer):
    """Options keyed by platform: each platform's own serializer, from the registry."""

    def get_fields(self):
        return {
            platform.value: platform.options_serializer()(required=False)
            for platform in registry.all_platforms()
        }


@extend_schema_field(ContentOptionsSerializer)
class OptionsField(serializers.JSONField):
    """Per-platform options: a JSON object (JSON text in a multipart request)."""

    def to_internal_value(self, data):
        if getattr(data, "is_json_string", False):  # JSON text from a form
            try:
                data = loads_bounded(data)
            except ValueError as error:
                raise serializers.ValidationError(f"Value must be valid JSON: {error}") from None
        else:
            data = super().to_internal_value(data)
        options = ContentOptionsSerializer(data=data)
        if not options.is_valid():
            raise serializers.ValidationError(options.errors)
        return json.loads(json.dumps(options.validated_data))


TARGET_SCHEMA = {
    "oneOf": [
        {"type": "string", "enum": list(Platform.values), "description": "A platform name."},
        {
            "type": "object",
            "properties": {
                "platform": {"type": "string", "enum": list(Platform.values)},
                "integration": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_ID,
                    "description": "The id of one of your integrations.",
                },
            },
            "additionalProperties": False,
        },
    ]
}


@extend_schema_field(TARGET_SCHEMA)
class TargetField(serializers.Field):
    """``"twitter"``, ``{"platform": "twitter"}`` or ``{"integration": 12}``."""

    default_error_messages = {
        # Braces doubled: DRF formats error messages.
        "invalid": 'A target is a platform name, {{"platform": name}} or {{"integration": id}}.',
    }

    def to_internal_value(self, data):
        if isinstance(data, str) and data.lstrip().startswith("{"):
            try:  # a JSON object in a multipart form
                data = loads_bounded(data)
            except ValueError:
                self.fail("invalid")
        if isinstance(data, str):
            return {"platform": data, "integration": None}
        if not isinstance(data, dict) or not data or set(data) - {"platform", "integration"}:
            self.fail("invalid")
        platform, integration = data.get("platform"), data.get("integration")
        if platform is not None and not isinstance(platform, str):
            self.fail("invalid")
        if integration is not None and (
            isinstance(integration, bool)
            or not isinstance(integration, int)
            or not 1 <= integration <= MAX_ID
        ):
            raise serializers.ValidationError("integration must be the id of an integration.")
        if platform is None and integration is None:
            self.fail("invalid")
        return {"platform": platform, "integration": integration}

    def to_representation(self, value):
        return value


def resolve(owner, item: dict) -> Target:
    """A target of ``owner``; another user's integration is "not found", like a missing one."""
    if item["integration"] is None:
        try:
            return resolve_target(owner, item["platform"])
        except SchedulingError as error:
            raise serializers.ValidationError(str(error)) from None
    account = Integration.objects.filter(user=owner, pk=item["integration"]).first()
    if account is None:
        raise serializers.ValidationError(f"Integration {item['integration']} not found.")
    if account.status == Integration.Status.REVOKED:
        raise serializers.ValidationError(
            f"Integration {account.pk} is revoked; connect the account again."
        )
    if item["platform"] is not None and item["platform"] != account.provider:
        raise serializers.ValidationError(
            f"Integration {account.pk} is a {account.get_provider_display()} account, "
            f"not {item['platform']}."
        )
    return Target(account.provider, account)


class ContentWriteFields(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body = serializers.CharField(
        max_length=MAX_BODY, required=False, allow_blank=True, trim_whitespace=False
    )
    options = OptionsField(
        required=False,
        help_text="Per-platform options keyed by platform, e.g. "
        '`{"youtube": {"title": "Launch", "privacy": "unlisted"}, "twitter": {"thread": ["2/2"]}}`.'
        " In a multipart request, JSON text.",
    )
    scheduled_for = ScheduleTimeField(help_text=SCHEDULED_FOR_HELP)

    def check_schedulable(self, value, current=None):
        """Neither in the past nor past the scheduling horizon (unless left unchanged)."""
        if value == current:
            return value
        if value < timezone.now():
            raise serializers.ValidationError(
                f"{value.isoformat()} is in the past; choose a later time, or use publish-now "
                "to publish at once."
            )
        try:
            check_schedule_time(value)
        except SchedulingError as error:
            raise serializers.ValidationError(str(error)) from None
        return value


class ContentCreateSerializer(ContentWriteFields):
    """Schedule content: one publication per target."""

    targets = BoundedListField(
        child=TargetField(),
        min_length=1,
        max_length=MAX_TARGETS,
        help_text="Where to publish: platform names (your only account there, or your legacy "
        'tokens) or `{"integration": id}` for one of your accounts. In a multipart request, '
        "repeat the field.",
    )
    media = BoundedListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        max_length=MAX_MEDIA,
        help_text=f"{ACCEPTED[0].upper()}{ACCEPTED[1:]}, in order (multipart requests only). "
        "Each at most MAX_UPLOAD_BYTES; its type is read from its content and must match the "
        "declared one.",
    )

    def validate_scheduled_for(self, value):
        return self.check_schedulable(value)

    def validate_targets(self, items):
        owner = self.context["request"].user
        targets, errors = [], {}
        for index, item in enumerate(items):
            try:
                target = resolve(owner, item)
            except serializers.ValidationError as error:
                errors[index] = error.detail
                continue
            if target in targets:
                errors[index] = ["This target is listed twice."]
            targets.append(target)
        if errors:
            raise serializers.ValidationError(errors)
        return targets

    def validate_media(self, uploads) -> list[ContentMedia]:
        """Unsaved media rows, typed by their content; nothing is written here."""
        drafts, errors = [], {}
        for position, upload in enumerate(uploads):
            try:
                drafts.append(media_draft(upload, position=position))
            except UploadRefused as error:
                errors[position] = [str(error)]
        if errors:
            raise serializers.ValidationError(errors)
        problem = media_quota_problem(
            owner=self.context["request"].user, incoming_bytes=sum(u.size for u in uploads)
        )
        if problem:
            raise serializers.ValidationError(problem)
        return drafts


class ContentUpdateSerializer(ContentWriteFields):
    """Edit content nothing was sent for yet (the version grows)."""

    def validate_scheduled_for(self, value):
        return self.check_schedulable(value, current=self.instance.scheduled_for)


class MediaSerializer(serializers.ModelSerializer):
    file = serializers.CharField(source="file.name", read_only=True)

    class Meta:
        model = ContentMedia
        fields = ["id", "kind", "mime_type", "size_bytes", "alt_text", "position", "file"]
        read_only_fields = fields


PUBLICATION_FIELDS = [
    "id",
    "platform",
    "integration",
    "status",
    "attempts",
    "retry_count",
    "last_retry_at",
    "next_attempt_at",
    "hold_reason",
    "published_at",
    "permalink",
    "external_id",
    "last_error_code",
    "last_error",
]


class TargetStateSerializer(serializers.ModelSerializer):
    """One target of a content and where its publication stands."""

    permalink = serializers.CharField(read_only=True, help_text="Empty until published.")

    class Meta:
        model = Publication
        fields = PUBLICATION_FIELDS
        read_only_fields = fields


class ContentSerializer(serializers.ModelSerializer):
    options = serializers.JSONField(read_only=True)
    media = MediaSerializer(many=True, read_only=True)
    targets = TargetStateSerializer(source="publications", many=True, read_only=True)

    class Meta:
        model = Content
        fields = [
            "id",
            "title",
            "body",
            "options",
            "scheduled_for",
            "status",
            "version",
            "retry_count",
            "last_retry_at",
            "created_at",
            "updated_at",
            "media",
            "targets",
        ]
        read_only_fields = fields


class PublicationSerializer(serializers.ModelSerializer):
    permalink = serializers.CharField(read_only=True, help_text="Empty until published.")

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


class SkippedTargetSerializer(serializers.Serializer):
    publication = serializers.IntegerField()
    reason = serializers.CharField()


class TargetsOutcomeSerializer(serializers.Serializer):
    """What an action did: which targets it acted on, and why the others were left alone."""

    message = serializers.CharField(help_text='e.g. "2 retried, 1 skipped: already published".')
    done = serializers.ListField(child=serializers.IntegerField())
    skipped = SkippedTargetSerializer(many=True)
    notes = SkippedTargetSerializer(many=True)
    content = ContentSerializer()


def outcome_data(outcome, content) -> dict:
    return {
        "message": outcome.summary(),
        "done": outcome.done,
        "skipped": [{"publication": pk, "reason": why} for pk, why in outcome.skipped.items()],
        "notes": [{"publication": pk, "reason": why} for pk, why in outcome.notes.items()],
        "content": content,
    }


CONTENT_ORDERINGS = ("scheduled_for", "-scheduled_for", "created_at", "-created_at")


class ContentFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text="The content's aggregate status."
    )
    platform = serializers.ChoiceField(
        choices=Platform.choices, required=False, help_text="Content with a target there."
    )
    scheduled_after = UserDateTimeField(
        required=False, help_text="Scheduled at or after this time (no offset: your time zone)."
    )
    scheduled_before = UserDateTimeField(
        required=False, help_text="Scheduled before this time (no offset: your time zone)."
    )
    ordering = serializers.ChoiceField(
        choices=CONTENT_ORDERINGS, required=False, help_text="Default `-scheduled_for`."
    )


class PublicationFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    content = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="A content id."
    )


class TokenRequestSerializer(serializers.Serializer):
    # The lengths bound what a failed attempt stores (django-axes) and what is hashed.
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=4096, style={"input_type": "password"}, trim_whitespace=False
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True, help_text="Shown once: Herald keeps only a digest of it."
    )
    expiry = serializers.DateTimeField(
        read_only=True, help_text="When the token stops working (`API_TOKEN_TTL_HOURS`)."
    )


# --- Integrations -----------------------------------------------------------------------


class IntegrationSerializer(serializers.ModelSerializer):
    """An account, never its tokens: only whether each secret is stored."""

    has_access_token = serializers.SerializerMethodField()
    has_refresh_token = serializers.SerializerMethodField()
    has_webhook_url = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = [
            "id",
            "provider",
            "status",
            "external_account_id",
            "display_name",
            "scopes",
            "token_expires_at",
            "has_access_token",
            "has_refresh_token",
            "has_webhook_url",
            "last_error",
            "last_error_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_access_token(self, obj: Integration) -> bool:
        return bool(obj.access_token)

    def get_has_refresh_token(self, obj: Integration) -> bool:
        return bool(obj.refresh_token)

    def get_has_webhook_url(self, obj: Integration) -> bool:
        return bool(obj.webhook_url)


def printable_ascii(value: str) -> None:
    """A token, webhook URL or id: visible ASCII only. The error never repeats the value."""
    if not all("!" <= character <= "~" for character in value):
        raise serializers.ValidationError(
            "Use printable ASCII characters only, without spaces, line breaks or control "
            "characters: check that it was copied whole."
        )


class IntegrationTokensSerializer(serializers.Serializer):
    """Connect by entering tokens: every secret is write-only and checked with the platform."""

    provider = serializers.ChoiceField(choices=Platform.choices)
    access_token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=4096,
        validators=[printable_ascii],
        help_text="X, Instagram, YouTube: the user access token. Discord: a bot token.",
    )
    refresh_token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=4096,
        validators=[printable_ascii],
    )
    webhook_url = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        validators=[printable_ascii],
        help_text="Discord: a webhook URL (instead of a bot token and channel).",
    )
    channel_id = serializers.RegexField(
        r"^\d{1,25}$",
        required=False,
        allow_blank=True,
        validators=[printable_ascii],
        help_text="Discord with a bot token: the channel to post in.",
    )
    token_expires_at = UserDateTimeField(required=False, allow_null=True)


class ConnectRequestSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=Platform.choices)


class AuthorizationSerializer(serializers.Serializer):
    authorization_url = serializers.URLField(
        help_text="Open it in a browser; the platform sends the user back to Herald, which "
        "saves the account and shows the result."
    )
    expires_in = serializers.IntegerField(help_text="Seconds the flow may take.")


class ProviderSerializer(serializers.Serializer):
    provider = serializers.CharField()
    name = serializers.CharField()
    configured = serializers.BooleanField()
    missing_settings = serializers.ListField(child=serializers.CharField())


class RevokeOutcomeSerializer(serializers.Serializer):
    integration = IntegrationSerializer()
    platform_message = serializers.CharField()
