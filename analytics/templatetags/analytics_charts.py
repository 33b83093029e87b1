"""The small chart of a publication's snapshots, for its admin page."""

from django import template
from django.utils.html import format_html

from analytics import charts, selectors

register = template.Library()

AGE_UNITS = ((86400, "d"), (3600, "h"), (60, "min"))


def age_label(seconds: int) -> str:
    for size, unit in AGE_UNITS:
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@register.simple_tag
def publication_metrics_chart(publication) -> str:
    """Engagement and views at each snapshot age; a sentence when there is none yet."""
    snapshots = list(selectors.snapshots_of(publication.pk))
    if not snapshots:
        return format_html('<p class="herald-muted">{}</p>', "No metrics snapshot yet.")
    labels = [age_label(s.due_after) for s in snapshots]
    series = [charts.Series("Engagement", [s.engagement for s in snapshots])]
    if any(s.views is not None for s in snapshots):
        series.append(charts.Series("Views", [s.views or 0 for s in snapshots]))
    return charts.line_chart(
        labels, series, title="This post's numbers after publishing", width=480, height=180
    )
