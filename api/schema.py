"""The OpenAPI declarations of the client API, kept apart so the views stay thin.

Each ``*_schema`` decorates one view or viewset; the shared answers (401, 404, 429,
``Idempotency-Key``) are declared once here.
"""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)

from api.errors import EntitlementErrorSerializer, ErrorSerializer
from api.idempotency import HEADER
from api.serializers.analytics import (
    AnalyticsQuerySerializer,
    AnalyticsSerializer,
    PublicationMetricsSerializer,
)
from api.serializers.auth import TokenRequestSerializer, TokenSerializer
from api.serializers.content import (
    SCHEDULED_FOR_HELP,
    ContentCreateSerializer,
    ContentFilterSerializer,
    ContentSerializer,
    ContentUpdateSerializer,
    DraftScheduleSerializer,
    DraftUpdateSerializer,
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
from api.serializers.me import MeSerializer, MeUpdateSerializer
from api.serializers.notifications import NotificationPreferencesSerializer
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


def entitlement_example(name: str, summary: str, **body) -> OpenApiExample:
    fields = {"field_errors": {}, "platforms": {}, "used": None, "resets_at": None, **body}
    return OpenApiExample(
        name,
        summary=summary,
        value={
            "code": "entitlement_exceeded",
            "message": fields["detail"],
            **fields,
        },
        response_only=True,
        status_codes=["403"],
    )


POSTS_A_MONTH = entitlement_example(
    "posts_per_month",
    "The month is full",
    detail="Your plan Starter allows 30 posts a month; you have scheduled 30 for November.",
    plan="Starter",
    limit_name="posts_per_month",
    limit=30,
    used=30,
    resets_at="2030-12-01T00:00:00+01:00",
)
NO_AUTOMATION = entitlement_example(
    "automation",
    "Scheduled publishing is not in the plan",
    detail="Your plan Free does not include scheduled publishing; publish now instead.",
    plan="Free",
    limit_name="automation",
    limit=False,
)
PLATFORM = entitlement_example(
    "platforms",
    "A platform the plan does not include",
    detail="Your plan Starter does not include YouTube.",
    plan="Starter",
    limit_name="platforms",
    limit=["discord", "twitter"],
)
MEDIA = entitlement_example(
    "max_media_bytes",
    "A file larger than the plan allows",
    detail="Your plan Starter allows media files up to 10.0 MB; clip.mp4 is 52.4 MB.",
    plan="Starter",
    limit_name="max_media_bytes",
    limit=10_000_000,
    used=52_428_800,
)
ACCOUNTS = entitlement_example(
    "accounts_per_platform",
    "The platform's accounts are all used",
    detail="Your plan Starter allows 1 X account; you have connected 1.",
    plan="Starter",
    limit_name="accounts_per_platform",
    limit=1,
    used=1,
)


def entitlement_refusal(description: str, *examples: OpenApiExample) -> dict:
    """The 403 of a plan's limit, with an example body per limit the endpoint can reach."""
    return {
        403: OpenApiResponse(
            EntitlementErrorSerializer,
            description="`entitlement_exceeded`: your plan does not allow it. "
            + description
            + " `detail` names the limit; `limit`, `used` and `resets_at` say where you "
            "stand. Nothing was written.",
            examples=list(examples),
        )
    }


SCHEDULING_REFUSED = entitlement_refusal(
    "A platform outside the plan, scheduled publishing without automation, the month's "
    "posts all used, or a media file larger than the plan allows.",
    POSTS_A_MONTH,
    NO_AUTOMATION,
    PLATFORM,
    MEDIA,
)
RESCHEDULING_REFUSED = entitlement_refusal(
    "Moving the post into a month whose posts are all used.", POSTS_A_MONTH
)
PUBLISH_NOW_REFUSED = entitlement_refusal(
    "A target on a platform outside the plan.", PLATFORM, POSTS_A_MONTH
)
CONNECT_REFUSED = entitlement_refusal(
    "A platform outside the plan, or as many accounts there as the plan allows. "
    "Entering tokens for an account already connected is not a new account.",
    ACCOUNTS,
    PLATFORM,
)


def action_schema(summary: str, description: str, refusals: dict | None = None):
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
            **(refusals or {}),
        },
    )


CONTENT_EDIT = PolymorphicProxySerializer(
    component_name="ContentEdit",
    serializers=[ContentUpdateSerializer, DraftUpdateSerializer],
    resource_type_field_name=None,
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
        summary="Schedule content, or save a draft",
        description="Creates the content and one publication per target. Each platform's "
        "rules are checked now: content a platform would refuse answers 400 with code "
        "`platform_rules`, the messages in `platforms` (per platform) and "
        "`field_errors.targets`. Send JSON, or multipart/form-data to attach `media` "
        "(then `targets` is repeated and `options` is JSON text). " + SCHEDULED_FOR_HELP + " "
        'With `"status": "draft"`, a draft is saved instead: nothing is required, no '
        "publication is created and nothing is published until "
        "`POST /api/v1/content/{id}/schedule/`, which runs the checks of a new post.",
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
            **SCHEDULING_REFUSED,
        },
    ),
    update=extend_schema(
        summary="Replace the text, options or time",
        description="Only while nothing has been sent: once a target has started, 409 with "
        "code `locked`. Moving the time needs every target still SCHEDULED. The version grows. "
        "A draft also takes `targets`, and `scheduled_for: null` removes its tentative time.",
        request=CONTENT_EDIT,
        responses={
            200: ContentSerializer,
            **INVALID,
            **COMMON_ERRORS,
            **NOT_FOUND,
            409: error("`locked`: a target has started."),
            **RESCHEDULING_REFUSED,
        },
    ),
    partial_update=extend_schema(
        summary="Edit the text, options or time",
        description="As PUT, with only the fields to change.",
        request=CONTENT_EDIT,
        responses={
            200: ContentSerializer,
            **INVALID,
            **COMMON_ERRORS,
            **NOT_FOUND,
            409: error("`locked`: a target has started."),
            **RESCHEDULING_REFUSED,
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
    schedule=extend_schema(
        summary="Schedule a draft",
        description="Creates the draft's publications, with every check of a new post (the "
        "time, each platform's rules, the plan, the media): at `scheduled_for`, at the draft's "
        "tentative time when it is left out, or now with `publish_now`. A content that is not "
        "a draft answers 409 `not_a_draft`.",
        parameters=[IDEMPOTENCY_KEY],
        request=DraftScheduleSerializer,
        responses={
            200: ContentSerializer,
            **INVALID,
            **COMMON_ERRORS,
            **NOT_FOUND,
            **IDEMPOTENCY_ERRORS,
            409: error("`not_a_draft`: the content was scheduled already."),
            **SCHEDULING_REFUSED,
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
        PUBLISH_NOW_REFUSED,
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
    settle=extend_schema(
        summary="Settle your in-doubt publication",
        description="For a publication with `in_doubt: true` (its request went out, its "
        "outcome is unknown): after checking the platform, say whether the post is out. "
        "`published` with its `permalink` or `external_id` makes it PUBLISHED; "
        "`not_published` keeps it FAILED with code `not_published`. Either way your name "
        "and `reason` go in its audit log, as an operator's would. A later retry of a "
        "publication settled as not published still asks the platform before sending. "
        "Answers the publication with its audit log.",
        request=SettleSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: PublicationDetailSerializer,
            **INVALID,
            **COMMON_ERRORS,
            **NOT_FOUND,
            409: error(
                "`not_in_doubt`: the publication is not in doubt (the message says its "
                "status), or `idempotency_key_in_progress`."
            ),
            422: IDEMPOTENCY_ERRORS[422],
        },
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
        "(`access_token`) and a `channel_id`. A platform that connects with values typed by "
        "hand takes the fields its description names (an app password is exchanged for a "
        "session and never stored). Tokens, the webhook URL and the channel id are "
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
            **CONNECT_REFUSED,
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


# --- The signed-in user -------------------------------------------------------------------

me_schema = extend_schema_view(
    get=extend_schema(
        operation_id="me_retrieve",
        summary="You: your time zone, your plan, what you use of it, the posts it holds",
        description="Each limit of your plan with what you use of it now and, for posts a "
        "month, when the count starts again (the first instant of next month in your time "
        "zone). `null` is unlimited. `held_posts` are your posts the plan keeps QUEUED (a "
        "platform or scheduled publishing it no longer includes); they go out when it allows "
        "them again.",
        responses={200: MeSerializer, **COMMON_ERRORS},
    ),
    patch=extend_schema(
        operation_id="me_partial_update",
        summary="Change your time zone",
        description="Only `timezone` can be changed here; any other field is a 400.",
        request=MeUpdateSerializer,
        responses={
            200: MeSerializer,
            **INVALID,
            **COMMON_ERRORS,
            415: error("`unsupported_media_type`: send JSON (or a form)."),
        },
    ),
)


notification_preferences_schema = extend_schema_view(
    get=extend_schema(
        operation_id="me_notifications_retrieve",
        summary="Your notification preferences",
        responses={200: NotificationPreferencesSerializer, **COMMON_ERRORS},
        description="Which e-mails Herald sends you: one switch per kind, and whether they "
        "come in a daily digest. A user who never changed them has every kind on.",
    ),
    patch=extend_schema(
        operation_id="me_notifications_partial_update",
        summary="Turn kinds of e-mail on or off",
        request=NotificationPreferencesSerializer,
        responses={200: NotificationPreferencesSerializer, **INVALID, **COMMON_ERRORS},
        description="Send only the switches to change, each `true` or `false`; answers "
        "every switch. An unknown field or a value that is not a JSON boolean is a 400.",
    ),
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


publication_metrics_schema = extend_schema_view(
    get=extend_schema(
        summary="The metrics snapshots of your publication",
        description="Snapshots at about 1 hour, 24 hours, 7 days and 30 days after publishing "
        "(ANALYTICS_SNAPSHOT_AGES), oldest first. `gone`: the platform said the post no longer "
        "exists, so no more snapshots come.",
        tags=["analytics"],
        responses={200: PublicationMetricsSerializer, **COMMON_ERRORS, **NOT_FOUND},
    )
)

analytics_schema = extend_schema_view(
    get=extend_schema(
        summary="Totals and top posts over a range",
        description="Over your publications published in [`from`, `to`): totals of each "
        "publication's newest snapshot, per platform and per account, and the top posts by "
        "engagement, paginated (`page`). `format=csv`: the same posts, every one, as CSV "
        "(one row per publication; the totals are their sums). Errors are always JSON.",
        tags=["analytics"],
        parameters=[
            AnalyticsQuerySerializer,
            OpenApiParameter(
                "page",
                {"type": "integer", "minimum": 1},
                OpenApiParameter.QUERY,
                description="A page of the top posts (50 a page).",
            ),
        ],
        responses={
            200: AnalyticsSerializer,
            **INVALID,
            **COMMON_ERRORS,
            404: error("No such page, or an unknown `format`."),
        },
    )
)
