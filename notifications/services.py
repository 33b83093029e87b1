"""Recording notices, in the transaction of the change they report, and each user's preferences.

Receivers (notifications/receivers.py) and commands call these functions; the
e-mails themselves go out later, from notifications/delivery.py, run by a
django-q2 task once the transaction has committed. A rolled-back change leaves
no notice behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from content.choices import Status
from integrations.models import Integration
from integrations.redaction import redact, redact_values, secret_values
from notifications.models import (
    PREFERENCE_FIELDS,
    Audience,
    Kind,
    Notice,
    NotificationPreferences,
)
from platforms import registry
from publishing import selectors
from publishing.models import IN_DOUBT_CODE, Publication

logger = logging.getLogger(__name__)

SEND_TASK = "notifications.tasks.send_due_notices"
REASON_LIMIT = 1000
LABEL_LIMIT = 300


# --- preferences -----------------------------------------------------------------------


def preferences_for(user) -> NotificationPreferences:
    """The user's switches; the defaults (every kind on, no daily digest) if never saved."""
    return NotificationPreferences.objects.filter(user=user).first() or NotificationPreferences(
        user=user
    )


def update_preferences(user, **changes: bool) -> NotificationPreferences:
    unknown = set(changes) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown notification preferences: {', '.join(sorted(unknown))}.")
    preferences, _ = NotificationPreferences.objects.update_or_create(user=user, defaults=changes)
    return preferences


def preference_defaults() -> dict[str, bool]:
    return {
        name: NotificationPreferences._meta.get_field(name).default for name in PREFERENCE_FIELDS
    }


def wanted(values: dict, prefix: str, kind: str) -> tuple[bool, bool]:
    """(wants ``kind``, wants the daily digest) from a ``values()`` row joined to preferences.

    A user without a preferences row reads NULL there: the defaults apply.
    """
    wants = values.get(f"{prefix}{kind}")
    daily = values.get(f"{prefix}daily_digest")
    return (True if wants is None else wants, bool(daily))


# --- when a notice may be sent ---------------------------------------------------------


def due_at(now: dt.datetime, *, daily: bool, zone_name: str = "UTC") -> dt.datetime:
    """The end of the digest window, or the next daily digest hour in the user's zone."""
    if not daily:
        return now + dt.timedelta(seconds=settings.NOTIFY_DIGEST_SECONDS)
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = now.astimezone(zone)
    hour = dt.time(settings.NOTIFY_DAILY_DIGEST_HOUR)
    send = dt.datetime.combine(local.date(), hour, tzinfo=zone)
    if send <= local:
        send = dt.datetime.combine(local.date() + dt.timedelta(days=1), hour, tzinfo=zone)
    return send


# --- labels (snapshots of what the notice is about) -------------------------------------


def post_label(title: str, body: str, content_id: int | None) -> str:
    name = (title or body or "").strip().replace("\n", " ")
    name = name if len(name) <= 80 else name[:79] + "…"
    label = f"“{name}”" if name else "(no text)"
    return f"{label} (#{content_id})"[:LABEL_LIMIT] if content_id else label[:LABEL_LIMIT]


def account_label(provider: str, display_name: str, external_id: str) -> str:
    platform = registry.label(provider) if provider else ""
    who = display_name or external_id
    return " · ".join(part for part in (platform, who) if part)[:LABEL_LIMIT]


def endpoint_label(url: str) -> str:
    """Scheme, host and path only: a query string or user part may carry a secret."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"webhook endpoint {parts.scheme}://{host}{port}{parts.path}"[:LABEL_LIMIT]


def clean_reason(text: str, *secrets: str | None) -> str:
    """Redacted by pattern and by the account's own secrets, whatever the sender did before."""
    text = redact_values(redact(text or ""), secret_values(secrets)).strip()
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


# --- recording ----------------------------------------------------------------------------

OWNER_PREFIX = "content__owner__notification_preferences__"


def record_publication_failures(publication_ids: list[int], from_statuses: list[str]) -> int:
    """Notices for publications that just became FAILED (or in doubt); in the caller's transaction.

    The owner hears of each failure or doubt (unless they turned that kind off);
    operators hear of each doubt. A FAILED -> FAILED move is an operator settling a
    doubt as "not out": nothing new to tell. One read, and one insert when anything is
    to be told.
    """
    ids = [
        pk
        for pk, before in zip(publication_ids, from_statuses, strict=True)
        if before != Status.FAILED
    ]
    if not ids:
        return 0
    rows = Publication.objects.filter(pk__in=ids).values(
        "pk",
        "platform",
        "last_error_code",
        "last_error",
        "content_id",
        "content__title",
        "content__body",
        "content__owner_id",
        "content__owner__email",
        "content__owner__timezone",
        "integration_id",
        "integration__display_name",
        "integration__external_account_id",
        "integration__access_token",
        "integration__refresh_token",
        "integration__webhook_url",
        f"{OWNER_PREFIX}{Kind.PUBLICATION_FAILED}",
        f"{OWNER_PREFIX}{Kind.PUBLICATION_IN_DOUBT}",
        f"{OWNER_PREFIX}daily_digest",
    )
    now = timezone.now()
    notices: list[Notice] = []
    for row in rows:
        in_doubt = row["last_error_code"] == IN_DOUBT_CODE
        kind = Kind.PUBLICATION_IN_DOUBT if in_doubt else Kind.PUBLICATION_FAILED
        facts = {
            "kind": kind,
            "content_id": row["content_id"],
            "publication_id": row["pk"],
            "integration_id": row["integration_id"],
            "post": post_label(row["content__title"], row["content__body"], row["content_id"]),
            "account": account_label(
                row["platform"],
                row["integration__display_name"] or "",
                row["integration__external_account_id"] or "",
            ),
            "reason_code": row["last_error_code"][:64],
            "reason": clean_reason(
                row["last_error"],
                row["integration__access_token"],
                row["integration__refresh_token"],
                row["integration__webhook_url"],
            ),
        }
        wants, daily = wanted(row, OWNER_PREFIX, kind)
        if wants and row["content__owner__email"]:
            notices.append(
                Notice(
                    audience=Audience.OWNER,
                    recipient_id=row["content__owner_id"],
                    due_at=due_at(now, daily=daily, zone_name=row["content__owner__timezone"]),
                    **facts,
                )
            )
        if in_doubt:
            notices.append(
                Notice(audience=Audience.OPERATORS, due_at=due_at(now, daily=False), **facts)
            )
    return write(notices)


INTEGRATION_PREFIX = "user__notification_preferences__"


def record_integration_notice(
    integration_id: int, kind: str, reason: str, *, dedupe_key: str = ""
) -> int:
    """Tell an account's owner it must be connected again, or expires soon."""
    row = (
        Integration.objects.filter(pk=integration_id)
        .values(
            "pk",
            "provider",
            "display_name",
            "external_account_id",
            "access_token",
            "refresh_token",
            "webhook_url",
            "user_id",
            "user__email",
            "user__timezone",
            f"{INTEGRATION_PREFIX}{kind}",
            f"{INTEGRATION_PREFIX}daily_digest",
        )
        .first()
    )
    if row is None or not row["user__email"]:
        return 0
    wants, daily = wanted(row, INTEGRATION_PREFIX, kind)
    if not wants:
        return 0
    notice = Notice(
        kind=kind,
        audience=Audience.OWNER,
        recipient_id=row["user_id"],
        integration_id=row["pk"],
        account=account_label(row["provider"], row["display_name"], row["external_account_id"]),
        reason=clean_reason(reason, row["access_token"], row["refresh_token"], row["webhook_url"]),
        dedupe_key=dedupe_key,
        due_at=due_at(timezone.now(), daily=daily, zone_name=row["user__timezone"]),
    )
    return write([notice])


def record_endpoint_disabled(
    *, endpoint_id: int, owner_id: int | None, url: str, reason: str
) -> int:
    """Tell the endpoint's owner and the operators that Herald stopped delivering to it."""
    now = timezone.now()
    facts = {
        "kind": Kind.ENDPOINT_DISABLED,
        "endpoint_id": endpoint_id,
        "account": endpoint_label(url),
        "reason": clean_reason(reason),
    }
    notices = [Notice(audience=Audience.OPERATORS, due_at=due_at(now, daily=False), **facts)]
    owner = (
        get_user_model()
        .objects.filter(pk=owner_id, is_active=True)
        .exclude(email="")
        .values(
            "pk",
            "timezone",
            f"notification_preferences__{Kind.ENDPOINT_DISABLED}",
            "notification_preferences__daily_digest",
        )
        .first()
        if owner_id
        else None
    )
    if owner:
        wants, daily = wanted(owner, "notification_preferences__", Kind.ENDPOINT_DISABLED)
        if wants:
            notices.append(
                Notice(
                    audience=Audience.OWNER,
                    recipient_id=owner["pk"],
                    due_at=due_at(now, daily=daily, zone_name=owner["timezone"]),
                    **facts,
                )
            )
    return write(notices)


def scheduler_outage(now: dt.datetime) -> tuple[dt.datetime | None, str] | None:
    """The ``/health/`` scheduler condition: None while the tick's heartbeat is fresh.

    Otherwise (last tick or None, a sentence). Computed here from the same selector
    and setting as monitoring's check, which sits above this app.
    """
    limit = settings.HEALTH_MAX_TICK_AGE
    last_tick = selectors.tick_last_seen()
    if last_tick is None:
        return None, "The scheduler has never ticked: is the django-q2 cluster running?"
    age = (now - last_tick).total_seconds()
    if age <= limit:
        return None
    return last_tick, (
        f"The scheduler has not ticked for {int(age)} s (limit {limit} s), since "
        f"{last_tick:%Y-%m-%d %H:%M:%S} UTC: is the django-q2 cluster running?"
    )


def record_scheduler_outage(now: dt.datetime | None = None) -> int:
    """One notice to operators per outage (keyed by the last tick), due at once."""
    now = now or timezone.now()
    outage = scheduler_outage(now)
    if outage is None:
        return 0
    last_tick, sentence = outage
    key = f"scheduler_dead:{last_tick.isoformat() if last_tick else 'never'}"
    notice = Notice(
        kind=Kind.SCHEDULER_DEAD,
        audience=Audience.OPERATORS,
        account="the publishing scheduler (tick)",
        reason=sentence,
        dedupe_key=key,
        due_at=now,
    )
    return write([notice], request=False)


def write(notices: list[Notice], *, request: bool = True) -> int:
    """Insert the notices in the current transaction; ask for delivery once it commits."""
    keys = [notice.dedupe_key for notice in notices if notice.dedupe_key]
    if keys:
        # Told already (the constraint settles a race: the second insert is ignored).
        told = set(Notice.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        notices = [notice for notice in notices if notice.dedupe_key not in told]
    if not notices:
        return 0
    created = Notice.objects.bulk_create(notices, ignore_conflicts=bool(keys))
    if request:
        earliest = min(notice.due_at for notice in notices)
        transaction.on_commit(lambda: request_delivery(earliest))
    return len(created)


# --- asking a worker to send -------------------------------------------------------------

# The last window this process asked a one-off Schedule for: a burst asks once per window.
_requested_windows: set[dt.datetime] = set()


def request_delivery(due: dt.datetime) -> None:
    """Ring the doorbell after commit: a task now, or a one-off Schedule at the window's end.

    A lost request costs a minute at most: the "notifications sweep" Schedule sends
    whatever is due and unsent.
    """
    from django_q.models import Schedule
    from django_q.tasks import async_task

    now = timezone.now()
    try:
        if due <= now:
            async_task(SEND_TASK, group="notifications", save=False)
            return
        window = max(settings.NOTIFY_DIGEST_SECONDS, 1)
        at = dt.datetime.fromtimestamp(math.ceil(due.timestamp() / window) * window, tz=dt.UTC)
        if at in _requested_windows:
            return
        Schedule.objects.get_or_create(
            name=f"notifications at {at:%Y-%m-%d %H:%M:%S}",
            defaults={
                "func": SEND_TASK,
                "schedule_type": Schedule.ONCE,
                "next_run": at,
                "repeats": -1,
            },
        )
        _requested_windows.clear()
        _requested_windows.add(at)
    except Exception:
        # The notices are committed: the sweep sends them. Never fail the caller's request.
        logger.exception("Could not ask for notices to be sent; the sweep will send them.")
