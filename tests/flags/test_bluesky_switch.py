"""Bluesky's switch comes with its data migration: on, with a note naming the platform."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from waffle.models import Switch

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("flags", "0002_switch_flip")]
AFTER = [("flags", "0003_bluesky_switch")]


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


def test_the_migration_creates_the_switch_on_and_reversing_removes_it():
    migrate(BEFORE)
    assert not Switch.objects.filter(name="publishing_bluesky").exists()
    migrate(AFTER)
    switch = Switch.objects.get(name="publishing_bluesky")
    assert switch.active
    assert switch.note == "Off holds Bluesky publications in QUEUED."
