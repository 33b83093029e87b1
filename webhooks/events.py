"""What each event says: the ``data`` of every event type, built from Herald's rows.

One function per source; each returns ``PendingEvent`` objects for
``services.record_events``. The texts are for people; the codes for programs.
"""

from __future__ import annotations

import datetime as dt

from content.choices import Status
from content.models import Content
from publishing.models import IN_DOUBT_CODE
from webhooks.models import EventType
from webhooks.services import PendingEvent

IN_DOUBT_MESSAGE = (
    "The request went out but its outcome is unknown: the post may be live. "
    "Check the platform before sending it again."
)


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def publication_event(row: dict) -> PendingEvent | None:
    """The event of one publication that reached ``row["status"]``, or None for none."""
    status = row["status"]
    data = {
        "publication_id": row["pk"],
        "content_id": row["content_id"],
        "platform": row["platform"],
        "integration_id": row["integration_id"],
        "status": status,
        "attempts": row["attempts"],
    }
    if status == Status.PUBLISHED:
        kind = EventType.PUBLICATION_PUBLISHED
        data.update(
            permalink=row["permalink"] or None,
            external_id=row["external_id"] or None,
            published_at=iso(row["published_at"]),
        )
    elif status == Status.FAILED and row["last_error_code"] == IN_DOUBT_CODE:
        kind = EventType.PUBLICATION_IN_DOUBT
        data.update(in_doubt=True, message=IN_DOUBT_MESSAGE)
    elif status == Status.FAILED:
        kind = EventType.PUBLICATION_FAILED
        data.update(error={"code": row["last_error_code"] or "error", "message": row["last_error"]})
    elif status == Status.CANCELED:
        kind = EventType.PUBLICATION_CANCELED
    else:
        return None
    return PendingEvent(row["content__owner_id"], kind, data)


CONTENT_EVENTS = {
    "scheduled": EventType.CONTENT_SCHEDULED,
    "updated": EventType.CONTENT_UPDATED,
    "deleted": EventType.CONTENT_DELETED,
}


def content_event(content: Content, change: str, platforms: list[str]) -> PendingEvent:
    return PendingEvent(
        content.owner_id,
        CONTENT_EVENTS[change],
        {
            "content_id": content.pk,
            "title": content.title,
            "scheduled_for": iso(content.scheduled_for),
            "status": content.status,
            "version": content.version,
            "platforms": platforms,
        },
    )


def integration_event(
    row: dict, kind: str, *, message: str = "", expires_at: dt.datetime | None = None
) -> PendingEvent:
    data = {
        "integration_id": row["pk"],
        "provider": row["provider"],
        "display_name": row["display_name"],
        "status": row["status"],
    }
    if kind == EventType.INTEGRATION_NEEDS_REAUTH:
        data["message"] = message
    else:
        data["expires_at"] = iso(expires_at)
    return PendingEvent(row["user_id"], kind, data)
