"""Sign-in for API clients: a token for a username and password, rotation, sign-out.

The password is checked by ``django.contrib.auth.authenticate(request=...)``,
so django-axes counts every failure and refuses a locked-out client (429,
``locked_out``) before the password is even looked at. Tokens are django-rest-knox
tokens (api/tokens.py): the full token is in the one answer that issues it.
"""

from __future__ import annotations

import logging

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.lockout import cool_off_seconds, lockout_message
from api import serializers as s
from api.authentication import TokenAuthentication
from api.errors import NON_FIELD
from api.parsers import BoundedJSONParser
from api.tokens import TokenRevoked, issue_token, revoke_all_tokens, revoke_token, rotate_token
from api.views import COMMON_ERRORS, INVALID, error

logger = logging.getLogger(__name__)

WRONG_CREDENTIALS = "Unable to log in with provided credentials."
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


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self):
        super().__init__(lockout_message())
        self.wait = cool_off_seconds()  # DRF sends it as Retry-After


class ObtainTokenView(APIView):
    """Exchange a username and password for a new API token."""

    # A stale token in the header must not stand in the way of getting a new one.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    @extend_schema(
        operation_id="auth_token_create",
        summary="Sign in: a new API token",
        request=s.TokenRequestSerializer,
        responses={200: s.TokenSerializer, **INVALID, **SIGN_IN_REFUSED},
        auth=[],
        description='Returns `{"token": ..., "expiry": ...}`; send the token as '
        "`Authorization: Token <token>`. The token is shown only in this answer: Herald "
        "keeps a digest of it. Each call issues a new token; past `API_TOKEN_LIMIT_PER_USER` "
        "tokens the oldest is revoked. After `LOGIN_FAILURE_LIMIT` failures for a username or "
        "from an address, both are locked out for `LOGIN_LOCKOUT_MINUTES`. "
        "Takes no `Idempotency-Key`.",
    )
    def post(self, request, *args, **kwargs):
        form = s.TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        username = form.validated_data["username"]
        user = authenticate(
            request=request, username=username, password=form.validated_data["password"]
        )
        address = getattr(request, "axes_ip_address", None)
        if getattr(request, "axes_locked_out", False):
            logger.warning("API sign-in refused: %r or %s is locked out.", username, address)
            raise LockedOut()
        if user is None:
            logger.warning("API sign-in failed for %r from %s.", username, address)
            raise exceptions.ValidationError({NON_FIELD: [WRONG_CREDENTIALS]}, code="invalid")
        issued = issue_token(user=user)
        logger.info("API token issued to %r from %s.", username, address)
        return Response(s.TokenSerializer(issued).data)


class TokenOnlyView(APIView):
    """Acts on the token the request came with, so only a token authenticates it."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]


class RotateTokenView(TokenOnlyView):
    @extend_schema(
        operation_id="auth_token_rotate",
        summary="Swap your token for a new one",
        request=None,
        responses={200: s.TokenSerializer, **TOKEN_ONLY, 429: COMMON_ERRORS[429]},
        description="Issues a new token (with a new expiry) and revokes the one this request "
        "was sent with. Save the new token before anything else: if the answer is lost, "
        "the old token is gone too and you sign in again with your password. "
        "Takes no `Idempotency-Key` (Herald never stores a token it could answer again).",
    )
    def post(self, request, *args, **kwargs):
        try:
            issued = rotate_token(token=request.auth)
        except TokenRevoked as revoked:
            raise exceptions.AuthenticationFailed(str(revoked)) from None
        return Response(s.TokenSerializer(issued).data)


class LogoutView(TokenOnlyView):
    @extend_schema(
        operation_id="auth_logout",
        summary="Sign out: revoke this token",
        request=None,
        responses={204: None, **TOKEN_ONLY, 429: COMMON_ERRORS[429]},
        description="Revokes the token this request was sent with; your other tokens stay.",
    )
    def post(self, request, *args, **kwargs):
        try:
            revoke_token(token=request.auth)
        except TokenRevoked as revoked:
            raise exceptions.AuthenticationFailed(str(revoked)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(TokenOnlyView):
    @extend_schema(
        operation_id="auth_logout_all",
        summary="Sign out everywhere: revoke all your tokens",
        request=None,
        responses={204: None, **TOKEN_ONLY, 429: COMMON_ERRORS[429]},
        description="Revokes every API token of your account, this one included.",
    )
    def post(self, request, *args, **kwargs):
        revoke_all_tokens(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
