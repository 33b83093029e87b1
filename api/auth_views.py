"""Sign-in for API clients: a token for a username and password, rotation, sign-out.

The password is checked by ``django.contrib.auth.authenticate(request=...)``,
so django-axes counts every failure and refuses a locked-out client (429,
``locked_out``) before the password is even looked at. Tokens are django-rest-knox
tokens (api/tokens.py): the full token is in the one answer that issues it.
"""

from __future__ import annotations

import logging

from django.contrib.auth import authenticate
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.lockout import cool_off_seconds, lockout_message
from api.authentication import TokenAuthentication
from api.errors import NON_FIELD
from api.parsers import BoundedJSONParser
from api.schema import (
    logout_all_schema,
    logout_schema,
    obtain_token_schema,
    rotate_token_schema,
)
from api.serializers.auth import TokenRequestSerializer, TokenSerializer
from api.tokens import TokenRevoked, issue_token, revoke_all_tokens, revoke_token, rotate_token

logger = logging.getLogger(__name__)

WRONG_CREDENTIALS = "Unable to log in with provided credentials."


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

    @obtain_token_schema
    def post(self, request, *args, **kwargs):
        form = TokenRequestSerializer(data=request.data)
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
        return Response(TokenSerializer(issued).data)


class TokenOnlyView(APIView):
    """Acts on the token the request came with, so only a token authenticates it."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]


class RotateTokenView(TokenOnlyView):
    @rotate_token_schema
    def post(self, request, *args, **kwargs):
        try:
            issued = rotate_token(token=request.auth)
        except TokenRevoked as revoked:
            raise exceptions.AuthenticationFailed(str(revoked)) from None
        return Response(TokenSerializer(issued).data)


class LogoutView(TokenOnlyView):
    @logout_schema
    def post(self, request, *args, **kwargs):
        try:
            revoke_token(token=request.auth)
        except TokenRevoked as revoked:
            raise exceptions.AuthenticationFailed(str(revoked)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(TokenOnlyView):
    @logout_all_schema
    def post(self, request, *args, **kwargs):
        revoke_all_tokens(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
