"""Record what the engine and the platform client announce (their signals) in the event store."""

from django.dispatch import receiver

from analytics.signals import collector_ran
from monitoring import record
from platforms.http import request_timed
from publishing import signals


@receiver(signals.tick_pass_finished, dispatch_uid="monitoring.tick_pass")
def tick_pass(sender, seconds, **kwargs) -> None:
    record.tick_pass(seconds)


@receiver(signals.first_request_sent, dispatch_uid="monitoring.publish_lag")
def publish_lag(sender, platform, scheduled_for, sent_at, **kwargs) -> None:
    record.publish_lag(platform, scheduled_for, sent_at)


@receiver(signals.attempt_failed, dispatch_uid="monitoring.platform_error")
def platform_error(sender, platform, error, **kwargs) -> None:
    record.platform_error(platform, error)


@receiver(signals.rate_window_held, dispatch_uid="monitoring.rate_window_hold")
def rate_window_hold(sender, platform, **kwargs) -> None:
    record.rate_limit_hold(platform, source=record.HERALD)


@receiver(request_timed, dispatch_uid="monitoring.platform_request")
def platform_request(sender, platform, seconds, outcome=None, status_code=None, **kwargs) -> None:
    """``outcome`` ("timeout", "network") when no answer came, else the answer's status code."""
    record.platform_request(
        platform or record.OTHER_PLATFORM,
        outcome or record.request_outcome(status_code),
        seconds,
    )


@receiver(collector_ran, dispatch_uid="monitoring.collector_run")
def collector_run(sender, report, **kwargs) -> None:
    record.collector_run(report)
