"""Each platform's switch comes with its data migration: on, with a note naming the platform."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from waffle.models import Switch

from platforms import registry

pytestmark = pytest.mark.django_db(transaction=True)

# Before the first platform added after the original four.
BEFORE = [("flags", "0002_switch_flip")]
ORIGINAL_FOUR = {"twitter", "discord", "instagram", "youtube"}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture(autouse=True)
def latest_schema_after():
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def latest_flags():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return [node for node in executor.loader.graph.leaf_nodes() if node[0] == "flags"]


def test_each_added_platform_has_a_migration_that_creates_its_switch_on():
    added = sorted(set(registry.values()) - ORIGINAL_FOUR)
    assert {"bluesky", "mastodon", "linkedin"} <= set(added)
    migrate(BEFORE)
    names = [f"publishing_{value}" for value in added]
    assert not Switch.objects.filter(name__in=names).exists()
    migrate(latest_flags())
    for value in added:
        switch = Switch.objects.get(name=f"publishing_{value}")
        assert switch.active
        assert switch.note == f"Off holds {registry.label(value)} publications in QUEUED."
