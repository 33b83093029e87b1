"""The OpenAPI declarations of the client API, kept apart so the views stay thin.

Each ``*_schema`` decorates one view or viewset; the shared answers (401, 404, 429,
``Idempotency-Key``) are declared once here.
"""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from api.errors import ErrorSerializer
from api.idempotency import HEADER
from api.serializers.auth import TokenRequestSerializer, TokenSerializer
from api.serializers.content import (
    SCHEDULED_FOR_HELP,
    ContentCreateSerializer,
    ContentFilterSerializer,
    ContentSerializer,
    ContentUpdateSerializer,
    TargetsOutcomeSerializer,
)
from api.serializers.integrations import (
    AuthorizationSerializer,
    ConnectRequestSerializer,
    IntegrationSerializer,
    IntegrationTokensSerializer,
    ProviderSerializer,
    RevokeOutcomeSerializer,
)
from api.serializers.publications import (
    PublicationDetailSerializer,
    PublicationFilterSerializer,
    PublicationSerializer,
)
from api.serializers.webhooks import (
    DeliveryFilterSerializer,
    DeliverySerializer,
    EndpointSerializer,
    EndpointWithSecretSerializer,
    EndpointWriteSerializer,
    ReplayOutcomeSerializer,
    ReplaySerializer,
    ResendSerializer,
)


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


def action_schema(summary: str, description: str):
    return extend_schema(
        summary=summary,
        description=description,
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: TargetsOutcomeSerializer,
            400: error("A malformed `Idempotency-Key`."),
            **COMMON_ERRORS,
            **NOT_FOUND,
            **IDEMPOTENCY_ERRORS,
        },
    )


content_schema = extend_schema_view(
    list=extend_schema(
        summary="List your content",
        parameters=[ContentFilterSerializer],
        responses={
            200: ContentSerializer(many=True),
            **INVALID,
            **COMMON_ERRORS,
            404: error("No such page."),
        },
    ),
    retrieve=extend_schema(
        summary="One content, with each target's state, attempts, permalink and last error",
        responses={200: ContentSerializer, **COMMON_ERRORS, **NOT_FOUND},
    ),
    create=extend_schema(
        summary="Schedule content",
        description="Creates the content and one publication per target. Each platform's "
        "rules are checked now: content a platform would refuse answers 400 with code "
        "`platform_rules`, the messages in `platforms` (per platform) and "
        "`field_errors.targets`. Send JSON, or multipart/form-data to attach `media` "
        "(then `targets` is repeated and `options` is JSON text). " + SCHEDULED_FOR_HELP,
        parameters=[IDEMPOTENCY_KEY],
        request={
            "application/json": ContentCreateSerializer,
            "multipart/form-data": ContentCreateSerializer,
        },
        responses={
            201: ContentSerializer,
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
        request=ContentUpdateSerializer,
        responses={
            200: ContentSerializer,
            **INVALID,
            **COMMON_ERRORS,
            **NOT_FOUND,
            409: error("`locked`: a target has started."),
        },
    ),
    partial_update=extend_schema(
        summary="Edit the text, options or time",
        description="As PUT, with only the fields to change.",
        request=ContentUpdateSerializer,
        responses={
            200: ContentSerializer,
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


publication_schema = extend_schema_view(
    list=extend_schema(
        summary="List your publications (one per content and target)",
        parameters=[PublicationFilterSerializer],
        responses={
            200: PublicationSerializer(many=True),
            **INVALID,
            **COMMON_ERRORS,
            404: error("No such page."),
        },
    ),
    retrieve=extend_schema(
        summary="One publication with its audit log",
        responses={200: PublicationDetailSerializer, **COMMON_ERRORS, **NOT_FOUND},
    ),
)


# --- Integrations -----------------------------------------------------------------------


def lifecycle_schema(summary: str, description: str, response=None):
    return extend_schema(
        summary=summary,
        description=description,
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: response or IntegrationSerializer,
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


integration_schema = extend_schema_view(
    list=extend_schema(
        summary="List your connected accounts (never their tokens)",
        responses={
            200: IntegrationSerializer(many=True),
            **COMMON_ERRORS,
            404: error("No such page."),
        },
    ),
    retrieve=extend_schema(
        summary="One connected account",
        responses={200: IntegrationSerializer, **COMMON_ERRORS, **NOT_FOUND},
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
        request=IntegrationTokensSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: IntegrationSerializer,
            200: IntegrationSerializer,
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
        responses={200: ProviderSerializer(many=True), **COMMON_ERRORS},
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
        request=ConnectRequestSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: AuthorizationSerializer,
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
        RevokeOutcomeSerializer,
    ),
)


# --- Sign-in ----------------------------------------------------------------------------

SIGN_IN_REFUSED = {
    429: error(
        "`throttled`: too many requests from this address; or `locked_out`: too many "
        "failed sign-ins for this username or from this address (the right password is "
        "refused too until then). `Retry-After` says when to come back."
    )
}
TOKEN_ONLY = {
    401: error(
        "No valid token. These take `Authorization: Token <token>` (a session is not enough)."
    )
}


obtain_token_schema = extend_schema(
    operation_id="auth_token_create",
    summary="Sign in: a new API token",
    request=TokenRequestSerializer,
    responses={200: TokenSerializer, **INVALID, **SIGN_IN_REFUSED},
    auth=[],
    description='Returns `{"token": ..., "expiry": ...}`; send the token as '
    "`Authorization: Token <token>`. The token is shown only in this answer: Herald "
    "keeps a digest of it. Each call issues a new token; past `API_TOKEN_LIMIT_PER_USER` "
    "tokens the oldest is revoked. After `LOGIN_FAILURE_LIMIT` failures for a username or "
    "from an address, both are locked out for `LOGIN_LOCKOUT_MINUTES`. "
    "Takes no `Idempotency-Key`.",
)


rotate_token_schema = extend_schema(
    operation_id="auth_token_rotate",
    summary="Swap your token for a new one",
    request=None,
    responses={200: TokenSerializer, **TOKEN_ONLY, 429: COMMON_ERRORS[429]},
    description="Issues a new token (with a new expiry) and revokes the one this request "
    "was sent with. Save the new token before anything else: if the answer is lost, "
    "the old token is gone too and you sign in again with your password. "
    "Takes no `Idempotency-Key` (Herald never stores a token it could answer again).",
)


logout_schema = extend_schema(
    operation_id="auth_logout",
    summary="Sign out: revoke this token",
    request=None,
    responses={204: None, **TOKEN_ONLY, 429: COMMON_ERRORS[429]},
    description="Revokes the token this request was sent with; your other tokens stay.",
)


logout_all_schema = extend_schema(
    operation_id="auth_logout_all",
    summary="Sign out everywhere: revoke all your tokens",
    request=None,
    responses={204: None, **TOKEN_ONLY, 429: COMMON_ERRORS[429]},
    description="Revokes every API token of your account, this one included.",
)


WEBHOOK_URL_HELP = (
    "The URL must be https:// and reach a public address (private, loopback, link-local and "
    "reserved ranges are refused, now and at each delivery); in development http:// to "
    "localhost is allowed. A refused URL or an unknown event type is a 400 naming the field."
)

webhook_schema = extend_schema_view(
    list=extend_schema(
        summary="List your webhook endpoints (never their secrets)",
        responses={
            200: EndpointSerializer(many=True),
            **COMMON_ERRORS,
            404: error("No such page."),
        },
    ),
    retrieve=extend_schema(
        summary="One webhook endpoint",
        responses={200: EndpointSerializer, **COMMON_ERRORS, **NOT_FOUND},
    ),
    create=extend_schema(
        summary="Register a webhook endpoint",
        description="Herald signs each delivery with the endpoint's secret (Standard "
        "Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`). The answer holds "
        "the `secret`, shown this once. " + WEBHOOK_URL_HELP,
        request=EndpointWriteSerializer,
        responses={201: EndpointWithSecretSerializer, **INVALID, **COMMON_ERRORS},
    ),
    update=extend_schema(
        summary="Change a webhook endpoint",
        description=WEBHOOK_URL_HELP,
        request=EndpointWriteSerializer,
        responses={200: EndpointSerializer, **INVALID, **COMMON_ERRORS, **NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a webhook endpoint",
        description="`is_active: true` turns a disabled endpoint on again. " + WEBHOOK_URL_HELP,
        request=EndpointWriteSerializer,
        responses={200: EndpointSerializer, **INVALID, **COMMON_ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Delete a webhook endpoint and its delivery log",
        responses={204: None, **COMMON_ERRORS, **NOT_FOUND},
    ),
    rotate_secret=extend_schema(
        summary="Replace the endpoint's secret",
        description="The old secret stops signing at once; the answer holds the new "
        "`secret`, shown this once.",
        request=None,
        responses={200: EndpointWithSecretSerializer, **COMMON_ERRORS, **NOT_FOUND},
    ),
    test=extend_schema(
        summary="Send a `webhook.test` event to this endpoint",
        description="Queued at once (even to a disabled endpoint); read the outcome in its "
        "deliveries.",
        request=None,
        responses={202: DeliverySerializer, **COMMON_ERRORS, **NOT_FOUND},
    ),
    deliveries=extend_schema(
        summary="The endpoint's delivery log, newest first, each with every attempt",
        parameters=[DeliveryFilterSerializer],
        responses={
            200: DeliverySerializer(many=True),
            **INVALID,
            **COMMON_ERRORS,
            **NOT_FOUND,
        },
    ),
    resend=extend_schema(
        summary="Send one delivery again now",
        description="Same body and `webhook-id`, a fresh retry schedule.",
        request=ResendSerializer,
        responses={
            202: DeliverySerializer,
            **INVALID,
            **COMMON_ERRORS,
            404: error("No such endpoint or delivery, or not yours."),
        },
    ),
    replay=extend_schema(
        summary="Send again every event since a time",
        description="Every event of yours since `since` that the endpoint subscribes to is "
        "queued again, with its original `webhook-id` (receivers deduplicate on it).",
        request=ReplaySerializer,
        responses={
            202: ReplayOutcomeSerializer,
            **INVALID,
            **COMMON_ERRORS,
            **NOT_FOUND,
        },
    ),
)
