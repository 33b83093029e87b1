"""django-q2 task entry points of the analytics app."""

from analytics import services


def collect() -> str:
    """Run by the "analytics collect" Schedule every five minutes."""
    report = services.collect_due()
    if not report.ran:
        return "another collector is running"
    return report.summary()
