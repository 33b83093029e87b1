"""Publish to the sandbox on all four platforms, let time pass, collect, read the snapshots
through the API: the numbers come from the sandbox over HTTP and grow with time."""

import datetime as dt

import pytest
from django.utils import timezone

from analytics.models import CollectorState
from analytics.services import collect_due
from content.choices import Status
from publishing.models import Publication
from publishing.services import Target, schedule_content
from sandbox.models import SandboxPost
from tests.api.conftest import client_for
from tests.e2e.test_sandbox_publishing import accounts, media
from tests.engine_run import drain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def age_everything(by: dt.timedelta) -> None:
    """As if ``by`` had passed: the posts and the sandbox's record of them are older."""
    for publication in Publication.objects.all():
        Publication.objects.filter(pk=publication.pk).update(
            published_at=publication.published_at - by
        )
    for state in CollectorState.objects.all():
        CollectorState.objects.filter(pk=state.pk).update(
            published_at=state.published_at - by, next_due_at=state.next_due_at - by
        )
    for post in SandboxPost.objects.all():
        SandboxPost.objects.filter(pk=post.pk).update(created_at=post.created_at - by)


def test_published_posts_get_snapshots_that_grow_read_through_the_api(sandbox, monkeypatch):
    from platforms.youtube import client as youtube

    monkeypatch.setattr(youtube, "CHUNK_SIZE", 256 * 1024)
    owner = UserFactory()
    linked = accounts(owner)
    when = timezone.now() - dt.timedelta(seconds=1)
    schedule_content(
        owner=owner,
        body="Numbers, please",
        targets=[Target("twitter", linked["twitter"]), Target("discord", linked["discord"])],
        scheduled_for=when,
    )
    schedule_content(
        owner=owner,
        body="A photo #herald",
        targets=[Target("instagram", linked["instagram"])],
        scheduled_for=when,
        media=[media("image", "photo.jpg", "image/jpeg", 2048)],
    )
    schedule_content(
        owner=owner,
        title="Launch video",
        body="Our launch.",
        targets=[Target("youtube", linked["youtube"])],
        scheduled_for=when,
        media=[media("video", "launch.mp4", "video/mp4", 300 * 1024)],
    )
    drain()
    assert set(Publication.objects.values_list("status", flat=True)) == {Status.PUBLISHED}

    # Too early: enrolled, nothing due before an hour.
    first = collect_due()
    assert (first.enrolled, first.snapshots, sum(first.calls.values())) == (4, 0, 0)

    age_everything(dt.timedelta(hours=2))
    report = collect_due()
    assert report.snapshots == 4 and report.errors == {}
    assert report.calls == {"twitter": 1, "discord": 1, "instagram": 1, "youtube": 1}

    age_everything(dt.timedelta(days=1))
    assert collect_due().snapshots == 4

    api = client_for(owner)
    for publication in Publication.objects.all():
        body = api.get(f"/api/v1/publications/{publication.pk}/metrics/").json()
        ages = [s["due_after"] for s in body["snapshots"]]
        assert ages == [3600, 86400], publication.platform
        early, later = body["snapshots"]
        assert later["engagement"] >= early["engagement"] > 0, publication.platform
    totals = api.get("/api/v1/analytics/").json()
    assert totals["totals"]["posts"] == 4
    assert {row["platform"] for row in totals["by_platform"]} == {
        "twitter",
        "discord",
        "instagram",
        "youtube",
    }
    x_views = next(r for r in totals["by_platform"] if r["platform"] == "twitter")["views"]
    assert x_views > 0
