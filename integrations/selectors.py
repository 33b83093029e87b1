"""Reads of integrations that other apps need: what a user has connected, by platform."""

from __future__ import annotations

from django.db.models import Count

from integrations.models import Integration


def connected_accounts(user):
    """The user's accounts that count as connected: every one not revoked.

    A paused account, or one waiting for its owner to reconnect, still holds its
    place: its tokens are stored and it comes back without a new connect.
    """
    return Integration.objects.filter(user_id=user.pk).exclude(status=Integration.Status.REVOKED)


def connected_accounts_by_platform(user) -> dict[str, int]:
    """``{"twitter": 2, "discord": 1}``: the user's connected accounts per platform (one query)."""
    rows = connected_accounts(user).values("provider").annotate(n=Count("pk")).order_by()
    return {row["provider"]: row["n"] for row in rows}


def connected_count(user, platform: str, *, excluding_account: str = "") -> int:
    """The user's connected accounts on ``platform``, leaving out ``excluding_account``
    (an external account id): the account being connected is not counted against itself."""
    accounts = connected_accounts(user).filter(provider=platform)
    if excluding_account:
        accounts = accounts.exclude(external_account_id=excluding_account)
    return accounts.count()
