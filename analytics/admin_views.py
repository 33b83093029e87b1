"""The Analytics page in the admin: totals per platform and account, engagement over time,
the top posts, and how the collector is doing.

Thin: the reads are in ``analytics.selectors``. Wrapped by ``admin.site.admin_view``
in ``config/urls.py`` (staff only); it also asks for its own permission,
``analytics.view_metricssnapshot``: staff status alone does not open it.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.template.response import TemplateResponse
from django.utils import timezone

from analytics import charts, selectors
from platforms import registry

VIEW_PERMISSION = "analytics.view_metricssnapshot"
DEFAULT_DAYS = 30
MAX_DAYS = 731
TOP_POSTS = 20


class RangeForm(forms.Form):
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To (included)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    platform = forms.ChoiceField(required=False, choices=[("", "All platforms")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = [("", "All platforms"), *registry.choices()]

    def clean(self):
        data = super().clean()
        end = data.get("end") or timezone.now().date()
        if end >= dt.date.max or end - dt.date.min < dt.timedelta(days=DEFAULT_DAYS):
            raise forms.ValidationError("Choose a date between year 1 and year 9999.")
        start = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError("“From” must not be after “To”.")
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError("The range may span two years at most.")
        return {**data, "start": start, "end": end}


def default_range() -> dict:
    end = timezone.now().date()
    return {"start": end - dt.timedelta(days=DEFAULT_DAYS - 1), "end": end, "platform": ""}


def day_range(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def engagement_chart(selection: selectors.Range, days: list[dt.date]):
    """Engagement so far of the posts published each day, one line per platform."""
    by_platform: dict[str, dict[dt.date, int]] = {}
    for day, platform, engagement in selectors.engagement_by_day_and_platform(selection):
        by_platform.setdefault(platform, {})[day] = engagement
    series = [
        charts.Series(registry.label(platform), [values.get(d, 0) for d in days])
        for platform, values in sorted(by_platform.items())
    ]
    return charts.line_chart(
        [d.strftime("%d %b") for d in days],
        series,
        title="Engagement of the posts published each day",
    )


@permission_required(VIEW_PERMISSION, raise_exception=True)
def analytics_page(request):
    form = RangeForm(request.GET or None)
    choice = form.cleaned_data if form.is_bound and form.is_valid() else default_range()
    start, end = choice["start"], choice["end"]
    selection = selectors.Range(
        start=dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC),
        end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC),
        platform=choice.get("platform") or "",
    )
    now = timezone.now()
    context = {
        **admin.site.each_context(request),
        "title": "Analytics",
        "form": form if form.is_bound else RangeForm(initial={"start": start, "end": end}),
        "start": start,
        "end": end,
        "totals": selectors.totals(selection),
        "by_platform": [
            {**row, "label": registry.label(row["platform"])}
            for row in selectors.totals_by_platform(selection)
        ],
        "by_account": [
            {**row, "label": registry.label(row["platform"])}
            for row in selectors.totals_by_account(selection)
        ],
        "chart": engagement_chart(selection, day_range(start, end)),
        "top_posts": selectors.top_posts(selection)[:TOP_POSTS],
        "collector": selectors.collector_counts(),
        "lag_seconds": selectors.collection_lag(now),
        "now": now,
    }
    return TemplateResponse(request, "admin/analytics/analytics.html", context)
