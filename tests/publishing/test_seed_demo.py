"""The demo data: posts for the next minutes and the week ahead, and two drafts, once."""

import pytest
from django.core.management import call_command

from content.choices import ContentStatus
from content.models import Content
from publishing.management.commands.seed_demo import DEMO_DRAFTS, DEMO_POSTS, DEMO_WEEK

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_week_and_adds_drafts_once(settings, capsys):
    settings.SANDBOX_ENABLED = True
    call_command("seed_demo")
    contents = Content.objects.filter(owner__username="operator")
    drafts = contents.filter(status=ContentStatus.DRAFT)
    assert contents.exclude(status=ContentStatus.DRAFT).count() == len(DEMO_POSTS) + len(DEMO_WEEK)
    assert sorted(d.body for d in drafts) == sorted(body for _, body in DEMO_DRAFTS)
    assert [d.scheduled_for is None for d in drafts.order_by("pk")] == [False, True]
    assert not any(d.publications.exists() for d in drafts)
    assert "2 drafts wait: see the calendar" in capsys.readouterr().out

    call_command("seed_demo")
    assert contents.count() == len(DEMO_POSTS) + len(DEMO_WEEK) + len(DEMO_DRAFTS)
    assert "Demo content already present" in capsys.readouterr().out
