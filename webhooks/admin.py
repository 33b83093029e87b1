"""Webhooks in the admin: endpoints of any user (never their secret), and the delivery log.

"Send again" and "Replay since…" each need a permission of their own
(``webhooks.resend_webhookdelivery``, ``webhooks.replay_webhookendpoint``).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from operator_admin.readonly import ReadOnlyAdminMixin
from operator_admin.secrets import SecretLookupsRefusedMixin
from operator_admin.timezone import OperatorTimezoneMixin
from publishing.admin.actions import intermediate_form
from webhooks import services
from webhooks.models import (
    ALL_EVENTS,
    SUBSCRIBABLE,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

EVENT_CHOICES = [(ALL_EVENTS, "Every event"), *((name, name) for name in SUBSCRIBABLE)]


class EndpointForm(forms.ModelForm):
    """The endpoint without its secret: a new one gets a secret its owner rotates to read."""

    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ("owner", "url", "description", "events", "is_active")

    def clean_url(self):
        try:
            return services.check_url(self.cleaned_data["url"])
        except services.EndpointRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None

    def clean_events(self):
        try:
            return services.check_events(self.cleaned_data["events"])
        except services.EndpointRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None


class ReplayForm(forms.Form):
    since = forms.DateTimeField(
        help_text="Every event since this time (your time zone) is sent again, with its "
        "original webhook-id."
    )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SecretLookupsRefusedMixin, OperatorTimezoneMixin, admin.ModelAdmin):
    form = EndpointForm
    list_display = ("id", "owner", "url", "is_active", "failing_since", "disabled_reason")
    list_filter = ("is_active",)
    search_fields = ("url", "description", "owner__username")
    list_select_related = ("owner",)
    readonly_fields = ("disabled_reason", "disabled_at", "failing_since", "created_at")
    actions = ("replay",)

    def get_readonly_fields(self, request, obj=None):
        # An endpoint stays with the user it was made for.
        return (*self.readonly_fields, "owner") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.update_endpoint(
                obj,
                url=data["url"],
                events=data["events"],
                description=data["description"],
                is_active=data["is_active"],
            )
            return
        endpoint, _secret = services.create_endpoint(
            owner=data["owner"],
            url=data["url"],
            events=data["events"],
            description=data["description"],
        )
        obj.pk = endpoint.pk
        messages.info(
            request,
            "The endpoint has a new signing secret, never shown here: its owner reads it "
            "with POST /api/v1/webhooks/{id}/rotate-secret/.".replace("{id}", str(endpoint.pk)),
        )

    def has_replay_permission(self, request) -> bool:
        return request.user.is_active and request.user.has_perm("webhooks.replay_webhookendpoint")

    @admin.action(description="Replay every event since…", permissions=["replay"])
    def replay(self, request, queryset):
        form = ReplayForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return intermediate_form(
                self,
                request,
                queryset,
                form=form,
                action="replay",
                title="Replay events since",
                intro="Each selected endpoint receives again every event since this time that "
                "it subscribes to.",
                submit="Replay",
            )
        queued = sum(
            services.replay_since(endpoint, form.cleaned_data["since"]) for endpoint in queryset
        )
        self.message_user(request, f"{queued} deliveries queued again.", messages.SUCCESS)
        return None


@admin.register(WebhookEvent)
class WebhookEventAdmin(OperatorTimezoneMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox: what happened, for whom; its deliveries are listed beside it."""

    list_display = ("id", "type", "owner", "message_id", "created_at")
    list_filter = ("type",)
    search_fields = ("message_id", "owner__username")
    list_select_related = ("owner",)
    fields = ("type", "owner", "message_id", "data", "created_at")


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("attempted_at", "status_code", "duration_ms", "error", "response_body")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(
    SecretLookupsRefusedMixin, OperatorTimezoneMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    list_display = (
        "id",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    )
    list_filter = ("status", "event__type")
    search_fields = ("event__message_id", "endpoint__url", "endpoint__owner__username")
    list_select_related = ("event", "endpoint")
    fields = (
        "webhook_id",
        "event_type",
        "payload",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
    )
    readonly_fields = ("webhook_id", "event_type", "payload")
    inlines = (AttemptInline,)
    actions = ("send_again",)

    @admin.display(description="Event", ordering="event__type")
    def event_type(self, obj: WebhookDelivery) -> str:
        return obj.event.type

    @admin.display(description="webhook-id")
    def webhook_id(self, obj: WebhookDelivery) -> str:
        return obj.event.message_id

    @admin.display(description="Data")
    def payload(self, obj: WebhookDelivery) -> dict:
        return obj.event.data

    def has_resend_permission(self, request) -> bool:
        return request.user.is_active and request.user.has_perm("webhooks.resend_webhookdelivery")

    @admin.action(description="Send again now", permissions=["resend"])
    def send_again(self, request, queryset):
        count = 0
        for delivery in queryset:
            services.resend_delivery(delivery)
            count += 1
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)
