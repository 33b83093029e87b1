"""One shape for every API error, and the one place domain errors become HTTP answers.

Every error answers::

    {"code": "invalid", "message": "one sentence for a person",
     "field_errors": {"scheduled_for": ["..."], "targets.1.integration": ["..."]},
     "platforms": {"twitter": ["X: the text is 291 weighted characters; the limit is 280."]}}

``field_errors`` maps a request field (nested ones dotted) to its messages;
``platforms`` maps a platform to the rules the content breaks there. Both are
always present, empty when they do not apply.

A plan's limit answers 403 with code ``entitlement_exceeded`` and, beside the keys
above, ``detail`` (the message), ``plan``, ``limit_name``, ``limit``, ``used`` and
``resets_at`` (``EntitlementExceeded.as_dict()``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler

from api.serializers.fields import LIMIT_NAMES
from entitlements.services import ERROR_CODE, EntitlementExceeded
from integrations.services import IntegrationError
from platforms.oauth import OAuthError
from publishing.drafts import NotADraft
from publishing.services import ContentBusy, ContentLocked, NotInDoubt, SchedulingError
from publishing.states import IllegalTransition, StaleTransition
from webhooks.services import EndpointRefused

NON_FIELD = "non_field_errors"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class PlatformUnavailable(exceptions.APIException):
    """The platform could not be reached or failed: try again later (with the same key)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The platform could not be reached. Try again in a minute."
    default_code = "platform_unavailable"
    # DRF's handler answers any APIException's ``wait`` with a Retry-After header.
    wait = 60

    def __init__(self, detail: str, *, rate_limited: bool = False):
        super().__init__(detail)
        if rate_limited:  # the platform said "slow down": its message says a few minutes
            self.wait = 300


class EntitlementRefused(exceptions.PermissionDenied):
    """The user's plan does not allow it: 403, with the limit, the usage and the reset time."""

    default_code = ERROR_CODE

    def __init__(self, error: EntitlementExceeded):
        super().__init__(error.message, code=ERROR_CODE)
        self.body = error.as_dict()


class PlatformRulesBroken(exceptions.ValidationError):
    """Content a platform would refuse: 400 with the messages per platform."""

    default_code = "platform_rules"

    def __init__(self, error: SchedulingError):
        super().__init__({"targets": [str(error)]}, code="platform_rules")
        self.problems = error.problems


class ErrorSerializer(serializers.Serializer):
    """The shape of every error answer."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid`.")
    message = serializers.CharField(help_text="What went wrong, for a person.")
    field_errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per request field (nested fields dotted: `targets.1.integration`).",
    )
    platforms = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Rules of each platform the content breaks (code `platform_rules`).",
    )


class EntitlementErrorSerializer(ErrorSerializer):
    """A plan's limit reached: the error shape, with what the limit is and where you stand."""

    detail = serializers.CharField(
        help_text='The message again, naming the plan and the limit, e.g. "Your plan Starter '
        'allows 30 posts a month; you have scheduled 30 for November."'
    )
    plan = serializers.CharField(help_text="The name of your plan.")
    limit_name = serializers.ChoiceField(choices=LIMIT_NAMES, help_text="The limit reached.")
    limit = serializers.JSONField(
        allow_null=True,
        help_text="The limit: a number (posts a month, accounts, bytes), false (automation) "
        "or the list of platforms allowed.",
    )
    used = serializers.IntegerField(
        allow_null=True, help_text="What you use of it now; null where it is not a count."
    )
    resets_at = serializers.DateTimeField(
        allow_null=True, help_text="When the count starts again (posts a month); else null."
    )


def flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"a.0.b": ["message", ...]}``."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for name, value in detail.items():
            for path, messages in flatten(
                value, f"{prefix}.{name}" if prefix else str(name)
            ).items():
                flat.setdefault(path, []).extend(messages)
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or NON_FIELD: [str(item) for item in detail]} if detail else {}
        flat = {}
        for index, item in enumerate(detail):
            path = f"{prefix}.{index}" if prefix else str(index)
            for key, messages in flatten(item, path).items():
                flat.setdefault(key, []).extend(messages)
        return flat
    return {prefix or NON_FIELD: [str(detail)]}


def first_code(codes) -> str:
    while isinstance(codes, dict | list):
        if not codes:
            return "invalid"
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes)


def as_api_exception(exc: Exception) -> Exception:
    """Domain and Django errors as the DRF exceptions that answer them."""
    if isinstance(exc, EntitlementExceeded):
        return EntitlementRefused(exc)
    if isinstance(exc, NotADraft):
        return Conflict(str(exc), code="not_a_draft")
    if isinstance(exc, ContentLocked):
        return Conflict(str(exc), code="locked")
    if isinstance(exc, ContentBusy):
        return Conflict(str(exc), code="busy")
    if isinstance(exc, NotInDoubt):
        return Conflict(str(exc), code="not_in_doubt")
    if isinstance(exc, SchedulingError):
        if exc.problems:
            return PlatformRulesBroken(exc)
        return exceptions.ValidationError({NON_FIELD: [str(exc)]}, code="invalid")
    if isinstance(exc, EndpointRefused):
        return exceptions.ValidationError({exc.field: [str(exc)]}, code="invalid")
    if isinstance(exc, IntegrationError):
        return Conflict(str(exc), code="conflict")
    if isinstance(exc, OAuthError) and exc.transient:
        # An outage is not the client's mistake: a 5xx, so an Idempotency-Key is freed.
        return PlatformUnavailable(str(exc), rate_limited=exc.status_code == 429)
    if isinstance(exc, OAuthError):
        # The platform's or the flow's words; what to fix is in the message.
        return exceptions.ValidationError({NON_FIELD: [str(exc)]}, code="invalid")
    if isinstance(exc, IllegalTransition | StaleTransition):
        return Conflict(str(exc), code="conflict")
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(str(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound("Not found.")
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def api_exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error in the one shape above."""
    exc = as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django answers 500 and logs it
    if isinstance(exc, exceptions.ValidationError):
        field_errors = flatten(exc.detail)
        code = "platform_rules" if isinstance(exc, PlatformRulesBroken) else "invalid"
        message = " ".join(
            (msgs[0] if path == NON_FIELD else f"{path}: {msgs[0]}")
            for path, msgs in field_errors.items()
        )
    else:
        field_errors = {}
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        message = " ".join(flatten(detail).get(NON_FIELD, [])) or str(detail)
        code = first_code(exc.get_codes()) if isinstance(exc, exceptions.APIException) else "error"
    response.data = {
        "code": code,
        "message": message or "The request is invalid.",
        "field_errors": field_errors,
        "platforms": getattr(exc, "problems", {}),
    }
    if isinstance(exc, EntitlementRefused):
        response.data.update(exc.body)
    return response


@csrf_exempt  # it changes nothing, and a CSRF refusal would be an HTML page
def not_found(request, *args, **kwargs):
    """A path under /api/ that matches no route: 404 in the error shape, not Django's page.

    Mounted last, so it sees only what nothing else matched. Like Django's
    ``APPEND_SLASH``, a GET or HEAD for a route without its trailing slash is
    redirected to it; other methods are told where the route is.
    """
    hint = ""
    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        try:
            match = resolve(f"{request.path_info}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            if request.method in ("GET", "HEAD"):
                return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
            hint = f" Did you mean {request.path}/ (with the slash)?"
    return JsonResponse(
        {
            "code": "not_found",
            "message": f"No API endpoint at {request.path}.{hint} See /api/docs/.",
            "field_errors": {},
            "platforms": {},
        },
        status=404,
    )


def bad_request(request, exception=None):
    """``handler400``: a request Django refuses before any view (a ``Host`` header it does
    not serve, a malformed multipart body). Under /api/ in the error shape; elsewhere
    Django's own page."""
    if not request.path_info.startswith("/api/"):
        from django.views.defaults import bad_request as django_bad_request

        return django_bad_request(request, exception)
    return JsonResponse(
        {
            "code": "bad_request",
            "message": "The request was refused before it reached the API: check its Host "
            "header and its encoding.",
            "field_errors": {},
            "platforms": {},
        },
        status=400,
    )
