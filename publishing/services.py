"""Scheduling services: create, cancel and re-open publications.

Views, admin actions and commands call these; none of them touch
``Publication.status`` themselves.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import random
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError, models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from content.choices import ContentStatus, Platform, Status
from content.models import Content, ContentMedia
from entitlements.services import check_media_file, limits_for, reserve_post
from integrations.models import Integration
from publishing import holds, signals
from publishing.models import IN_DOUBT_CODE, Publication  # noqa: F401 - the admin imports it here
from publishing.posts import accounts_by_platform, validation_problems
from publishing.selectors import content_editability, is_in_doubt
from publishing.states import Actor, record_creation, record_note, transition, transition_many

logger = logging.getLogger(__name__)


class SchedulingError(Exception):
    """Input the scheduler refuses, with a message a person can act on.

    ``problems`` maps a platform to the rules the content breaks there.
    """

    def __init__(self, message: str, *, problems: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.problems = problems or {}


class ContentLocked(SchedulingError):
    """The content has started publishing: it can no longer be changed or removed.

    Not a problem with the input but with the moment: the API answers 409.
    """


class NotInDoubt(SchedulingError):
    """Only an in-doubt publication can be settled: the API answers 409 ``not_in_doubt``."""


class ContentBusy(SchedulingError):
    """Another action on the same content held its rows, twice: the API answers 409 ``busy``."""


BUSY_MESSAGE = "Another action on this content was running; try again."
# PostgreSQL's SQLSTATEs for "this transaction lost a lock conflict; run it again":
# deadlock_detected and serialization_failure.
LOCK_CONFLICT_STATES = {"40P01", "40001"}


def is_lock_conflict(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in LOCK_CONFLICT_STATES


def retried_once_on_lock_conflict(service):
    """Run ``service`` in its own transaction, and once more if the database aborted it.

    Rows are locked in primary-key order everywhere, so two actions on one
    content queue behind each other; should PostgreSQL still pick this
    transaction as a deadlock victim (or fail it for serialization), nothing
    of it was written, and it runs once more from the start. A second
    conflict raises ``ContentBusy``. Inside a caller's transaction there is
    nothing to run again (the whole transaction was aborted): the error goes
    up to the caller as it is.
    """

    @functools.wraps(service)
    def run(*args, **kwargs):
        def in_transaction():
            with transaction.atomic():
                return service(*args, **kwargs)

        if transaction.get_connection().in_atomic_block:
            return in_transaction()
        try:
            return in_transaction()
        except OperationalError as error:
            if not is_lock_conflict(error):
                raise
        logger.info("%s lost a lock conflict; running it once more.", service.__name__)
        # A short random pause, so the losers of one conflict do not meet again at once.
        time.sleep(random.uniform(0.01, 0.05))  # noqa: S311 - not security
        try:
            return in_transaction()
        except OperationalError as error:
            if is_lock_conflict(error):
                raise ContentBusy(BUSY_MESSAGE) from error
            raise

    return run


@dataclass(frozen=True)
class Target:
    """Where to publish: a platform, optionally through one specific integration."""

    platform: str
    integration: Integration | None = None


def idempotency_key(content: Content, target: Target) -> str:
    """``{content_id}-{platform}-{scheduled_for epoch}``, as the original system built it.

    An explicit integration adds ``-i{id}``, so one content can go to two
    accounts of the same platform.
    """
    key = f"{content.pk}-{target.platform}-{int(content.scheduled_for.timestamp())}"
    if target.integration is not None:
        key += f"-i{target.integration.pk}"
    return key


def account_key(owner_id: int, target: Target) -> str:
    if target.integration is not None:
        return f"integration:{target.integration.pk}"
    return f"user:{owner_id}"


def resolve_target(owner, platform: str) -> Target:
    """A bare platform means the owner's only active account there, or the legacy tokens."""
    if platform not in Platform.values:
        raise SchedulingError(
            f"Unknown platform {platform!r}; choose from {', '.join(Platform.values)}."
        )
    accounts = list(
        Integration.objects.filter(user=owner, provider=platform).exclude(
            status=Integration.Status.REVOKED
        )[:2]
    )
    if len(accounts) > 1:
        raise SchedulingError(
            f"You have several {Platform(platform).label} accounts; choose one integration."
        )
    return Target(platform=platform, integration=accounts[0] if accounts else None)


def latest_schedule_time() -> dt.datetime:
    """The furthest time content may be scheduled for now (``SCHEDULING_HORIZON_DAYS``)."""
    return timezone.now() + dt.timedelta(days=settings.SCHEDULING_HORIZON_DAYS)


def beyond_horizon() -> SchedulingError:
    """The refusal of a time past the horizon, saying the limit and the latest time allowed."""
    latest = latest_schedule_time().astimezone(dt.UTC).replace(second=0, microsecond=0)
    return SchedulingError(
        f"Too far ahead: content can be scheduled at most {settings.SCHEDULING_HORIZON_DAYS} "
        f"days ahead; the latest time allowed now is {latest.isoformat().replace('+00:00', 'Z')}."
    )


def check_schedule_time(scheduled_for: dt.datetime) -> None:
    """Refuse a time Herald cannot schedule: without an offset, outside the calendar in UTC
    (where it is stored), or past the scheduling horizon.

    Far-future times are not harmless: near the end of the calendar, every page showing
    one in a zone ahead of UTC fails. API, admin and services all refuse through this
    function.
    """
    if timezone.is_naive(scheduled_for):
        raise SchedulingError("scheduled_for needs a time zone offset.")
    try:
        scheduled_for.astimezone(dt.UTC)
    except OverflowError:
        if scheduled_for.year == dt.MAXYEAR:
            raise beyond_horizon() from None
        raise SchedulingError(
            f"{scheduled_for.isoformat()} cannot be stored: it falls outside the years 1 to "
            "9999 in UTC."
        ) from None
    if scheduled_for > latest_schedule_time():
        raise beyond_horizon()


def media_quota_problem(*, owner, incoming_bytes: int) -> str:
    """Why ``incoming_bytes`` more media would not fit in ``owner``'s quota; "" when it fits.

    The quota (``MEDIA_QUOTA_BYTES_PER_USER``) counts the files of all the owner's content.
    """
    limit = settings.MEDIA_QUOTA_BYTES_PER_USER
    if not incoming_bytes:
        return ""
    owned = ContentMedia.objects.filter(content__owner=owner)
    used = owned.aggregate(total=models.Sum("size_bytes"))["total"] or 0
    if used + incoming_bytes <= limit:
        return ""
    return (
        f"Not enough media storage: your content holds {filesizeformat(used)} of your "
        f"{filesizeformat(limit)} quota, and these files add {filesizeformat(incoming_bytes)}. "
        "Delete content you no longer need, or send smaller files."
    )


def check_new_media(owner, media: list[ContentMedia], *, limits=None) -> None:
    """Refuse files the owner's plan or media quota cannot take. Call inside the transaction
    that stores them: the owner's row stays locked until it commits."""
    if media and limits is None:
        limits = limits_for(owner)
    for item in media:
        check_media_file(owner, name=item.file.name, size_bytes=item.size_bytes, limits=limits)
    if not media:
        return
    # One owner's uploads are counted one request at a time.
    get_user_model().objects.select_for_update().only("pk").get(pk=owner.pk)
    problem = media_quota_problem(owner=owner, incoming_bytes=sum(m.size_bytes for m in media))
    if problem:
        raise SchedulingError(problem)


@contextmanager
def atomic_with_files():
    """A transaction that owns the files written inside it: unless it commits, they go.

    Yields the list to which the body appends each storage name *before* writing it (a
    write that fails half-way leaves half a file). On any exception the block's rows roll
    back and those files are deleted. Django has no rollback hook, so a transaction of
    the caller's that encloses this one and rolls back later does not delete them: run
    this as the outermost transaction where you can.
    """
    written: list[str] = []
    try:
        with transaction.atomic():
            yield written
    except BaseException:
        storage = ContentMedia._meta.get_field("file").storage
        for name in written:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Could not delete %s after a failed transaction", name)
        raise


def store_media_files(items: list[ContentMedia], written: list[str]) -> None:
    """Write the files of unsaved media rows, noting each name in ``written`` first.

    A file already in storage (committed, as Django's own ``FileField.pre_save`` tells)
    is left as it is.
    """
    file_field = ContentMedia._meta.get_field("file")
    for item in items:
        if item.file._committed:
            continue
        name = file_field.generate_filename(item, item.file.name)
        written.append(name)
        saved = file_field.storage.save(name, item.file.file, max_length=file_field.max_length)
        # The storage picks another name only when this one was taken meanwhile (media
        # names are random): the file under the noted name is someone else's then.
        written[-1] = saved
        item.file = saved


def schedule_content(
    *,
    owner,
    body: str,
    targets: list[Target],
    scheduled_for: dt.datetime | None = None,
    title: str = "",
    options: dict | None = None,
    media: list[ContentMedia] | None = None,
    actor: Actor | None = None,
    by_hand: bool = False,
) -> Content:
    """Create a Content (with unsaved ``media`` rows) and one SCHEDULED Publication per target.

    Every rule is checked before anything is written: the time, each platform's rules,
    the owner's plan (``EntitlementExceeded``) and media quota raise, leaving no row and
    no file. A failure after the files were written deletes them with the rows.

    ``by_hand=True`` is "publish now": the content is scheduled for now (give no
    ``scheduled_for``) and its targets go out even where the plan has no automation.
    """
    if by_hand:
        if scheduled_for is not None:
            raise SchedulingError("Publish now takes no schedule time: it goes out now.")
        scheduled_for = timezone.now()
    elif scheduled_for is None:
        raise SchedulingError("Give a time to schedule for, or publish now.")
    check_schedule_time(scheduled_for)
    if not targets:
        raise SchedulingError("Choose at least one platform to publish to.")
    actor = actor or Actor.for_user(owner)
    media = list(media or ())
    content = Content(
        owner=owner, title=title, body=body, options=options or {}, scheduled_for=scheduled_for
    )
    # A post a platform would refuse is refused now, not at publish time.
    problems = validation_problems(
        content,
        sorted({t.platform for t in targets}),
        media=media,
        accounts=accounts_by_platform(targets),
    )
    if problems:
        raise SchedulingError(
            " ".join(p for found in problems.values() for p in found), problems=problems
        )
    with atomic_with_files() as written:
        # The plan's slot first: it locks the owner's entitlement row until this commits.
        limits = reserve_post(
            owner,
            scheduled_for=scheduled_for,
            platforms=[target.platform for target in targets],
            by_hand=by_hand,
        )
        check_new_media(owner, media, limits=limits)
        content.save()
        for item in media:
            item.content = content
        store_media_files(media, written)
        ContentMedia.objects.bulk_create(media)
        create_publications(content, targets, by_hand=by_hand, actor=actor)
        signals.content_changed.send(sender=None, content=content, change="scheduled")
    return content


def create_publications(
    content: Content, targets: list[Target], *, by_hand: bool, actor: Actor
) -> list[Publication]:
    """One SCHEDULED publication per target of a saved ``content``, with their audit rows."""
    publications = Publication.objects.bulk_create(
        Publication(
            content=content,
            platform=target.platform,
            integration=target.integration,
            account_key=account_key(content.owner_id, target),
            idempotency_key=idempotency_key(content, target),
            status=Status.SCHEDULED,
            next_attempt_at=content.scheduled_for,
            by_hand=by_hand,
        )
        for target in targets
    )
    record_creation(
        publications,
        actor=actor,
        reason="publish now, by hand"
        if by_hand
        else f"scheduled for {content.scheduled_for.isoformat()}",
    )
    return publications


@transaction.atomic
def edit_content(
    content: Content,
    *,
    body: str | None = None,
    title: str | None = None,
    options: dict | None = None,
    scheduled_for: dt.datetime | None = None,
    actor: Actor | None = None,
) -> Content:
    """Change a Content nothing has been sent for; its version grows.

    A worker that claimed a target before the edit sees the new version just
    before sending and releases the row, so old text never goes out. What may
    change is ``publishing.selectors.content_editability``'s rule. A new time
    writes an audit row per target, from the old time to the new, by ``actor``
    (the owner when no one else is named).
    """
    if content.status == ContentStatus.DRAFT:
        # A draft's time is tentative: the admin's reschedule and the calendar move it here too.
        from publishing.drafts import UNSET, update_draft  # drafts builds on this module

        return update_draft(
            content,
            body=body,
            title=title,
            options=options,
            scheduled_for=UNSET if scheduled_for is None else scheduled_for,
        )
    publications = list(
        Publication.objects.select_for_update().filter(content=content).order_by("pk")
    )
    editable = content_editability(publications)
    if not editable.fields:
        raise ContentLocked(editable.refusal)
    moving = scheduled_for is not None and scheduled_for != content.scheduled_for
    previous_time = content.scheduled_for
    if moving:
        check_schedule_time(scheduled_for)
        if "scheduled_for" not in editable.fields:
            raise ContentLocked(editable.refusal)
        # A move into another month takes a slot there (and gives this month's back).
        reserve_post(
            content.owner,
            scheduled_for=scheduled_for,
            platforms=[p.platform for p in publications],
            moving=content,
        )
        content.scheduled_for = scheduled_for
    for name, value in (("body", body), ("title", title), ("options", options)):
        if value is not None:
            setattr(content, name, value)
    content.version += 1
    content.save(
        update_fields=["body", "title", "options", "scheduled_for", "version", "updated_at"]
    )
    problems = validation_problems(
        content,
        sorted({p.platform for p in publications}),
        accounts=accounts_by_platform(publications),
    )
    if problems:
        raise SchedulingError(
            " ".join(p for found in problems.values() for p in found), problems=problems
        )
    if moving:
        for publication in publications:
            target = Target(publication.platform, publication.integration)
            publication.idempotency_key = idempotency_key(content, target)
            publication.next_attempt_at = content.scheduled_for
            publication.first_due_at = None
            # A new time is a schedule again, not "publish now": the plan's automation rule applies.
            publication.by_hand = False
        Publication.objects.bulk_update(
            publications, ["idempotency_key", "next_attempt_at", "first_due_at", "by_hand"]
        )
        record_note(
            [p.pk for p in publications],
            Status.SCHEDULED,
            actor=actor or Actor.for_user(content.owner),
            reason=f"rescheduled from {previous_time.astimezone(dt.UTC).isoformat()} "
            f"to {content.scheduled_for.astimezone(dt.UTC).isoformat()}",
        )
    signals.content_changed.send(sender=None, content=content, change="updated")
    return content


# The code a settled in-doubt row keeps when an operator found the post was not published.
NOT_PUBLISHED_CODE = "not_published"


@transaction.atomic
def resolve_in_doubt(
    publication: Publication,
    *,
    outcome: str,
    reason: str,
    actor: Actor,
    external_id: str = "",
    permalink: str = "",
) -> Publication:
    """Settle an in-doubt publication by hand, after a person checked the platform.

    ``outcome`` is ``"published"`` (give the post's ``external_id`` or
    ``permalink``) or ``"failed"`` (the post is not out). The person (an operator
    in the admin, or the owner through the API) and the reason are recorded in
    the audit log. Raises ``NotInDoubt`` when the row is not in doubt (any more),
    ``SchedulingError`` when the input is incomplete.
    """
    reason = reason.strip()
    if not reason:
        raise SchedulingError("Give a reason: it is recorded in the publication's audit log.")
    row = Publication.objects.select_for_update().get(pk=publication.pk)
    if not is_in_doubt(row):
        code = f", {row.last_error_code}" if row.last_error_code else ""
        raise NotInDoubt(f"not in doubt: it is {row.get_status_display().lower()}{code}")
    if outcome == "published":
        external_id, permalink = external_id.strip(), permalink.strip()
        if not (external_id or permalink):
            raise SchedulingError("Give the post's id or its permalink on the platform.")
        transition(
            row,
            Status.PUBLISHED,
            reason=f"marked as published by {actor.name}: {reason}",
            actor=actor,
            external_id=external_id,
            permalink=permalink,
            # The request that made the post is the best known time it went out.
            published_at=row.request_sent_at or timezone.now(),
            last_error="",
            last_error_code="",
        )
    elif outcome == "failed":
        # ``request_sent_at`` stays on the row: the request did go out, and the
        # operator's word is a judgement, not the platform's answer. A later
        # retry therefore reconciles before it sends (publishing.engine.publish_one):
        # a post that shows up after all is recorded, not sent twice, and where
        # the platform cannot tell (a Discord webhook) the row is in doubt again
        # rather than a duplicate. The mark also keeps the content undeletable
        # (``was_sent``), so its audit trail stays.
        transition(
            row,
            Status.FAILED,
            reason=f"marked as failed by {actor.name}: {reason} ({in_doubt_evidence(row)})",
            actor=actor,
            error_code=NOT_PUBLISHED_CODE,
            last_error_code=NOT_PUBLISHED_CODE,
            last_error=f"Not published (checked by {actor.name}): {reason}",
        )
    else:
        raise SchedulingError(f"Unknown outcome {outcome!r}; choose published or failed.")
    publication.refresh_from_db()
    return publication


def in_doubt_evidence(publication: Publication) -> str:
    """What is known of an in-doubt row: when its request went out, its attempts, and what
    the platform could not tell (the last error).

    The API shows it beside ``in_doubt``; settling the row records it in the audit log.
    """
    sent = publication.request_sent_at
    facts = [
        f"request sent at {sent.isoformat()}" if sent else "no request recorded",
        f"{publication.attempts} attempt{'s' if publication.attempts != 1 else ''}",
        f"last error: {publication.last_error or publication.last_error_code or 'none'}",
    ]
    if publication.external_id:
        facts.append(f"platform id {publication.external_id}")
    return "; ".join(facts)


@retried_once_on_lock_conflict
def cancel_content(content: Content, *, actor: Actor) -> list[int]:
    """Cancel every target that has not started; returns the ids canceled."""
    return transition_many(
        content.publications.values_list("pk", flat=True),
        (Status.SCHEDULED, Status.QUEUED, Status.RETRYING),
        Status.CANCELED,
        reason="canceled",
        actor=actor,
        next_attempt_at=None,
    )


# --- actions on a content's targets ------------------------------------------------------

# Why a target was left alone, by its status.
LEFT_ALONE = {
    Status.SCHEDULED: "still scheduled",
    Status.QUEUED: "already queued",
    Status.RETRYING: "waiting for its retry",
    Status.PUBLISHING: "being published now",
    Status.PUBLISHED: "already published",
    Status.FAILED: "failed",
    Status.CANCELED: "canceled",
}


@dataclass(frozen=True)
class TargetsOutcome:
    """What an action did to the targets of one content.

    ``done`` holds the publication ids acted on; ``skipped`` maps every other
    publication id to why it was left alone; ``notes`` adds a remark to some
    of ``done``. ``summary()`` says it in one line, e.g. "2 retried, 1 skipped:
    already published".
    """

    verb: str
    done: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"{len(self.done)} {self.verb}"]
        for reason, count in sorted(Counter(self.skipped.values()).items()):
            parts.append(f"{count} skipped: {reason}")
        return ", ".join(parts)


@retried_once_on_lock_conflict
def cancel_targets(content: Content, *, actor: Actor) -> TargetsOutcome:
    """``cancel_content``, telling which targets were left alone and why."""
    canceled = set(cancel_content(content, actor=actor))
    statuses = dict(content.publications.values_list("pk", "status"))
    return TargetsOutcome(
        verb="canceled",
        done=sorted(canceled),
        skipped={pk: LEFT_ALONE[s] for pk, s in sorted(statuses.items()) if pk not in canceled},
    )


@retried_once_on_lock_conflict
def publish_now(content: Content, *, actor: Actor) -> TargetsOutcome:
    """Make every SCHEDULED target of ``content`` due now: the engine takes it at its next poll.

    The targets are marked as sent by hand, which a plan without automation allows;
    targets the plan held (QUEUED with a plan hold) are due now as well, and the
    engine asks the plan again (a platform the plan leaves out stays held). The
    schedule time and the idempotency keys stay as they were: the post goes out
    earlier, not as a new post. Targets already under way are left alone.
    """
    now = timezone.now()
    rows = list(
        Publication.objects.select_for_update()
        .filter(content=content)
        .order_by("pk")
        .values_list("pk", "status", "hold_kind")
    )
    statuses = {pk: status for pk, status, _ in rows}
    scheduled = [pk for pk, status, _ in rows if status == Status.SCHEDULED]
    plan_held = [
        pk for pk, status, kind in rows if status == Status.QUEUED and kind == holds.HoldKind.PLAN
    ]
    # The rows are locked: none can change status before this commits.
    Publication.objects.filter(pk__in=scheduled + plan_held).update(
        next_attempt_at=now, updated_at=now, by_hand=True
    )
    record_note(scheduled, Status.SCHEDULED, actor=actor, reason="publish now requested")
    record_note(
        plan_held, Status.QUEUED, actor=actor, reason="publish now requested: released by hand"
    )
    due = sorted(scheduled + plan_held)
    return TargetsOutcome(
        verb="moved to now",
        done=due,
        skipped={pk: LEFT_ALONE[s] for pk, s in statuses.items() if pk not in due},
    )


@retried_once_on_lock_conflict
def retry_failed(content: Content, *, actor: Actor) -> TargetsOutcome:
    """Give every FAILED target of ``content`` a new attempt: FAILED -> QUEUED, due now.

    Never sends twice: a target whose idempotency key is already published (or
    that carries a platform id) is skipped, and the move is a compare-and-set,
    so a row settled meanwhile stays as it is. A target whose earlier request
    went out with no known outcome (in doubt) keeps that mark, so the engine
    asks the platform before it could send again. The retry starts a fresh
    series of automatic retries; the content's ``retry_count`` keeps counting.
    """
    publications = list(
        Publication.objects.select_for_update().filter(content=content).order_by("pk")
    )
    failed = [p for p in publications if p.status == Status.FAILED]
    published_keys = set(
        Publication.objects.filter(idempotency_key__in=[p.idempotency_key for p in failed])
        .filter(models.Q(status=Status.PUBLISHED) | ~models.Q(external_id=""))
        .values_list("idempotency_key", flat=True)
    )
    skipped = {p.pk: LEFT_ALONE[p.status] for p in publications if p.status != Status.FAILED}
    skipped |= {p.pk: "already published" for p in failed if p.idempotency_key in published_keys}
    candidates = [p for p in failed if p.pk not in skipped]
    moved = set(
        transition_many(
            [p.pk for p in candidates],
            [Status.FAILED],
            Status.QUEUED,
            reason="retry requested",
            actor=actor,
            next_attempt_at=timezone.now(),
            **holds.RELEASED,
            lease_expires_at=None,
            retry_count=0,
        )
    )
    notes = {
        p.pk: "its earlier request may have gone out: the platform is asked before anything "
        "is sent again"
        for p in candidates
        if p.pk in moved and p.request_sent_at is not None
    }
    return TargetsOutcome(
        verb="retried",
        done=sorted(moved),
        skipped=skipped | {p.pk: "moved meanwhile" for p in candidates if p.pk not in moved},
        notes=notes,
    )


def was_sent(publication: Publication) -> bool:
    """True when a request for this target went out, or may have: it is part of the record."""
    return (
        publication.status in (Status.PUBLISHED, Status.PUBLISHING)
        or publication.request_sent_at is not None
        or bool(publication.external_id)
    )


@transaction.atomic
def delete_content(content: Content) -> None:
    """Delete a content nothing was ever sent for, with its targets, audit rows and files.

    A content with a target published, being published, or in doubt (its
    request went out) is the record of what went out: it is refused with
    ``ContentLocked``; cancel what has not started instead.
    """
    publications = list(
        Publication.objects.select_for_update().filter(content=content).order_by("pk")
    )
    sent = [p for p in publications if was_sent(p)]
    if sent:
        names = ", ".join(f"{p.get_platform_display()}: {p.status}" for p in sent)
        raise ContentLocked(
            f"This content was sent or is being sent ({names}), so it stays as the record of "
            "what went out; cancel its other targets instead."
        )
    files = [item.file for item in content.media.all() if item.file]
    if content.status != ContentStatus.DRAFT:  # a draft was never announced
        signals.content_changed.send(sender=None, content=content, change="deleted")
    content.delete()
    transaction.on_commit(lambda: [file.storage.delete(file.name) for file in files])
