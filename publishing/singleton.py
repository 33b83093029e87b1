"""One run at a time across every cluster: a lease held in a one-row table.

The webhooks dispatcher and the analytics collector each keep such a row (their own
model with ``holder`` and ``expires_at``). A run that died leaves the lease to expire.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

LEASE_ID = 1


def acquire_lease(model: type[models.Model], holder: str, *, seconds: float) -> bool:
    """Take the lease for ``seconds`` unless a live holder has it; True when taken."""
    now = timezone.now()
    free = Q(expires_at__isnull=True) | Q(expires_at__lt=now)
    values = {"holder": holder, "expires_at": now + dt.timedelta(seconds=seconds)}
    if model.objects.filter(free, pk=LEASE_ID).update(**values):
        return True
    if model.objects.filter(pk=LEASE_ID).exists():
        return False
    try:
        with transaction.atomic():
            model.objects.create(pk=LEASE_ID, **values)
    except IntegrityError:  # another run created it first: it holds it
        return False
    return True


def release_lease(model: type[models.Model], holder: str) -> None:
    """Give the lease back, if ``holder`` still has it."""
    model.objects.filter(pk=LEASE_ID, holder=holder).update(holder="", expires_at=None)
