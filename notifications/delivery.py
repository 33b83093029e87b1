"""Sending what is due: one e-mail per recipient, whatever the number of notices.

A recipient with any notice due gets every notice of theirs still pending, in
one e-mail. Rows are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` (on
PostgreSQL), so two workers never send the same notice; a failed send leaves
them pending, retried with a growing delay. A notice is marked sent only after
the SMTP server accepted the e-mail: at worst a crash between the two sends it
twice, never zero times.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integrations.redaction import redact
from notifications.messages import compose
from notifications.models import Audience, Notice, NotificationPreferences

logger = logging.getLogger(__name__)

RETRY_CAP_SECONDS = 3600


def send_due_notices(now: dt.datetime | None = None) -> int:
    """Send every recipient's pending notices if any is due. Returns the e-mails sent."""
    now = now or timezone.now()
    due = Notice.objects.filter(sent_at__isnull=True, due_at__lte=now).order_by()
    owners = list(
        due.filter(audience=Audience.OWNER).values_list("recipient_id", flat=True).distinct()
    )
    sent = sum(send_to_owner(user_id, now) for user_id in owners)
    if due.filter(audience=Audience.OPERATORS).exists():
        sent += send_to_operators(now)
    return sent


def claim(queryset) -> list[Notice]:
    """Lock the pending notices of one recipient (skipping any another worker holds)."""
    ids = list(
        queryset.filter(sent_at__isnull=True)
        .select_for_update(skip_locked=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return list(Notice.objects.filter(pk__in=ids).order_by("created_at", "pk"))


def send_to_owner(user_id: int, now: dt.datetime) -> int:
    with transaction.atomic():
        notices = claim(Notice.objects.filter(audience=Audience.OWNER, recipient_id=user_id))
        if not notices:
            return 0
        user = get_user_model().objects.get(pk=user_id)
        if not (user.is_active and user.email):
            # Nobody to tell: the notices are kept, marked, for the admin to read.
            mark_sent(notices, now, note="Not sent: the user has no e-mail address or is inactive.")
            return 0
        email = compose(notices, audience=Audience.OWNER, staff=user.is_staff, zone=user.zone)
        return deliver([(user.email, email)], notices, now)


def operator_recipients() -> list[tuple[str, NotificationPreferences | None]]:
    """HERALD_OPERATOR_EMAILS (every kind), then the active staff of HERALD_OPERATOR_GROUP
    (each with their own preferences). An address appears once."""
    recipients: dict[str, NotificationPreferences | None] = {
        address.lower(): None for address in settings.HERALD_OPERATOR_EMAILS
    }
    staff = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=settings.HERALD_OPERATOR_GROUP)
        .exclude(email="")
        .select_related("notification_preferences")
        .order_by("pk")
    )
    for user in staff:
        try:
            preferences = user.notification_preferences
        except NotificationPreferences.DoesNotExist:
            preferences = NotificationPreferences(user=user)
        recipients.setdefault(user.email.lower(), preferences)
    return list(recipients.items())


def send_to_operators(now: dt.datetime) -> int:
    with transaction.atomic():
        notices = claim(Notice.objects.filter(audience=Audience.OPERATORS))
        if not notices:
            return 0
        emails = []
        for address, preferences in operator_recipients():
            kept = [n for n in notices if preferences is None or preferences.wants(n.kind)]
            if kept:
                emails.append((address, compose(kept, audience=Audience.OPERATORS, staff=True)))
        if not emails:
            mark_sent(notices, now, note="Not sent: no operator address wants this kind.")
            return 0
        return deliver(emails, notices, now)


def deliver(emails, notices: list[Notice], now: dt.datetime) -> int:
    """Send the e-mails over one connection; mark the notices sent, or due again later."""
    messages = [
        mail.EmailMessage(subject=email.subject, body=email.body, to=[address])
        for address, email in emails
    ]
    try:
        with mail.get_connection(fail_silently=False) as connection:
            connection.send_messages(messages)
    except (smtplib.SMTPException, OSError) as error:
        attempts = max(notice.attempts for notice in notices) + 1
        delay = min(60 * 2**attempts, RETRY_CAP_SECONDS)
        said = redact(f"{type(error).__name__}: {error}")[:500]
        Notice.objects.filter(pk__in=[n.pk for n in notices]).update(
            attempts=F("attempts") + 1, last_error=said, due_at=now + dt.timedelta(seconds=delay)
        )
        logger.warning(
            "Could not send %s notice(s); retrying in %s s: %s", len(notices), delay, said
        )
        return 0
    mark_sent(notices, now)
    return len(messages)


def mark_sent(notices: list[Notice], now: dt.datetime, *, note: str = "") -> None:
    Notice.objects.filter(pk__in=[n.pk for n in notices]).update(
        sent_at=now, last_error=note, attempts=F("attempts") + 1
    )


def prune_sent_notices(now: dt.datetime | None = None) -> int:
    """Delete notices sent more than NOTIFY_KEEP_DAYS ago; pending ones are never pruned."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.NOTIFY_KEEP_DAYS)
    deleted, _ = Notice.objects.filter(sent_at__lt=cutoff).delete()
    return deleted
