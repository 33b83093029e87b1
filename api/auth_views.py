"""Sign-in for API clients: a token for a username and password, rotation, sign-out.

The password is checked by ``django.contrib.auth.authenticate(request=...)``.
Tokens are django-rest-knox tokens (api/tokens.py): the full token is in the one
answer that issues it.
"""

from __future__ import annotations

import logging

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.authentication import TokenAuthentication
from api.errors import NON_FIELD
from api.tokens import TokenRevoked, issue_token, revoke_all_tokens, revoke_token, rotate_token
from api.views import COMMON_ERRORS, INVALID, error

logger = logging.getLogger(__name__)

WRONG_CREDENTIALS = "Unable to log in with provided credentials."
TOKEN_ONLY = {
    401: error(
        "No valid token. These take `Authorization: Token <token>` (a session is not enough)."
    )
}


class ObtainTokenView(APIView):
    """Exchange a username and password for a new API token."""

    # A stale token in the header must not stand in the way of getting a new one.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        operation_id="auth_token_create",
        summary="Sign in: a new API token",
        request=s.TokenRequestSerializer,
        responses={200: s.TokenSerializer, **INVALID, 429: COMMON_ERRORS[429]},
        auth=[],
        description='Returns `{"token": ..., "expiry": ...}`; send the token as '
        "`Authorization: Token <token>`. The token is shown only in this answer: Herald "
        "keeps a digest of it. Each call issues a new token; past `API_TOKEN_LIMIT_PER_USER` "
        "tokens the oldest is revoked. Takes no `Idempotency-Key`.",
    )
    def post(self, request, *args, **kwargs):
        form = s.TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        username = form.validated_data["username"]
        user = authenticate(
            request=request, username=username, password=form.validated_data["password"]
        )
        if user is None:
            logger.warning("API sign-in failed for %r.", username)
            raise exceptions.ValidationError({NON_FIELD: [WRONG_CREDENTIALS]}, code="invalid")
        issued = issue_token(user=user)
        logger.info("API token issued to %r.", username)
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
