"""Sign-in: a username and password in, a token out."""

from __future__ import annotations

from rest_framework import serializers


class TokenRequestSerializer(serializers.Serializer):
    # The lengths bound what a failed attempt stores (django-axes) and what is hashed.
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=4096, style={"input_type": "password"}, trim_whitespace=False
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True, help_text="Shown once: Herald keeps only a digest of it."
    )
    expiry = serializers.DateTimeField(
        read_only=True, help_text="When the token stops working (`API_TOKEN_TTL_HOURS`)."
    )
