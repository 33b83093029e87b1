"""The texts of the e-mails, built in one place from the notices' data.

One notice is one plain e-mail: what happened, to which post and account, why, and
a link. Several notices for one recipient are one digest: the count of each kind,
the commonest reasons, then the first few notices in full.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from integrations.redaction import redact
from notifications.models import Audience, Kind, Notice

DIGEST_ITEMS = 10
DIGEST_REASONS = 5

# What happened, said of one notice, and counted in a digest (one, several).
HAPPENED = {
    Kind.PUBLICATION_FAILED: "A post failed",
    Kind.PUBLICATION_IN_DOUBT: "A post is in doubt: its request went out but the outcome is unknown",
    Kind.INTEGRATION_NEEDS_REAUTH: "An account must be connected again before it can publish",
    Kind.INTEGRATION_EXPIRING: "An account's access expires soon and Herald cannot renew it",
    Kind.ENDPOINT_DISABLED: "A webhook endpoint was disabled: Herald no longer delivers to it",
    Kind.SCHEDULER_DEAD: "The scheduler is not running: no post goes out until it is",
}
COUNTED = {
    Kind.PUBLICATION_FAILED: ("post failed", "posts failed"),
    Kind.PUBLICATION_IN_DOUBT: ("post in doubt", "posts in doubt"),
    Kind.INTEGRATION_NEEDS_REAUTH: ("account to connect again", "accounts to connect again"),
    Kind.INTEGRATION_EXPIRING: ("account expiring soon", "accounts expiring soon"),
    Kind.ENDPOINT_DISABLED: ("webhook endpoint disabled", "webhook endpoints disabled"),
    Kind.SCHEDULER_DEAD: ("scheduler outage", "scheduler outages"),
}
SUBJECTS = {
    Kind.PUBLICATION_FAILED: "A post failed: {post} on {account}",
    Kind.PUBLICATION_IN_DOUBT: "A post is in doubt: {post} on {account}",
    Kind.INTEGRATION_NEEDS_REAUTH: "Connect {account} again",
    Kind.INTEGRATION_EXPIRING: "{account} expires soon",
    Kind.ENDPOINT_DISABLED: "Disabled: {account}",
    Kind.SCHEDULER_DEAD: "The scheduler is not running",
}
WHAT_TO_DO = {
    Kind.PUBLICATION_FAILED: "Fix what the reason says, then retry the post.",
    Kind.PUBLICATION_IN_DOUBT: "Look at the account: if the post is there, it is out. "
    "Settle it either way (in the admin: Publications, settle in-doubt), so it is not sent twice.",
    Kind.INTEGRATION_NEEDS_REAUTH: "Connect the account again; its posts wait until then.",
    Kind.INTEGRATION_EXPIRING: "Connect the account again before it expires.",
    Kind.ENDPOINT_DISABLED: "Fix the receiver, then enable the endpoint again.",
    Kind.SCHEDULER_DEAD: "Start the django-q2 cluster (manage.py qcluster) and check /health/.",
}


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def link(notice: Notice, *, staff: bool) -> str:
    """Where to look: the admin page for operators and staff, the API resource for others."""
    if notice.endpoint_id:
        if staff:
            return absolute(
                reverse("admin:webhooks_webhookendpoint_change", args=[notice.endpoint_id])
            )
        return absolute(f"/api/v1/webhooks/{notice.endpoint_id}/")
    if notice.kind == Kind.SCHEDULER_DEAD:
        return absolute(reverse("health"))
    if notice.publication_id and staff:
        return absolute(
            reverse("admin:publishing_publication_change", args=[notice.publication_id])
        )
    if notice.content_id:
        name = "admin:content_content_change" if staff else "content-detail"
        return absolute(reverse(name, args=[notice.content_id]))
    if notice.integration_id:
        name = "admin:integrations_integration_change" if staff else "integration-detail"
        return absolute(reverse(name, args=[notice.integration_id]))
    return absolute("/")


def list_link(*, staff: bool) -> str:
    if staff:
        return absolute(
            reverse("admin:publishing_publication_changelist") + "?status__exact=FAILED"
        )
    return absolute(reverse("publication-list") + "?status=FAILED")


def counted(kind: str, count: int) -> str:
    one, several = COUNTED[kind]
    return f"{count} {one if count == 1 else several}"


def describe(notice: Notice, *, staff: bool, zone: dt.tzinfo) -> list[str]:
    """The lines of one notice: what, which post, which account, why, when, where to look."""
    lines = [f"{HAPPENED[notice.kind]}."]
    if notice.post:
        lines.append(f"Post: {notice.post}")
    if notice.account:
        lines.append(f"Account: {notice.account}")
    if notice.reason:
        code = f" ({notice.reason_code})" if notice.reason_code else ""
        lines.append(f"Why: {redact(notice.reason)}{code}")
    lines.append(f"When: {notice.created_at.astimezone(zone):%Y-%m-%d %H:%M %Z}")
    lines.append(f"Link: {link(notice, staff=staff)}")
    return lines


def compose(
    notices: Sequence[Notice], *, audience: str, staff: bool, zone: dt.tzinfo = dt.UTC
) -> Email:
    """One e-mail for one recipient's notices (a digest when there are several), its times
    in the recipient's zone."""
    if len(notices) == 1:
        notice = notices[0]
        subject = SUBJECTS[notice.kind].format(post=notice.post, account=notice.account)
        lines = [*describe(notice, staff=staff, zone=zone), "", WHAT_TO_DO[notice.kind]]
        return Email(subject=one_line(f"Herald: {subject}"), body=footer(lines, audience))
    counts = Counter(notice.kind for notice in notices)
    summary = ", ".join(counted(kind, count) for kind, count in counts.most_common())
    lines = [f"{len(notices)} things happened: {summary}.", ""]
    reasons = Counter(redact(notice.reason) for notice in notices if notice.reason)
    if reasons:
        lines.append("Most common reasons:")
        lines += [f"  {count} × {reason}" for reason, count in reasons.most_common(DIGEST_REASONS)]
        lines.append("")
    shown = notices[:DIGEST_ITEMS]
    lines.append(f"The first {len(shown)}:" if len(notices) > len(shown) else "All of them:")
    for notice in shown:
        lines.append("")
        lines += [f"  {line}" for line in describe(notice, staff=staff, zone=zone)]
    if len(notices) > len(shown):
        lines += ["", f"… and {len(notices) - len(shown)} more."]
    if counts.keys() & {Kind.PUBLICATION_FAILED, Kind.PUBLICATION_IN_DOUBT}:
        lines += ["", f"Every failed or in-doubt post: {list_link(staff=staff)}"]
    return Email(subject=one_line(f"Herald: {summary}"), body=footer(lines, audience))


def footer(lines: list[str], audience: str) -> str:
    why = (
        "You receive this as a Herald operator (HERALD_OPERATOR_EMAILS, or the "
        "HERALD_OPERATOR_GROUP group)."
        if audience == Audience.OPERATORS
        else "You receive this because these are your posts and accounts on Herald."
    )
    return "\n".join(
        [
            *lines,
            "",
            "--",
            why,
            f"Turn each kind on or off at {absolute(reverse('notification-preferences'))}.",
        ]
    )


def one_line(text: str) -> str:
    """A subject is one line (a header cannot hold a newline), of a readable length."""
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:199] + "…"
