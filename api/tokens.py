"""API tokens: issue, rotate and revoke (django-rest-knox tokens, kept as digests).

A token is shown once, in the answer that issues it; Herald keeps its digest,
a short prefix to find it by, and its expiry (``REST_KNOX["TOKEN_TTL"]``). A user
holds at most ``API_TOKEN_LIMIT_PER_USER`` tokens: issuing one more revokes the
oldest, so a script that signs in on every run keeps working.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from knox.settings import knox_settings

from api.models import APIToken


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    token: str
    expiry: dt.datetime


@transaction.atomic
def issue_token(*, user) -> IssuedToken:
    """A new token for ``user``; expired ones and those beyond the limit are revoked."""
    APIToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    instance, token = APIToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
    # Newest first: everything past the limit goes. Counted after the insert, so two
    # sign-ins at once cannot both slip under it.
    surplus = list(
        APIToken.objects.filter(user=user)
        .order_by("-created", "-pk")
        .values_list("pk", flat=True)[settings.API_TOKEN_LIMIT_PER_USER :]
    )
    if surplus:
        APIToken.objects.filter(pk__in=surplus).delete()
    return IssuedToken(token=token, expiry=instance.expiry)


class TokenRevoked(Exception):
    """The token was revoked meanwhile (rotated or signed out by another request)."""


@transaction.atomic
def rotate_token(*, token: APIToken) -> IssuedToken:
    """Replace ``token`` with a new one for the same user; the old one stops working.

    Two rotations of one token at once give one new token, not two: the second
    finds the old token gone and is refused.
    """
    revoke_token(token=token)
    return issue_token(user=token.user)


def revoke_token(*, token: APIToken) -> None:
    deleted, _ = APIToken.objects.filter(pk=token.pk).delete()
    if not deleted:
        raise TokenRevoked("This token was revoked meanwhile; sign in again.")


def revoke_all_tokens(*, user) -> int:
    """Revoke every token of ``user``; how many there were."""
    deleted, _ = APIToken.objects.filter(user=user).delete()
    return deleted
