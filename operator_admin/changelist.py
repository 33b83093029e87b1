"""Admin change lists that answer every date in the URL, however hostile, without a 500.

Django turns ``?scheduled_for__year=9999`` (a date hierarchy link) into the range
[9999-01-01, 10000-01-01) and fails on the year 10000; a filter value near the ends of
the calendar fails when the database adapter converts it to UTC. Here both are
"incorrect lookup parameters", which the change list answers as it answers any bad
filter: a redirect to ``?e=1``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet

# The years a date hierarchy may open: year Y covers [Y-01-01, Y+1-01-01) in the
# operator's zone, which must stay inside the calendar in every zone.
HIERARCHY_YEARS = range(dt.MINYEAR + 1, dt.MAXYEAR)


def check_date_hierarchy(params: dict[str, list[str]], field_name: str) -> None:
    """Refuse hierarchy parameters (year, month, day) Django could not turn into a range."""
    year = params.get(f"{field_name}__year")
    if not year:
        return
    try:
        value = int(year[-1])
    except ValueError as error:
        raise IncorrectLookupParameters(error) from error
    if value not in HIERARCHY_YEARS:
        raise IncorrectLookupParameters(
            f"Year {value} is outside {HIERARCHY_YEARS.start} to {HIERARCHY_YEARS.stop - 1}."
        )


class DateSafeChangeList(ChangeList):
    """A ChangeList whose date parameters are checked before Django computes with them."""

    def get_filters(self, request):
        if self.date_hierarchy:
            check_date_hierarchy(self.get_filters_params(), self.date_hierarchy)
        return super().get_filters(request)

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        try:
            # Compiling converts every value of the URL for the database, as running would.
            queryset.query.sql_with_params()
        except EmptyResultSet:
            return queryset  # a filter that matches nothing is a valid query
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error
        return queryset


class DateSafeChangeListMixin:
    """For a ModelAdmin: its change list uses ``DateSafeChangeList``."""

    def get_changelist(self, request, **kwargs):
        return DateSafeChangeList
