"""The client API: thin views over publishing.services.

Every queryset is filtered by owner, so another user's objects answer 404.
Every POST honours ``Idempotency-Key`` (api/idempotency.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from api import serializers as s
from api.errors import ErrorSerializer
from api.idempotency import HEADER, IdempotentPostMixin
from api.parsers import BoundedJSONParser
from content.models import Content, ContentMedia
from integrations.models import Integration
from integrations.oauth.flow import provider_statuses, start_connect
from integrations.services import (
    connect_with_tokens,
    pause_integration,
    resume_integration,
    revoke_integration,
)
from publishing.models import Publication, PublicationEvent
from publishing.services import (
    cancel_targets,
    delete_content,
    edit_content,
    publish_now,
    retry_failed,
    schedule_content,
)
from publishing.states import Actor


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


COMMON_ERRORS = {
    401: error("Not authenticated (`Authorization: Token <token>`, or a session)."),
    429: error("Too many requests; `Retry-After` says when to come back."),
}
NOT_FOUND = {404: error("Not found, or not yours.")}
IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    OpenApiParameter.HEADER,
    required=False,
    description="Optional. The same key with the same request within 24 hours answers the "
    "first response again and changes nothing (`Idempotent-Replayed: true`).",
)
IDEMPOTENCY_ERRORS = {
    409: error(
        "`idempotency_key_in_progress`: a request with this key is still running "
        "(or, for content, `locked`: a target has started)."
    ),
    422: error("`idempotency_key_reused`: this key was used for a different request."),
}
INVALID = {400: error("Invalid input: `field_errors` (and `platforms`) say what to fix.")}


def owned_contents(user):
    return (
        Content.objects.filter(owner=user)
        .prefetch_related(
            Prefetch("publications", queryset=Publication.objects.order_by("pk")),
            Prefetch("media", queryset=ContentMedia.objects.order_by("position", "pk")),
        )
        .order_by("-scheduled_for", "-pk")
    )


def action_schema(summary: str, description: str):
    return extend_schema(
        summary=summary,
        description=description,
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: s.TargetsOutcomeSerializer,
            400: error("A malformed `Idempotency-Key`."),
            **COMMON_ERRORS,
            **NOT_FOUND,
            **IDEMPOTENCY_ERRORS,
        },
    )


@extend_schema_view(
    list=extend_schema(
        summary="List your content",
        parameters=[s.ContentFilterSerializer],
        responses={
            200: s.ContentSerializer(many=True),
            **INVALID,
            **COMMON_ERRORS,
            404: error("No such page."),
        },
    ),
    retrieve=extend_schema(
        summary="One content, with each target's state, attempts, permalink and last error",
        responses={200: s.ContentSerializer, **COMMON_ERRORS, **NOT_FOUND},
    ),
    create=extend_schema(
        summary="Schedule content",
        description="Creates the content and one publication per target. Each platform's "
        "rules are checked now: content a platform would refuse answers 400 with code "
        "`platform_rules`, the messages in `platforms` (per platform) and "
        "`field_errors.targets`. Send JSON, or multipart/form-data to attach `media` "
        "(then `targets` is repeated and `options` is JSON text). " + s.SCHEDULED_FOR_HELP,
        parameters=[IDEMPOTENCY_KEY],
        request={
            "application/json": s.ContentCreateSerializer,
            "multipart/form-data": s.ContentCreateSerializer,
        },
        responses={
            201: s.ContentSerializer,
            **INVALID,
            **COMMON_ERRORS,
            **IDEMPOTENCY_ERRORS,
            413: error("The request body is too large."),
        },
    ),
    update=extend_schema(
        summary="Replace the text, options or time",
        description="Only while nothing has been sent: once a target has started, 409 with "
        "code `locked`. Moving the time needs every target still SCHEDULED. The version grows.",
        request=s.ContentUpdateSerializer,
        responses={
            200: s.ContentSerializer,
            **INVALID,
            **COMMON_ERRORS,
            **NOT_FOUND,
            409: error("`locked`: a target has started."),
        },
    ),
    partial_update=extend_schema(
        summary="Edit the text, options or time",
        description="As PUT, with only the fields to change.",
        request=s.ContentUpdateSerializer,
        responses={
            200: s.ContentSerializer,
            **INVALID,
            **COMMON_ERRORS,
            **NOT_FOUND,
            409: error("`locked`: a target has started."),
        },
    ),
    destroy=extend_schema(
        summary="Delete content nothing was sent for",
        description="Deletes the content, its targets and files when no request was ever sent "
        "for it. Content with a target PUBLISHED, PUBLISHING or in doubt (its request went "
        "out) stays as the record: 409 `locked`; cancel its other targets instead.",
        responses={
            204: None,
            **COMMON_ERRORS,
            **NOT_FOUND,
            409: error("`locked`: something was sent."),
        },
    ),
    cancel=action_schema(
        "Cancel every target that has not started",
        "SCHEDULED, QUEUED and RETRYING targets become CANCELED; the others are listed in "
        "`skipped` with the reason.",
    ),
    publish_now=action_schema(
        "Publish now",
        "Every SCHEDULED target becomes due at once; the engine takes it at its next poll "
        "(about a second). The idempotency keys stay: the post goes out once.",
    ),
    retry=action_schema(
        "Retry failed targets",
        "Every FAILED target gets a new attempt, unless it is already published under its "
        "idempotency key. A target whose earlier request may have gone out is checked on the "
        "platform before anything is sent again (see `notes`).",
    ),
)
class ContentViewSet(IdempotentPostMixin, viewsets.ModelViewSet):
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]
    serializer_class = s.ContentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Content.objects.none()
        contents = owned_contents(self.request.user)
        if self.action != "list":
            return contents
        query = s.ContentFilterSerializer(
            data=self.request.query_params, context=self.get_serializer_context()
        )
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        if "status" in filters:
            contents = contents.filter(status=filters["status"])
        if "platform" in filters:
            contents = contents.filter(
                Exists(
                    Publication.objects.filter(content=OuterRef("pk"), platform=filters["platform"])
                )
            )
        if "scheduled_after" in filters:
            contents = contents.filter(scheduled_for__gte=filters["scheduled_after"])
        if "scheduled_before" in filters:
            contents = contents.filter(scheduled_for__lt=filters["scheduled_before"])
        if "ordering" in filters:
            contents = contents.order_by(filters["ordering"], "pk")
        return contents

    def refreshed(self, pk: int) -> dict:
        return s.ContentSerializer(owned_contents(self.request.user).get(pk=pk)).data

    def create(self, request, *args, **kwargs):
        form = s.ContentCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        content = schedule_content(
            owner=request.user,
            title=data.get("title", ""),
            body=data.get("body", ""),
            options=data.get("options") or {},
            scheduled_for=data["scheduled_for"],
            targets=data["targets"],
            media=data.get("media", []),
            actor=Actor.for_user(request.user),
        )
        return Response(self.refreshed(content.pk), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        content = self.get_object()
        form = s.ContentUpdateSerializer(
            content,
            data=request.data,
            partial=kwargs.get("partial", False),
            context=self.get_serializer_context(),
        )
        form.is_valid(raise_exception=True)
        edit_content(content, **form.validated_data)
        return Response(self.refreshed(content.pk))

    def destroy(self, request, *args, **kwargs):
        delete_content(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def act(self, service) -> Response:
        content = self.get_object()
        outcome = service(content, actor=Actor.for_user(self.request.user))
        return Response(s.outcome_data(outcome, self.refreshed(content.pk)))

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self.act(cancel_targets)

    @action(detail=True, methods=["post"], url_path="publish-now")
    def publish_now(self, request, pk=None):
        return self.act(publish_now)

    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        return self.act(retry_failed)


@extend_schema_view(
    list=extend_schema(
        summary="List your publications (one per content and target)",
        parameters=[s.PublicationFilterSerializer],
        responses={
            200: s.PublicationSerializer(many=True),
            **INVALID,
            **COMMON_ERRORS,
            404: error("No such page."),
        },
    ),
    retrieve=extend_schema(
        summary="One publication with its audit log",
        responses={200: s.PublicationDetailSerializer, **COMMON_ERRORS, **NOT_FOUND},
    ),
)
class PublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.PublicationDetailSerializer
        return s.PublicationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Publication.objects.none()
        publications = Publication.objects.filter(content__owner=self.request.user).order_by("-pk")
        if self.action == "retrieve":
            return publications.prefetch_related(
                Prefetch("events", queryset=PublicationEvent.objects.order_by("pk"))
            )
        query = s.PublicationFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        if "status" in filters:
            publications = publications.filter(status=filters["status"])
        if "platform" in filters:
            publications = publications.filter(platform=filters["platform"])
        if "content" in filters:
            publications = publications.filter(content_id=filters["content"])
        return publications


# --- Integrations -----------------------------------------------------------------------


def lifecycle_schema(summary: str, description: str, response=None):
    return extend_schema(
        summary=summary,
        description=description,
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: response or s.IntegrationSerializer,
            400: error("A malformed `Idempotency-Key`."),
            **COMMON_ERRORS,
            **NOT_FOUND,
            409: error(
                "`conflict`: not possible in the account's current status (the message "
                "names it), or `idempotency_key_in_progress`."
            ),
            422: IDEMPOTENCY_ERRORS[422],
        },
    )


@extend_schema_view(
    list=extend_schema(
        summary="List your connected accounts (never their tokens)",
        responses={
            200: s.IntegrationSerializer(many=True),
            **COMMON_ERRORS,
            404: error("No such page."),
        },
    ),
    retrieve=extend_schema(
        summary="One connected account",
        responses={200: s.IntegrationSerializer, **COMMON_ERRORS, **NOT_FOUND},
    ),
    create=extend_schema(
        summary="Connect an account by entering its tokens",
        description="The tokens are checked with the platform (one identity call) before "
        "anything is saved; they are write-only and stored encrypted. Entering tokens for an "
        "account you already have updates it. Discord takes a `webhook_url`, or a bot token "
        "(`access_token`) and a `channel_id`. Tokens, the webhook URL and the channel id are "
        "printable ASCII without spaces; anything else is a 400 naming the field. A platform "
        "that cannot be reached, fails or rate-limits the check answers 503 "
        "`platform_unavailable`: nothing is saved, and the same `Idempotency-Key` may be sent "
        "again.",
        request=s.IntegrationTokensSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: s.IntegrationSerializer,
            200: s.IntegrationSerializer,
            **INVALID,
            **COMMON_ERRORS,
            **IDEMPOTENCY_ERRORS,
            503: error(
                "`platform_unavailable`: the platform could not be reached, failed or is rate "
                "limiting; `Retry-After` says when to try again. Nothing was saved."
            ),
        },
    ),
    providers=extend_schema(
        summary="The platforms you can connect, and whether each is configured",
        responses={200: s.ProviderSerializer(many=True), **COMMON_ERRORS},
    ),
    connect=extend_schema(
        summary="Start an OAuth connect flow",
        description="Returns an authorization URL on Herald. Open it in one browser: Herald "
        "ties the flow to that browser with a cookie and sends it on to the platform's consent "
        "page; after consent the platform sends the same browser back to Herald, which checks "
        "the `state` and the cookie, saves the account (updating it if already connected) and "
        "shows the result; then list your integrations. The URL works in the first browser "
        "that opens it, and only there. A provider without client credentials answers 400 "
        "naming the settings to set.",
        request=s.ConnectRequestSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: s.AuthorizationSerializer,
            **INVALID,
            **COMMON_ERRORS,
            **IDEMPOTENCY_ERRORS,
        },
    ),
    pause=lifecycle_schema("Pause an account", "Due posts for it wait until it is resumed."),
    resume=lifecycle_schema("Resume a paused account", "The posts it held are due at once."),
    revoke=lifecycle_schema(
        "Revoke an account",
        "Calls the platform's revoke endpoint where one exists, then forgets the tokens. "
        "`platform_message` says what happened at the platform.",
        s.RevokeOutcomeSerializer,
    ),
)
class IntegrationViewSet(
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.IntegrationSerializer
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Integration.objects.none()
        return Integration.objects.filter(user=self.request.user).order_by("provider", "pk")

    def create(self, request, *args, **kwargs):
        form = s.IntegrationTokensSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        integration, created = connect_with_tokens(
            user=request.user,
            provider=data["provider"],
            access_token=data.get("access_token", ""),
            refresh_token=data.get("refresh_token", ""),
            webhook_url=data.get("webhook_url", ""),
            channel_id=data.get("channel_id", ""),
            expires_at=data.get("token_expires_at"),
        )
        return Response(
            s.IntegrationSerializer(integration).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @action(detail=False, methods=["get"], pagination_class=None)
    def providers(self, request):
        return Response(s.ProviderSerializer(provider_statuses(), many=True).data)

    @action(detail=False, methods=["post"])
    def connect(self, request):
        form = s.ConnectRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        url = start_connect(user=request.user, provider=form.validated_data["provider"])
        return Response({"authorization_url": url, "expires_in": settings.OAUTH_STATE_MAX_AGE})

    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return Response(s.IntegrationSerializer(pause_integration(self.get_object())).data)

    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return Response(s.IntegrationSerializer(resume_integration(self.get_object())).data)

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        revoked = revoke_integration(self.get_object())
        return Response(
            {
                "integration": s.IntegrationSerializer(revoked.integration).data,
                "platform_message": revoked.platform_message,
            }
        )
