"""The calendar's one write: move a post to another time.

A scheduled post moves through ``publishing.services.edit_content``, the service the
admin's "Reschedule" action and the API's PATCH use, so every rule (the time, the
targets' states, the plan's monthly posts) is theirs, and the move leaves an audit row
per target. The calendar adds one rule of its own: a post is not dragged into the past
(``edit_content`` would take a past time as "due now", which a drop does not mean).
A draft's tentative time moves through ``publishing.drafts.update_draft``.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from content.models import Content
from planner.queries import DRAFT
from publishing.drafts import update_draft
from publishing.services import SchedulingError, edit_content
from publishing.states import Actor


class MoveRefused(SchedulingError):
    """A move the calendar itself refuses (a time in the past): the view answers 400."""


def move_post(content: Content, *, to: dt.datetime, actor: Actor) -> Content:
    """Give ``content`` the time ``to`` (aware); raises the publishing services' refusals.

    ``SchedulingError`` (a bad time), ``ContentLocked`` (a target has started),
    ``entitlements.services.EntitlementExceeded`` (the plan's posts of that month).
    """
    if timezone.is_naive(to):
        raise MoveRefused("The new time needs a time zone.")
    if to < timezone.now():
        raise MoveRefused("That time has passed: a post can only move to a time ahead.")
    if content.status == DRAFT:
        return update_draft(content, scheduled_for=to)
    return edit_content(content, scheduled_for=to, actor=actor)
