"""Flipping the publishing switches, with a record of who did it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from waffle.models import Switch

from flags.models import SwitchFlip
from flags.switches import ALL_SWITCH_NAMES

FLIP_PERMISSION = "flags.flip_switch"


class UnknownSwitch(ValueError):
    """Not one of the publishing switches."""


def can_flip_switches(user) -> bool:
    """Superusers, and users given ``flags.flip_switch`` (directly or by a group)."""
    return user.is_active and user.has_perm(FLIP_PERMISSION)


@transaction.atomic
def set_switch(name: str, active: bool, *, user, note: str = "") -> SwitchFlip | None:
    """Turn a publishing switch on or off and record the flip.

    Returns the recorded flip, or None when the switch was already in that
    state (nothing changes, nothing is recorded). Raises ``PermissionDenied``
    for a user who may not flip switches and ``UnknownSwitch`` for a name that
    is not a publishing switch. Publications held by a switch leave by
    themselves on the next tick once it is on again.
    """
    if name not in ALL_SWITCH_NAMES:
        raise UnknownSwitch(f"{name!r} is not a publishing switch.")
    if not can_flip_switches(user):
        raise PermissionDenied("Only superusers or users allowed to flip switches may do that.")
    switch, created = Switch.objects.select_for_update().get_or_create(
        name=name, defaults={"active": active}
    )
    if not created:
        if switch.active == active:
            return None
        switch.active = active
        switch.save()  # django-waffle clears its cache on save
    return SwitchFlip.objects.create(
        name=name, active=active, user=user, username=user.get_username(), note=note.strip()
    )
