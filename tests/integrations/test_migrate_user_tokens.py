"""migrate_user_tokens: legacy User columns -> encrypted Integrations, idempotent and checked."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from integrations.credentials import resolve_credentials
from integrations.models import Integration
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WEBHOOK = "https://discord.com/api/webhooks/1/abc"


def migrate(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("migrate_user_tokens", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def legacy_users():
    return [
        UserFactory(username="ana", twitter_access_token="tw-a", twitter_refresh_token="tw-r"),
        UserFactory(username="ben", discord_webhook_url=WEBHOOK, youtube_access_token="yt-a"),
        UserFactory(username="cy"),  # nothing to migrate
    ]


def test_migrates_encrypted_and_a_second_run_creates_nothing(legacy_users):
    out, _ = migrate("--batch-size", "1")
    assert "Tokens: 3 migrated." in out
    assert "2/2 users" in out  # only users with legacy tokens are read
    ana = Integration.objects.get(user__username="ana", provider="twitter")
    assert (ana.access_token, ana.refresh_token, ana.external_account_id) == (
        "tw-a",
        "tw-r",
        "legacy",
    )
    assert Integration.objects.get(provider="discord").webhook_url == WEBHOOK
    out, _ = migrate()
    assert "nothing to do" in out and "Skipped 3: already migrated." in out
    assert Integration.objects.count() == 3
    # The engine now reads the Integration, not the columns.
    assert (
        resolve_credentials(
            owner=legacy_users[0], platform="twitter", integration=None
        ).integration_id
        == ana.pk
    )


def test_dry_run_writes_nothing(legacy_users):
    out, _ = migrate("--dry-run")
    assert "Dry run, nothing written. Tokens: 3 would migrate." in out
    assert Integration.objects.count() == 0
    assert User.objects.get(username="ana").twitter_access_token == "tw-a"


def test_user_option_migrates_one_user(legacy_users):
    migrate("--user", "ben")
    assert set(Integration.objects.values_list("user__username", flat=True)) == {"ben"}
    with pytest.raises(CommandError, match="No user 'nobody' with legacy tokens"):
        migrate("--user", "nobody")


def test_clear_legacy_blanks_columns_only_after_the_read_back(legacy_users):
    migrate("--clear-legacy")
    ana = User.objects.get(username="ana")
    assert (ana.twitter_access_token, ana.twitter_refresh_token) == ("", "")
    assert not User.objects.get(username="ben").has_legacy_tokens()
    assert Integration.objects.get(user=ana).access_token == "tw-a"


def test_clear_legacy_keeps_columns_that_do_not_match(legacy_users):
    migrate()
    Integration.objects.filter(user__username="ana").update(access_token="changed-since")
    with pytest.raises(CommandError, match="1 users could not be migrated"):
        migrate("--clear-legacy")
    assert User.objects.get(username="ana").twitter_access_token == "tw-a"
    assert not User.objects.get(username="ben").has_legacy_tokens()


def test_a_bad_user_is_reported_and_the_others_migrate(legacy_users):
    UserFactory(username="dee", discord_webhook_url="not a url")
    err = StringIO()
    with pytest.raises(CommandError, match="1 users could not be migrated"):
        call_command("migrate_user_tokens", stdout=StringIO(), stderr=err)
    assert Integration.objects.count() == 3
    assert "Failed dee: discord: the webhook URL is not a Discord webhook URL." in err.getvalue()
