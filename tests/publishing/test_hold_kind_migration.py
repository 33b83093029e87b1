"""The migration that gave holds a kind reads the texts the engine wrote before."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from content.choices import Status
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("publishing", "0004_settle_permission")]
AFTER = [("publishing", "0005_publication_hold_kind")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def latest_schema_after():
    """Leave the schema as every other test expects it: every migration applied."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_held_rows_get_the_kind_of_their_reason():
    reasons = {
        "switch automation_enabled is off": "automation_switch",
        "switch publishing_discord is off": "platform_switch",
        "the account is paused": "paused_account",
        "rate limit: the twitter window is full": "rate_window",
        "the platform asked us to wait": "platform_wait",
        "": "",
    }
    for reason in reasons:  # rows as the engine left them: a text, no kind
        PublicationFactory(status=Status.QUEUED, hold_reason=reason)
    migrate(BEFORE)  # the schema before kinds; the rows stay
    Publication = migrate(AFTER).get_model("publishing", "Publication")
    assert dict(Publication.objects.values_list("hold_reason", "hold_kind")) == reasons
