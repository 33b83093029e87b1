"""``Authorization: Token <token>``: django-rest-knox tokens, checked by their digest."""

from __future__ import annotations

import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox import auth
from rest_framework import exceptions

# Tokens Herald issues are hex (knox's 64 characters, and the 40 of the tokens
# imported from before). Refusing anything else up front keeps odd bytes away from
# the UTF-8 decoding and the database lookup, where they would answer 500.
TOKEN_SHAPE = re.compile(rb"[0-9a-fA-F]{1,128}")


class TokenAuthentication(auth.TokenAuthentication):
    """knox's authentication, answering 401 (not 500) to a malformed token."""

    def authenticate_credentials(self, token: bytes):
        if not TOKEN_SHAPE.fullmatch(token):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)


class TokenScheme(OpenApiAuthenticationExtension):
    """The scheme in the OpenAPI schema, under the name DRF's tokens had."""

    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'A token from `POST /api/v1/auth/token/`, sent as "Token <token>".',
        }
