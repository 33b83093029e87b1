"""Why the engine holds a QUEUED publication: the kind (data, for filtering) and its text.

Every hold the engine writes is built here. Other modules filter on
``hold_kind``, never on ``hold_reason``: the reason is for people to read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from flags.switches import AUTOMATION_SWITCH, platform_switch_name


class HoldKind(models.TextChoices):
    """What holds a publication; empty when nothing does."""

    AUTOMATION_SWITCH = "automation_switch", "the automation switch is off"
    PLATFORM_SWITCH = "platform_switch", "the platform's publishing switch is off"
    PAUSED_ACCOUNT = "paused_account", "the account is paused"
    RATE_WINDOW = "rate_window", "Herald's rate window is full"
    PLATFORM_WAIT = "platform_wait", "the platform asked us to wait"
    PLAN = "plan", "the owner's plan does not allow it"


@dataclass(frozen=True)
class Hold:
    kind: HoldKind
    reason: str

    def fields(self) -> dict[str, str]:
        """The publication's columns while this hold lasts."""
        return {"hold_kind": self.kind, "hold_reason": self.reason}


# The columns of a publication nothing holds: every path that ends a hold writes them.
RELEASED = {"hold_kind": "", "hold_reason": ""}


SWITCH_KINDS = (HoldKind.AUTOMATION_SWITCH, HoldKind.PLATFORM_SWITCH)


def switch_off(switch: str) -> Hold:
    """``switch`` is the automation switch or the publication's platform's own switch."""
    kind = HoldKind.AUTOMATION_SWITCH if switch == AUTOMATION_SWITCH else HoldKind.PLATFORM_SWITCH
    return Hold(kind, f"switch {switch} is off")


def holding_switch(kind: str, platform: str) -> str:
    """The switch that holds a row of ``platform`` with a switch hold of ``kind``."""
    return (
        AUTOMATION_SWITCH if kind == HoldKind.AUTOMATION_SWITCH else platform_switch_name(platform)
    )


def paused_account() -> Hold:
    """Waits without a due time: resuming (or revoking) the account releases it
    (publishing/receivers.py), so a long pause writes no audit rows."""
    return Hold(HoldKind.PAUSED_ACCOUNT, "the account is paused")


def rate_window_full(platform: str) -> Hold:
    return Hold(HoldKind.RATE_WINDOW, f"rate limit: the {platform} window is full")


def platform_wait() -> Hold:
    return Hold(HoldKind.PLATFORM_WAIT, "the platform asked us to wait")


# The longest reason a row stores (``Publication.hold_reason``).
REASON_MAX_LENGTH = 200


def plan_limit(reason: str) -> Hold:
    """The owner's plan refuses the post now (a platform left out, automation off).

    Waits without a due time, like a paused account: a change of plan or entitlement
    releases it (publishing/receivers.py), and the engine checks again.
    """
    if len(reason) > REASON_MAX_LENGTH:
        reason = reason[: REASON_MAX_LENGTH - 1] + "…"
    return Hold(HoldKind.PLAN, reason)
