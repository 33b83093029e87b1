"""Webhook endpoints and their delivery log: the secret goes out once, never in again."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.fields import MAX_ID, UserDateTimeField
from webhooks.models import ALL_EVENTS, SUBSCRIBABLE, WebhookAttempt, WebhookDelivery
from webhooks.models import WebhookEndpoint as Endpoint

EVENT_CHOICES = [ALL_EVENTS, *SUBSCRIBABLE]


class EndpointSerializer(serializers.ModelSerializer):
    """An endpoint, never its secret."""

    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES))

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "disabled_reason",
            "disabled_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EndpointWithSecretSerializer(EndpointSerializer):
    """The answer to create and rotate-secret: the only time the secret is shown."""

    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (`whsec_...`). Shown only in this answer: store it now.",
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EndpointWriteSerializer(serializers.Serializer):
    url = serializers.URLField(
        max_length=2000,
        help_text="https:// (http:// to localhost only in development); a public address.",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES),
        min_length=1,
        max_length=len(EVENT_CHOICES),
        help_text='Event types to receive, or `["*"]` for all.',
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    is_active = serializers.BooleanField(
        required=False, help_text="Turn delivery off, or on again (which forgets past failures)."
    )


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "status_code", "duration_ms", "response_body", "error"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    """One event sent to one endpoint, with every attempt."""

    webhook_id = serializers.CharField(source="event.message_id", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    payload = serializers.SerializerMethodField()
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook_id",
            "event_type",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
            "attempt_log",
        ]
        read_only_fields = fields

    def get_payload(self, obj: WebhookDelivery) -> dict:
        """The body as sent: ``type``, ``timestamp`` and ``data``."""
        event = obj.event
        return {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.data}


class DeliveryFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices, required=False)


class ResendSerializer(serializers.Serializer):
    delivery = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class ReplaySerializer(serializers.Serializer):
    since = UserDateTimeField(
        help_text="Send again every event since this time (ISO 8601) that the endpoint "
        "subscribes to, each with its original `webhook-id`."
    )


class ReplayOutcomeSerializer(serializers.Serializer):
    queued = serializers.IntegerField()
