"""Content: scheduling and editing it, its targets' states, and what an action on it did."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from api.parsers import loads_bounded
from api.serializers.fields import MAX_ID, QueryBooleanField, UserDateTimeField
from api.serializers.publications import TargetStateSerializer
from content.choices import ContentStatus, Platform
from content.models import Content, ContentMedia
from entitlements.services import check_media_file, limits_for
from integrations.models import Integration
from platforms import registry
from platforms.options import BoundedListField, StrictSerializer
from publishing.media import ACCEPTED, UploadRefused, media_draft
from publishing.selectors import is_in_doubt
from publishing.services import (
    SchedulingError,
    Target,
    beyond_horizon,
    check_schedule_time,
    media_quota_problem,
    resolve_target,
)

MAX_TARGETS = 10
MAX_MEDIA = 10
MAX_BODY = 20_000


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


def schedulable(value, current=None):
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
        return schedulable(value, current)


class TargetsAndMedia:
    """How a new post's (or draft's) ``targets`` and ``media`` are read."""

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
        """Unsaved media rows, typed by their content; nothing is written here.

        A file larger than the user's plan allows raises ``EntitlementExceeded`` (403)
        before any file is read further or stored.
        """
        owner = self.context["request"].user
        limits = limits_for(owner) if uploads else None
        for upload in uploads:
            check_media_file(owner, name=upload.name, size_bytes=upload.size, limits=limits)
        drafts, errors = [], {}
        for position, upload in enumerate(uploads):
            try:
                drafts.append(media_draft(upload, position=position))
            except UploadRefused as error:
                errors[position] = [str(error)]
        if errors:
            raise serializers.ValidationError(errors)
        problem = media_quota_problem(owner=owner, incoming_bytes=sum(u.size for u in uploads))
        if problem:
            raise serializers.ValidationError(problem)
        return drafts


class ContentCreateSerializer(TargetsAndMedia, ContentWriteFields):
    """Schedule content: one publication per target."""

    status = serializers.ChoiceField(
        choices=[("scheduled", "scheduled"), ("draft", "draft")],
        required=False,
        help_text="`scheduled` (the default): publish at `scheduled_for`, or now. `draft`: "
        "save a draft; then no field is required, `scheduled_for` is a tentative time (or "
        "null) and `targets` may be empty.",
    )

    scheduled_for = ScheduleTimeField(
        required=False, help_text=f"{SCHEDULED_FOR_HELP} Required unless `publish_now` is true."
    )
    publish_now = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Publish at once instead of at `scheduled_for` (leave `scheduled_for` out): "
        "the content is scheduled for now and the engine takes it at its next poll.",
    )

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

    def to_internal_value(self, data):
        """As every serializer, naming each missing field at once: ``scheduled_for`` too,
        unless ``publish_now`` stands in for it."""
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict) and self.lacks_time(data):
                error.detail.setdefault("scheduled_for", [self.time_required()])
            raise
        if self.lacks_time(data):
            raise serializers.ValidationError({"scheduled_for": [self.time_required()]})
        if values["publish_now"] and "scheduled_for" in values:
            raise serializers.ValidationError(
                {"publish_now": ["Give scheduled_for or publish_now, not both."]}
            )
        return values

    @staticmethod
    def lacks_time(data) -> bool:
        if not hasattr(data, "get") or data.get("scheduled_for") is not None:
            return False
        now = data.get("publish_now")
        return not (
            isinstance(now, bool | int | str) and now in serializers.BooleanField.TRUE_VALUES
        )

    @staticmethod
    def time_required() -> ErrorDetail:
        return ErrorDetail("This field is required (or set publish_now to true).", code="required")


class ContentUpdateSerializer(ContentWriteFields):
    """Edit content nothing was sent for yet (the version grows)."""

    def validate_scheduled_for(self, value):
        return self.check_schedulable(value, current=self.instance.scheduled_for)


DRAFT_TIME_HELP = (
    "A tentative time (optional; `null` for none): the calendar shows it, and scheduling the "
    "draft without a time uses it. Never in the past."
)
DRAFT_TARGETS_HELP = (
    "The accounts to publish to once scheduled (optional): platform names or "
    '`{"integration": id}`, as for scheduled content.'
)


class DraftCreateSerializer(TargetsAndMedia, ContentWriteFields):
    """Save a draft: nothing is required, and nothing is published until it is scheduled
    (``POST /api/v1/content/{id}/schedule/``)."""

    status = serializers.ChoiceField(choices=[("draft", "draft")], help_text="`draft`.")
    scheduled_for = ScheduleTimeField(required=False, allow_null=True, help_text=DRAFT_TIME_HELP)
    targets = BoundedListField(
        child=TargetField(), required=False, max_length=MAX_TARGETS, help_text=DRAFT_TARGETS_HELP
    )
    media = BoundedListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        max_length=MAX_MEDIA,
        help_text="As for scheduled content (multipart requests only).",
    )

    def validate_scheduled_for(self, value):
        return None if value is None else self.check_schedulable(value)


class DraftUpdateSerializer(TargetsAndMedia, ContentWriteFields):
    """Edit a draft: its text, options, tentative time and accounts (the version grows)."""

    scheduled_for = ScheduleTimeField(required=False, allow_null=True, help_text=DRAFT_TIME_HELP)
    targets = BoundedListField(
        child=TargetField(), required=False, max_length=MAX_TARGETS, help_text=DRAFT_TARGETS_HELP
    )

    def validate_scheduled_for(self, value):
        if value is None:
            return None
        return self.check_schedulable(value, current=self.instance.scheduled_for)


class DraftScheduleSerializer(serializers.Serializer):
    """When a draft goes out: at ``scheduled_for``, at its tentative time, or now."""

    scheduled_for = ScheduleTimeField(
        required=False,
        help_text="When to publish; left out, the draft's tentative time. " + SCHEDULED_FOR_HELP,
    )
    publish_now = serializers.BooleanField(
        required=False, default=False, help_text="Publish at once (leave `scheduled_for` out)."
    )

    def validate_scheduled_for(self, value):
        return schedulable(value)

    def validate(self, values):
        if values["publish_now"] and "scheduled_for" in values:
            raise serializers.ValidationError(
                {"publish_now": ["Give scheduled_for or publish_now, not both."]}
            )
        return values


class MediaSerializer(serializers.ModelSerializer):
    file = serializers.CharField(source="file.name", read_only=True)

    class Meta:
        model = ContentMedia
        fields = ["id", "kind", "mime_type", "size_bytes", "alt_text", "position", "file"]
        read_only_fields = fields


class DraftTargetSerializer(serializers.Serializer):
    platform = serializers.CharField()
    integration = serializers.IntegerField(allow_null=True)


class ContentSerializer(serializers.ModelSerializer):
    options = serializers.JSONField(read_only=True)
    media = MediaSerializer(many=True, read_only=True)
    targets = TargetStateSerializer(source="publications", many=True, read_only=True)
    draft_targets = DraftTargetSerializer(
        many=True,
        read_only=True,
        help_text="A draft's chosen accounts (its `targets` are created when it is scheduled).",
    )
    in_doubt = serializers.SerializerMethodField(
        help_text="True when a target is in doubt (its own `in_doubt` says which): the "
        "content's `status` may read FAILED while that post is live. Settle the target "
        "through `POST /api/v1/publications/{id}/settle/`."
    )

    class Meta:
        model = Content
        fields = [
            "id",
            "title",
            "body",
            "options",
            "scheduled_for",
            "status",
            "in_doubt",
            "version",
            "retry_count",
            "last_retry_at",
            "created_at",
            "updated_at",
            "media",
            "targets",
            "draft_targets",
        ]
        read_only_fields = fields

    @extend_schema_field(bool)
    def get_in_doubt(self, content: Content) -> bool:
        # The targets are prefetched with the content: no query per row.
        return any(is_in_doubt(publication) for publication in content.publications.all())


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


class StatusFilterField(serializers.ChoiceField):
    """A content status, in either case (``status=draft`` lists the drafts)."""

    def to_internal_value(self, data):
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)


class ContentFilterSerializer(serializers.Serializer):
    status = StatusFilterField(
        choices=ContentStatus.choices,
        required=False,
        help_text="The content's aggregate status, or `draft` for the drafts.",
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
    in_doubt = QueryBooleanField(
        required=False,
        help_text="`true`: only content with a target in doubt; `false`: content with none.",
    )
    ordering = serializers.ChoiceField(
        choices=CONTENT_ORDERINGS, required=False, help_text="Default `-scheduled_for`."
    )
