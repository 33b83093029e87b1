"""Reads for the calendar: the posts of a visible range, and one post's detail.

``calendar_events`` runs two queries whatever the number of posts (the content with
its owner's name, then every target with its account's name; a third names the
accounts of the drafts shown, when there are any), reading only the
columns an event shows, through ``values()``: a month of 5,000 posts is built in a
fraction of a second (``python -m bench.calendar_events``). Its answer is bounded by
the range the calendar shows (at most six weeks, ``planner.queries``) and by
``MAX_EVENTS``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr

from content.choices import ContentStatus
from content.models import Content
from integrations.models import Integration
from planner.queries import DRAFT, CalendarFilters, CalendarRange
from platforms import registry
from publishing.models import Publication, PublicationEvent
from publishing.selectors import content_editability, time_may_change

# More posts than anyone can read in six weeks; past it the answer says it was cut.
MAX_EVENTS = 10_000
# How much of a body is read to show its first words.
HEAD_LENGTH = 160
FIRST_WORDS_LENGTH = 60


def first_words(text: str, limit: int = FIRST_WORDS_LENGTH) -> str:
    """The start of ``text`` on one line, cut at a word, with an ellipsis when cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "…"


def calendar_contents(window: CalendarRange, filters: CalendarFilters) -> QuerySet[Content]:
    """The content scheduled (or, for a draft, tentatively placed) in ``window``."""
    contents = Content.objects.filter(scheduled_for__gte=window.start, scheduled_for__lt=window.end)
    if filters.owner is not None:
        contents = contents.filter(owner_id=filters.owner)
    if filters.state == DRAFT:
        return contents.filter(status=DRAFT)
    targets = Publication.objects.filter(content=OuterRef("pk"))
    if filters.platform:
        targets = targets.filter(platform=filters.platform)
    if filters.account is not None:
        targets = targets.filter(integration_id=filters.account)
    if filters.state:
        return contents.filter(Exists(targets.filter(status=filters.state)))
    if filters.platform or filters.account is not None:
        # A draft's targets are JSON (``draft_targets``): ``draft_matches`` reads them.
        contents = contents.filter(Exists(targets) | Q(status=DRAFT))
    return contents


def draft_matches(draft_targets: list[dict], filters: CalendarFilters) -> bool:
    """Whether a draft's chosen targets meet the platform and account filters."""
    return any(
        (not filters.platform or target.get("platform") == filters.platform)
        and (filters.account is None or target.get("integration") == filters.account)
        for target in draft_targets
    ) or (not filters.platform and filters.account is None)


@dataclass(frozen=True)
class CalendarEvents:
    events: list[dict]
    truncated: bool


def local_iso(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """The wall-clock time of ``moment`` in ``zone``, without an offset (as the page shows it)."""
    return moment.astimezone(zone).replace(tzinfo=None).isoformat(timespec="seconds")


def calendar_events(
    window: CalendarRange, filters: CalendarFilters, *, zone: dt.tzinfo, can_move: bool
) -> CalendarEvents:
    """The calendar's events for ``window``, in ``zone``, in two queries (three with drafts).

    An event may be dragged (``editable``) when the one rule of
    ``publishing.selectors.content_editability`` lets its time change and the
    operator may change content: every target still scheduled, none sent.
    """
    contents = calendar_contents(window, filters)
    rows = list(
        contents.order_by("scheduled_for", "pk")
        .annotate(head=Substr("body", 1, HEAD_LENGTH))
        .values(
            "pk", "title", "head", "status", "scheduled_for", "owner__username", "draft_targets"
        )[: MAX_EVENTS + 1]
    )
    truncated = len(rows) > MAX_EVENTS
    rows = [
        row
        for row in rows[:MAX_EVENTS]
        if row["status"] != DRAFT or draft_matches(row["draft_targets"], filters)
    ]
    targets = defaultdict(list)
    for target in (
        Publication.objects.filter(content__in=contents.values("pk"))
        .order_by("content_id", "platform", "pk")
        .values(
            "content_id",
            "platform",
            "status",
            "request_sent_at",
            "integration__display_name",
        )
    ):
        targets[target["content_id"]].append(target)
    for row in rows:
        if row["status"] == DRAFT:
            targets[row["pk"]] = draft_marks(row["draft_targets"])
    if any(row["status"] == DRAFT for row in rows):
        name_draft_accounts([targets[row["pk"]] for row in rows if row["status"] == DRAFT])
    return CalendarEvents(
        [event_of(row, targets[row["pk"]], zone=zone, can_move=can_move) for row in rows],
        truncated,
    )


def draft_marks(draft_targets: list[dict]) -> list[dict]:
    """A draft's chosen targets, shaped as publications are (the state: DRAFT)."""
    return sorted(
        (
            {
                "platform": target.get("platform", ""),
                "status": DRAFT,
                "request_sent_at": None,
                "integration_id": target.get("integration"),
                "integration__display_name": "",
            }
            for target in draft_targets
        ),
        key=lambda target: target["platform"],
    )


def name_draft_accounts(marks_of_drafts: list[list[dict]]) -> None:
    """Fill in the names of the drafts' accounts, in one query."""
    ids = {mark["integration_id"] for marks in marks_of_drafts for mark in marks}
    ids.discard(None)
    names = dict(Integration.objects.filter(pk__in=ids).values_list("pk", "display_name"))
    for marks in marks_of_drafts:
        for mark in marks:
            mark["integration__display_name"] = names.get(mark["integration_id"], "")


def event_of(row: dict, targets: list[dict], *, zone: dt.tzinfo, can_move: bool) -> dict:
    draft = row["status"] == DRAFT
    movable = draft or time_may_change((t["status"], t["request_sent_at"]) for t in targets)
    local = row["scheduled_for"].astimezone(zone)
    status_label = ContentStatus(row["status"]).label
    classes = ["herald-event", f"herald-state-{row['status'].lower()}"]
    if draft:
        classes.append("herald-draft")
    return {
        "id": str(row["pk"]),
        "title": first_words(row["title"] or row["head"]) or "(no text)",
        "start": local_iso(local, zone),
        "allDay": False,
        "editable": can_move and movable,
        "classNames": classes,
        "extendedProps": {
            "time": local.strftime("%H:%M"),
            "owner": row["owner__username"],
            "status": row["status"],
            "statusLabel": status_label,
            "draft": draft,
            "marks": [
                {
                    "platform": t["platform"],
                    "label": platform_label(t["platform"]),
                    "short": short_label(platform_label(t["platform"])),
                    "state": t["status"],
                    "stateLabel": ContentStatus(t["status"]).label,
                    "account": t["integration__display_name"] or "",
                }
                for t in targets
            ],
        },
    }


def platform_label(value: str) -> str:
    try:
        return registry.label(value)
    except registry.UnknownPlatform:
        return value


def short_label(label: str) -> str:
    """A mark's letters: "X", "DI" (Discord), "IN" (Instagram), "YT" (YouTube)."""
    if len(label) <= 2:
        return label.upper()
    inner_capitals = [c for c in label[1:] if c.isupper()]
    return (label[0] + (inner_capitals[0] if inner_capitals else label[1])).upper()


@dataclass(frozen=True)
class PostDetail:
    content: Content
    publications: list[Publication]
    timeline: list[PublicationEvent]
    movable: bool
    # A draft's chosen targets (it has no publications yet): (platform, account name).
    draft_targets: list[tuple[str, str]]


def post_detail(content_id: int) -> PostDetail | None:
    """One post with its targets, their accounts and its audit timeline, in three queries."""
    content = Content.objects.select_related("owner").filter(pk=content_id).first()
    if content is None:
        return None
    publications = list(
        Publication.objects.filter(content=content)
        .select_related("integration")
        .order_by("platform", "pk")
    )
    timeline = list(
        PublicationEvent.objects.filter(publication__content=content)
        .select_related("publication")
        .order_by("created_at", "pk")
    )
    if content.status == DRAFT:
        marks = draft_marks(content.draft_targets or [])
        name_draft_accounts([marks])
        chosen = [(platform_label(m["platform"]), m["integration__display_name"]) for m in marks]
        return PostDetail(content, publications, timeline, True, chosen)
    movable = "scheduled_for" in content_editability(publications).fields
    return PostDetail(content, publications, timeline, movable, [])


def owner_choices() -> list[tuple[int, str]]:
    """The users who own content, for the owner filter."""
    users = get_user_model().objects.filter(Exists(Content.objects.filter(owner=OuterRef("pk"))))
    return list(users.order_by("username").values_list("pk", "username"))


def account_choices() -> list[tuple[int, str]]:
    """Every connected account, for the account filter: "X · @name (owner)"."""
    rows = Integration.objects.order_by("provider", "display_name", "pk").values_list(
        "pk", "provider", "display_name", "user__username"
    )
    return [
        (pk, f"{platform_label(provider)} · {name or '#' + str(pk)} ({owner})")
        for pk, provider, name, owner in rows
    ]
