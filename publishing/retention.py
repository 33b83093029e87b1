"""Retention: how long Herald keeps its history, and the batched deletes that keep to it.

History is what only records what happened. Each app registers its logs here
(``register_history_log``), so this module imports none of the apps above it:

* the publications' audit events (``PublicationEvent``, below);
* the delivered-message logs: webhook deliveries that ended, with their
  attempts, and the events no delivery needs any more (``webhooks.retention``);
  e-mail notices that were sent (``notifications.retention``).

What stays whatever its age, so an open question keeps its evidence:

* the events of a publication that is not final (scheduled, queued, publishing,
  retrying): its story is still being written, and a row whose request went out
  is reconciled from it;
* the events of a publication in doubt (FAILED ``in_doubt``): its owner or an
  operator settles it from them;
* the events of a publication whose last change is newer than the cutoff: a
  failure is under investigation for the whole retention period after it
  happened, with all its events, however old the first of them.

So a publication's events go whole, once it is final, not in doubt and untouched
since the cutoff. The publication row itself stays: it is the record of what
went out, and its idempotency key guards against sending it again.

A log may keep its own, longer retention (``keep_days``); the cutoff is then the
older of the two, so this never deletes what an app's own setting keeps.

Deletes go in batches of ``HISTORY_PRUNE_BATCH_SIZE`` rows, each its own short
statement (``id IN`` the next ids by primary key), so a first prune of millions
of rows never holds a long lock or a huge transaction; each batch re-checks the
rule as it deletes, so a row that changed since it was picked stays.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from content.choices import FINAL_STATUSES, Status
from publishing.models import IN_DOUBT_CODE, PublicationEvent

# The largest age --older-than accepts: beyond it the cutoff would precede year 1.
MAX_DAYS = 100_000
AGE = re.compile(r"^\s*(\d+)\s*(d|days?)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class HistoryLog:
    """A table of history: ``prunable(cutoff)`` is its rows older than the cutoff that
    nothing needs; ``keep_days`` (optional) is the app's own, longer retention."""

    name: str
    prunable: Callable[[dt.datetime], QuerySet]
    keep_days: Callable[[], int] | None = None

    def cutoff(self, cutoff: dt.datetime, now: dt.datetime) -> dt.datetime:
        if self.keep_days is None:
            return cutoff
        return min(cutoff, now - dt.timedelta(days=self.keep_days()))


_LOGS: dict[str, HistoryLog] = {}


def register_history_log(
    name: str,
    prunable: Callable[[dt.datetime], QuerySet],
    *,
    keep_days: Callable[[], int] | None = None,
) -> None:
    """Add a log to what ``prune_history`` prunes, in registration order (idempotent)."""
    _LOGS[name] = HistoryLog(name, prunable, keep_days)


def history_logs() -> list[HistoryLog]:
    return list(_LOGS.values())


def prunable_publication_events(cutoff: dt.datetime) -> QuerySet[PublicationEvent]:
    """Audit events older than the cutoff of publications whose story is over (see above)."""
    return PublicationEvent.objects.filter(
        created_at__lt=cutoff,
        publication__status__in=FINAL_STATUSES,
        publication__updated_at__lt=cutoff,
    ).exclude(Q(publication__status=Status.FAILED, publication__last_error_code=IN_DOUBT_CODE))


register_history_log("audit events", prunable_publication_events)


# --- the age ------------------------------------------------------------------------------


class BadAge(ValueError):
    """An age that is not a whole number of days, at least one."""


def parse_age(text: str) -> dt.timedelta:
    """``"400d"``, ``"400 days"`` or ``"400"`` -> 400 days. Raises ``BadAge`` otherwise."""
    match = AGE.match(text or "")
    if not match:
        raise BadAge(f"{text!r} is not an age: give a whole number of days, like 400d.")
    days = int(match.group(1))
    if not 1 <= days <= MAX_DAYS:
        raise BadAge(f"{text!r} is out of range: give between 1d and {MAX_DAYS}d.")
    return dt.timedelta(days=days)


def default_age() -> dt.timedelta:
    return dt.timedelta(days=settings.HISTORY_RETENTION_DAYS)


# --- pruning ------------------------------------------------------------------------------


@dataclass
class PruneReport:
    """What one log lost (or, in a dry run, would lose)."""

    name: str
    cutoff: dt.datetime
    rows: int = 0
    batches: int = 0
    # False when the time budget ran out first: the next run goes on from there.
    finished: bool = True


def prune_history(
    *,
    older_than: dt.timedelta,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    batch_size: int | None = None,
    budget_seconds: float | None = None,
    on_batch: Callable[[PruneReport], None] | None = None,
) -> list[PruneReport]:
    """Delete every registered log's history older than ``older_than``, batch by batch.

    ``dry_run`` counts instead (one query per log). ``budget_seconds`` stops between
    batches once spent (the scheduled run); ``on_batch`` sees each report as it grows.
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.HISTORY_PRUNE_BATCH_SIZE
    started = time.monotonic()
    reports = []
    for log in history_logs():
        report = PruneReport(log.name, log.cutoff(now - older_than, now))
        reports.append(report)
        if dry_run:
            report.rows = log.prunable(report.cutoff).count()
            continue
        last_pk = 0
        while True:
            if budget_seconds is not None and time.monotonic() - started > budget_seconds:
                report.finished = False
                return reports
            last_pk = prune_batch(log, report, after_pk=last_pk, batch_size=batch_size)
            if last_pk is None:
                break
            if on_batch:
                on_batch(report)
    return reports


def prune_batch(log: HistoryLog, report: PruneReport, *, after_pk: int, batch_size: int):
    """Delete the next batch after ``after_pk``; the last id looked at, or None when done."""
    rows = log.prunable(report.cutoff)
    ids = list(
        rows.filter(pk__gt=after_pk).order_by("pk").values_list("pk", flat=True)[:batch_size]
    )
    if not ids:
        return None
    with transaction.atomic():
        # The rule again, at delete time: a row that changed since it was picked stays.
        _, per_model = rows.filter(pk__in=ids).delete()
    report.rows += per_model.get(rows.model._meta.label, 0)
    report.batches += 1
    return ids[-1]
