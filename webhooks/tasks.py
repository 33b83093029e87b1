"""django-q2 task entry points of the webhooks app."""

from django.conf import settings

from webhooks import dispatch, services


def deliver_due() -> str:
    """Queued after each commit that wrote deliveries, and run by the "webhooks sweep"
    Schedule every minute, which finds deliveries whose task was lost, and retries."""
    report = dispatch.deliver_due()
    if not report.ran:
        return "another dispatcher is running"
    return (
        f"sent={report.sent} succeeded={report.succeeded} failed={report.failed} "
        f"disabled={len(report.disabled)}"
    )


def prune() -> str:
    """Run daily by the "webhooks prune" Schedule."""
    deleted = services.prune_deliveries(older_than_days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    return f"pruned={deleted}"
