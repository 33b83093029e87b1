"""The publishing switches, on django-waffle.

``automation_enabled`` holds all publishing; ``publishing_<platform>`` holds
one platform. A data migration creates them all, on. A held publication
waits in QUEUED and leaves by itself when its switch comes back on.
"""

from waffle.models import Switch

from content.choices import Platform

AUTOMATION_SWITCH = "automation_enabled"


def platform_switch_name(platform: str) -> str:
    return f"publishing_{platform}"


ALL_SWITCH_NAMES = (AUTOMATION_SWITCH, *(platform_switch_name(p) for p in Platform.values))


def switch_states() -> dict[str, bool]:
    """Every publishing switch and whether it is on, in one query.

    A switch that does not exist counts as off, as in django-waffle: deleting
    a switch must never start publishing.
    """
    states = dict.fromkeys(ALL_SWITCH_NAMES, False)
    for name, active in Switch.objects.filter(name__in=ALL_SWITCH_NAMES).values_list(
        "name", "active"
    ):
        states[name] = active
    return states


def blocking_switch(platform: str, states: dict[str, bool] | None = None) -> str | None:
    """The name of the switch that holds ``platform`` now, or None when it may publish."""
    states = switch_states() if states is None else states
    if not states[AUTOMATION_SWITCH]:
        return AUTOMATION_SWITCH
    name = platform_switch_name(platform)
    if not states[name]:
        return name
    return None


def held_platforms(states: dict[str, bool] | None = None) -> list[str]:
    """Platforms that may not publish now."""
    states = switch_states() if states is None else states
    return [p for p in Platform.values if blocking_switch(p, states)]
