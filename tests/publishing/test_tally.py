"""The publication tally: counts per platform and state that match the rows, however they change."""

import pytest
from django.db import connection
from django.db.models import Count

from content.choices import Platform, Status
from publishing import tally
from publishing.dashboard import publication_state_counts
from publishing.models import Publication, PublicationTally
from tests.factories import ContentFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def counted() -> dict[tuple[str, str], int]:
    rows = Publication.objects.values_list("platform", "status").annotate(n=Count("pk"))
    return {(platform, status): n for platform, status, n in rows.order_by()}


def make(n: int, platform=Platform.TWITTER, status=Status.SCHEDULED) -> list[Publication]:
    return [
        PublicationFactory(content=ContentFactory(), platform=platform, status=status)
        for _ in range(n)
    ]


def test_counts_follow_inserts_updates_and_deletes():
    rows = make(3) + make(2, platform=Platform.DISCORD, status=Status.QUEUED)
    assert (
        tally.publication_counts()
        == counted()
        == {
            (Platform.TWITTER, Status.SCHEDULED): 3,
            (Platform.DISCORD, Status.QUEUED): 2,
        }
    )

    Publication.objects.filter(pk__in=[rows[0].pk, rows[3].pk]).update(status=Status.PUBLISHED)
    Publication.objects.filter(pk=rows[1].pk).update(last_error="no state change")
    rows[2].delete()

    assert (
        tally.publication_counts()
        == counted()
        == {
            (Platform.TWITTER, Status.PUBLISHED): 1,
            (Platform.TWITTER, Status.SCHEDULED): 1,
            (Platform.DISCORD, Status.PUBLISHED): 1,
            (Platform.DISCORD, Status.QUEUED): 1,
        }
    )
    assert publication_state_counts() == {
        **dict.fromkeys(Status.values, 0),
        Status.PUBLISHED: 2,
        Status.SCHEDULED: 1,
        Status.QUEUED: 1,
    }


@pytest.mark.postgres
def test_triggers_append_deltas_and_compaction_folds_them():
    rows = make(4)
    for row in rows:
        Publication.objects.filter(pk=row.pk).update(status=Status.PUBLISHED)
    assert PublicationTally.objects.count() > 2

    tally.compact_tally()

    assert set(PublicationTally.objects.values_list("platform", "status", "n")) == {
        (Platform.TWITTER, Status.PUBLISHED, 4)
    }
    assert tally.publication_counts() == counted()


@pytest.mark.postgres
def test_a_reader_folds_a_long_tally(monkeypatch):
    monkeypatch.setattr(tally, "COMPACT_AFTER", 3)
    for row in make(5):
        Publication.objects.filter(pk=row.pk).update(status=Status.FAILED)

    assert tally.publication_counts() == {(Platform.TWITTER, Status.FAILED): 5}
    assert PublicationTally.objects.count() == 1


@pytest.mark.postgres
def test_rebuild_counts_again_what_a_bulk_load_left_out():
    make(2)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # triggers off, as a bulk load
        cursor.execute("UPDATE publishing_publication SET status = 'CANCELED'")
        cursor.execute("SET session_replication_role = DEFAULT")
    assert tally.publication_counts() != counted()

    tally.rebuild_tally()

    assert tally.publication_counts() == counted() == {(Platform.TWITTER, Status.CANCELED): 2}
