"""Fields and limits that several resources share."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework import serializers

from entitlements.limits import DESCRIPTIONS, LimitName

MAX_ID = 2**63 - 1
# The limits of a plan, as the API names them (one enum in the schema: LimitNameEnum).
LIMIT_NAMES = [(name.value, DESCRIPTIONS[name]) for name in LimitName]


class UserDateTimeField(serializers.DateTimeField):
    """ISO 8601. Without an offset the time is read in the requesting user's time zone.

    Total: a time that is outside the calendar in UTC, where the database keeps it (the
    first or last day of year 1 or 9999 moved across by an offset), is a 400.
    """

    def default_timezone(self):
        request = self.context.get("request")
        zone = getattr(getattr(request, "user", None), "zone", None)
        return zone or super().default_timezone()

    def enforce_timezone(self, value):
        if timezone.is_aware(value):
            try:
                return value.astimezone(self.default_timezone())
            except OverflowError:
                # The user's zone cannot show the calendar's last hours; UTC can.
                return value.astimezone(dt.UTC)
        aware = super().enforce_timezone(value)
        # A local time the clocks skip (spring forward) would silently move by an hour.
        zone = aware.tzinfo
        if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != value:
            raise serializers.ValidationError(
                f"{value.isoformat()} does not exist in {zone} (the clocks change then); "
                "give the time with an offset."
            )
        return aware

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
            moment.astimezone(dt.UTC)
        except OverflowError:
            raise serializers.ValidationError(self.out_of_range(value)) from None
        return moment

    def out_of_range(self, value) -> str:
        return f"{value} cannot be stored: it falls outside the years 1 to 9999 in UTC."


class QueryBooleanField(serializers.ChoiceField):
    """A query parameter that is exactly ``true`` or ``false``; anything else is a 400.

    DRF's BooleanField reads an absent query parameter as False, which would
    filter every list by default.
    """

    def __init__(self, **kwargs):
        super().__init__(choices=["true", "false"], **kwargs)

    def to_internal_value(self, data) -> bool:
        return super().to_internal_value(data) == "true"
