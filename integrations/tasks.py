"""Tasks the django-q2 cluster runs for integrations."""

from integrations.daily_check import check_integrations


def daily_integration_check() -> str:
    """Scheduled once a day (migration 0004); returns the summary for the task log."""
    return check_integrations().summary()
