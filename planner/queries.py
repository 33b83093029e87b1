"""What the calendar is asked for: a range of the operator's days and a few filters, checked.

Every input is total: whatever a URL carries, a value that is not understood raises
``BadCalendarQuery`` (the views answer 400 with its message), never a server error.
Times without an offset are wall-clock times in the operator's zone; times with one
(``Z``, ``+02:00``) are taken as they are and shown in the operator's zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import QueryDict

from content.choices import ContentStatus
from platforms import registry

# The longest range one request may ask for: the six weeks of a month view. A list view
# of a longer range is asked for six weeks at a time.
MAX_RANGE = dt.timedelta(days=42)
# The calendar's ends, in the operator's zone: nothing is scheduled outside them, and
# every time between them converts to any zone without leaving the calendar.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 1, 1)
# ``2026-12-01T09:30:00.000000+05:45`` is 32 characters; nothing longer is a time.
MAX_TIME_LENGTH = 40
MAX_ID = 2**31 - 1
# Content saved without publications (publishing.drafts); shown at its tentative time.
DRAFT = ContentStatus.DRAFT


class BadCalendarQuery(ValueError):
    """A calendar request that cannot be answered, with a message a person can act on."""


def state_choices() -> list[tuple[str, str]]:
    """The seven publication states, then Draft."""
    return [(value, label) for value, label in ContentStatus.choices if value != DRAFT] + [
        (DRAFT, ContentStatus.DRAFT.label)
    ]


def parse_time(value: str | None, zone: dt.tzinfo, *, name: str) -> dt.datetime:
    """An aware time in ``zone`` from an ISO 8601 date or date and time."""
    if not value:
        raise BadCalendarQuery(f"{name} is required (an ISO 8601 date or time).")
    if len(value) > MAX_TIME_LENGTH:
        raise BadCalendarQuery(f"{name} is not an ISO 8601 date or time.")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadCalendarQuery(f"{name} is not an ISO 8601 date or time.") from None
    # The year first: comparing a time at the very ends of the calendar with an offset
    # would leave it.
    if not FIRST_DAY.year <= parsed.year <= LAST_DAY.year:
        raise BadCalendarQuery(out_of_calendar(name))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    local = parsed.astimezone(zone)
    if not FIRST_DAY <= local.date() <= LAST_DAY:
        raise BadCalendarQuery(out_of_calendar(name))
    return local


def out_of_calendar(name: str) -> str:
    return f"{name} must lie between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}."


@dataclass(frozen=True)
class CalendarRange:
    """``start`` (included) to ``end`` (excluded), aware, in the operator's zone."""

    start: dt.datetime
    end: dt.datetime


def parse_range(params: QueryDict, zone: dt.tzinfo) -> CalendarRange:
    start = parse_time(params.get("start"), zone, name="start")
    end = parse_time(params.get("end"), zone, name="end")
    if end <= start:
        raise BadCalendarQuery("end must come after start.")
    # Measured on the wall clock, so a range across a change of summer time is still 6 weeks.
    if end.replace(tzinfo=None) - start.replace(tzinfo=None) > MAX_RANGE:
        raise BadCalendarQuery(
            f"Ask for at most {MAX_RANGE.days} days at a time (the weeks a month view shows)."
        )
    return CalendarRange(start, end)


@dataclass(frozen=True)
class CalendarFilters:
    """Which posts to show: each filter narrows, an empty one does not."""

    owner: int | None = None
    platform: str | None = None
    state: str | None = None
    account: int | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as a URL's query string keeps them (empty ones left out)."""
        return {
            name: str(value)
            for name, value in (
                ("owner", self.owner),
                ("platform", self.platform),
                ("state", self.state),
                ("account", self.account),
            )
            if value not in (None, "")
        }


def parse_id(value: str, *, name: str) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and int(value) <= MAX_ID):
        raise BadCalendarQuery(f"{name} must be the id of one {name}.")
    return int(value)


def parse_filters(params: QueryDict) -> CalendarFilters:
    platform = params.get("platform") or None
    if platform is not None and platform not in registry.values():
        raise BadCalendarQuery(f"Unknown platform; choose from {', '.join(registry.values())}.")
    state = params.get("state") or None
    if state is not None and state not in dict(state_choices()):
        raise BadCalendarQuery(
            f"Unknown state; choose from {', '.join(s for s, _ in state_choices())}."
        )
    return CalendarFilters(
        owner=parse_id(params.get("owner", ""), name="owner"),
        platform=platform,
        state=state,
        account=parse_id(params.get("account", ""), name="account"),
    )
