"""The client API: thin views over publishing.services.

Every queryset is filtered by owner, so another user's objects answer 404.
Every POST honours ``Idempotency-Key`` (api/idempotency.py).
"""

from __future__ import annotations

from types import SimpleNamespace

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import IdempotentPostMixin
from api.pagination import IdsFirstPagination
from api.parsers import BoundedJSONParser
from api.schema import (
    content_schema,
    integration_schema,
    me_schema,
    publication_schema,
    webhook_schema,
)
from api.selectors import held_by_plan
from api.serializers.content import (
    ContentCreateSerializer,
    ContentFilterSerializer,
    ContentSerializer,
    ContentUpdateSerializer,
    DraftCreateSerializer,
    DraftScheduleSerializer,
    DraftUpdateSerializer,
    outcome_data,
)
from api.serializers.integrations import (
    ConnectRequestSerializer,
    IntegrationSerializer,
    IntegrationTokensSerializer,
    ProviderSerializer,
)
from api.serializers.me import MeSerializer, MeUpdateSerializer
from api.serializers.publications import (
    PublicationDetailSerializer,
    PublicationFilterSerializer,
    PublicationSerializer,
    SettleSerializer,
)
from api.serializers.webhooks import (
    DeliveryFilterSerializer,
    DeliverySerializer,
    EndpointSerializer,
    EndpointWithSecretSerializer,
    EndpointWriteSerializer,
    ReplaySerializer,
    ResendSerializer,
)
from content.choices import ContentStatus
from content.models import Content, ContentMedia
from entitlements.services import usage_report
from integrations.models import Integration
from integrations.oauth.flow import provider_statuses, start_connect
from integrations.selectors import connected_accounts_by_platform
from integrations.services import (
    connect_by_hand,
    connect_with_tokens,
    hand_connect,
    pause_integration,
    resume_integration,
    revoke_integration,
    typed_by_hand,
)
from publishing import drafts
from publishing.models import Publication, PublicationEvent
from publishing.selectors import IN_DOUBT
from publishing.services import (
    cancel_targets,
    delete_content,
    edit_content,
    publish_now,
    resolve_in_doubt,
    retry_failed,
    schedule_content,
)
from publishing.states import Actor
from webhooks.models import WebhookEndpoint
from webhooks.selectors import deliveries_of, endpoints_of
from webhooks.services import (
    create_endpoint,
    delete_endpoint,
    replay_since,
    resend_delivery,
    rotate_secret,
    send_test,
    update_endpoint,
)


def owned_contents(user):
    return (
        Content.objects.filter(owner=user)
        .prefetch_related(
            Prefetch("publications", queryset=Publication.objects.order_by("pk")),
            Prefetch("media", queryset=ContentMedia.objects.order_by("position", "pk")),
        )
        .order_by("-scheduled_for", "-pk")
    )


def wants_draft(data) -> bool:
    """``"status": "draft"`` in a new content's body: save a draft instead of scheduling."""
    return hasattr(data, "get") and data.get("status") == "draft"


@content_schema
class ContentViewSet(IdempotentPostMixin, viewsets.ModelViewSet):
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]
    serializer_class = ContentSerializer
    # A user's list grows with every post: a deep page reads the index, not the rows.
    pagination_class = IdsFirstPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Content.objects.none()
        contents = owned_contents(self.request.user)
        if self.action != "list":
            return contents
        query = ContentFilterSerializer(
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
        if "in_doubt" in filters:
            doubtful = Exists(Publication.objects.filter(IN_DOUBT, content=OuterRef("pk")))
            contents = contents.filter(doubtful if filters["in_doubt"] else ~doubtful)
        if "ordering" in filters:
            contents = contents.order_by(filters["ordering"], "pk")
        return contents

    def refreshed(self, pk: int) -> dict:
        return ContentSerializer(owned_contents(self.request.user).get(pk=pk)).data

    def create(self, request, *args, **kwargs):
        if wants_draft(request.data):
            return self.create_draft(request)
        form = ContentCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        content = schedule_content(
            owner=request.user,
            title=data.get("title", ""),
            body=data.get("body", ""),
            options=data.get("options") or {},
            # Publish now is by hand: due this instant, and allowed on a plan without automation.
            scheduled_for=None if data["publish_now"] else data["scheduled_for"],
            by_hand=data["publish_now"],
            targets=data["targets"],
            media=data.get("media", []),
            actor=Actor.for_user(request.user),
        )
        return Response(self.refreshed(content.pk), status=status.HTTP_201_CREATED)

    def create_draft(self, request) -> Response:
        form = DraftCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        content = drafts.save_draft(
            owner=request.user,
            title=data.get("title", ""),
            body=data.get("body", ""),
            options=data.get("options") or {},
            scheduled_for=data.get("scheduled_for"),
            targets=data.get("targets", []),
            media=data.get("media", []),
            actor=Actor.for_user(request.user),
        )
        return Response(self.refreshed(content.pk), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        content = self.get_object()
        if content.status == ContentStatus.DRAFT:
            return self.update_draft(request, content, partial=kwargs.get("partial", False))
        form = ContentUpdateSerializer(
            content,
            data=request.data,
            partial=kwargs.get("partial", False),
            context=self.get_serializer_context(),
        )
        form.is_valid(raise_exception=True)
        edit_content(content, **form.validated_data)
        return Response(self.refreshed(content.pk))

    def update_draft(self, request, content: Content, *, partial: bool) -> Response:
        form = DraftUpdateSerializer(
            content, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        form.is_valid(raise_exception=True)
        data = form.validated_data
        drafts.update_draft(
            content,
            title=data.get("title"),
            body=data.get("body"),
            options=data.get("options"),
            targets=data.get("targets"),
            scheduled_for=data.get("scheduled_for", drafts.UNSET),
        )
        return Response(self.refreshed(content.pk))

    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        content = self.get_object()
        form = DraftScheduleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        drafts.schedule_draft(
            content,
            scheduled_for=form.validated_data.get("scheduled_for"),
            by_hand=form.validated_data["publish_now"],
            actor=Actor.for_user(request.user),
        )
        return Response(self.refreshed(content.pk))

    def destroy(self, request, *args, **kwargs):
        delete_content(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def act(self, service) -> Response:
        content = self.get_object()
        outcome = service(content, actor=Actor.for_user(self.request.user))
        return Response(outcome_data(outcome, self.refreshed(content.pk)))

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self.act(cancel_targets)

    @action(detail=True, methods=["post"], url_path="publish-now")
    def publish_now(self, request, pk=None):
        return self.act(publish_now)

    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        return self.act(retry_failed)


@publication_schema
class PublicationViewSet(
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    def get_serializer_class(self):
        if self.action == "list":
            return PublicationSerializer
        return PublicationDetailSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Publication.objects.none()
        publications = Publication.objects.filter(content__owner=self.request.user).order_by("-pk")
        if self.action != "list":
            return publications.prefetch_related(
                Prefetch("events", queryset=PublicationEvent.objects.order_by("pk"))
            )
        query = PublicationFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        if "status" in filters:
            publications = publications.filter(status=filters["status"])
        if "platform" in filters:
            publications = publications.filter(platform=filters["platform"])
        if "content" in filters:
            publications = publications.filter(content_id=filters["content"])
        if "in_doubt" in filters:
            publications = publications.filter(IN_DOUBT if filters["in_doubt"] else ~IN_DOUBT)
        return publications

    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        publication = self.get_object()
        form = SettleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        resolve_in_doubt(publication, actor=Actor.for_user(request.user), **form.validated_data)
        return Response(
            PublicationDetailSerializer(self.get_queryset().get(pk=publication.pk)).data
        )


# --- Integrations -----------------------------------------------------------------------


@integration_schema
class IntegrationViewSet(
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = IntegrationSerializer
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Integration.objects.none()
        return Integration.objects.filter(user=self.request.user).order_by("provider", "pk")

    def create(self, request, *args, **kwargs):
        form = IntegrationTokensSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        spec = hand_connect(data["provider"])
        if spec is not None and typed_by_hand(spec, data):
            integration, created = connect_by_hand(
                user=request.user, provider=data["provider"], values=data
            )
        else:
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
            IntegrationSerializer(integration).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @action(detail=False, methods=["get"], pagination_class=None)
    def providers(self, request):
        return Response(ProviderSerializer(provider_statuses(), many=True).data)

    @action(detail=False, methods=["post"])
    def connect(self, request):
        form = ConnectRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        url = start_connect(
            user=request.user,
            provider=form.validated_data["provider"],
            server=form.validated_data.get("server", ""),
        )
        return Response({"authorization_url": url, "expires_in": settings.OAUTH_STATE_MAX_AGE})

    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return Response(IntegrationSerializer(pause_integration(self.get_object())).data)

    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return Response(IntegrationSerializer(resume_integration(self.get_object())).data)

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        revoked = revoke_integration(self.get_object())
        return Response(
            {
                "integration": IntegrationSerializer(revoked.integration).data,
                "platform_message": revoked.platform_message,
            }
        )


# --- The signed-in user -------------------------------------------------------------------


@me_schema
class MeView(APIView):
    """You: your time zone, your plan, each limit with what you use of it, the posts it holds."""

    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    def answer(self, user) -> Response:
        me = SimpleNamespace(
            username=user.username,
            email=user.email,
            timezone=user.timezone,
            report=usage_report(user, connected=connected_accounts_by_platform(user)),
            held_posts=list(held_by_plan(user)),
        )
        return Response(MeSerializer(me).data)

    def get(self, request, *args, **kwargs):
        return self.answer(request.user)

    def patch(self, request, *args, **kwargs):
        form = MeUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = request.user
        user.timezone = form.validated_data["timezone"]
        user.save(update_fields=["timezone"])
        return self.answer(user)


# --- Webhooks ---------------------------------------------------------------------------


@webhook_schema
class WebhookEndpointViewSet(viewsets.ModelViewSet):
    """Endpoints of the requesting user. No ``Idempotency-Key`` here: a replayed answer would
    have to keep the secret, which Herald shows once and stores only encrypted."""

    serializer_class = EndpointSerializer
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return WebhookEndpoint.objects.none()
        return endpoints_of(self.request.user)

    def create(self, request, *args, **kwargs):
        form = EndpointWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        endpoint, secret = create_endpoint(
            owner=request.user,
            url=data["url"],
            events=data["events"],
            description=data.get("description", ""),
        )
        endpoint.secret = secret
        return Response(EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        form = EndpointWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        form.is_valid(raise_exception=True)
        endpoint = update_endpoint(endpoint, **form.validated_data)
        return Response(EndpointSerializer(endpoint).data)

    def destroy(self, request, *args, **kwargs):
        delete_endpoint(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = self.get_object()
        endpoint.secret = rotate_secret(endpoint)
        return Response(EndpointWithSecretSerializer(endpoint).data)

    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = send_test(self.get_object())
        delivery = deliveries_of(delivery.endpoint).get(pk=delivery.pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        query = DeliveryFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        deliveries = deliveries_of(self.get_object())
        if "status" in query.validated_data:
            deliveries = deliveries.filter(status=query.validated_data["status"])
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        endpoint = self.get_object()
        form = ResendSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        delivery = get_object_or_404(deliveries_of(endpoint), pk=form.validated_data["delivery"])
        resend_delivery(delivery)
        delivery = deliveries_of(endpoint).get(pk=delivery.pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        endpoint = self.get_object()
        form = ReplaySerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        queued = replay_since(endpoint, form.validated_data["since"])
        return Response({"queued": queued}, status=status.HTTP_202_ACCEPTED)
