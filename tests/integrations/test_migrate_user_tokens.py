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


def many_legacy_users(count: int) -> list[User]:
    """``count`` users: most with every platform, some with one, a few with only X."""
    users = []
    for n in range(count):
        if n % 10 == 0:
            columns = {"instagram_access_token": f"ig-{n}"}
        elif n % 10 == 1:
            columns = {"twitter_access_token": f"tw-{n}"}
        else:
            columns = {
                "twitter_access_token": f"tw-{n}",
                "twitter_refresh_token": f"twr-{n}",
                "discord_webhook_url": f"https://discord.com/api/webhooks/{n}/t",
                "instagram_access_token": f"ig-{n}",
                "youtube_access_token": f"yt-{n}",
                "youtube_refresh_token": f"ytr-{n}",
            }
        users.append(User(username=f"user{n:03}", **columns))
    return User.objects.bulk_create(users)


# Queries for 50 users in 2 batches of 25 (each atomic block inside the test's
# transaction adds a SAVEPOINT and a RELEASE): 1 COUNT, per batch 1 SELECT users
# + 1 SELECT existing + SAVEPOINT/RELEASE + the INSERT (SQLite splits 85 rows of
# 16 fields into 2 statements at 999 parameters), then the empty SELECT that ends
# the loop: 1 + 2 * 6 + 1 = 14 (12 on PostgreSQL: one INSERT per batch). None of it
# grows with the number of users.
MIGRATE_50_QUERIES = 14
# --clear-legacy adds per batch: SAVEPOINT/RELEASE, the locking SELECT of the users,
# the SELECT reading the Integrations back, and one UPDATE per set of columns
# (three sets here: every platform, only Instagram, only X): 2 * 7 = 14 more.
CLEAR_50_QUERIES = MIGRATE_50_QUERIES + 14


def test_migrating_fifty_users_takes_a_fixed_number_of_queries(django_assert_max_num_queries):
    many_legacy_users(50)
    with django_assert_max_num_queries(MIGRATE_50_QUERIES):
        out, _ = migrate("--batch-size", "25")
    assert "Tokens: 170 migrated." in out and "50/50 users" in out
    assert Integration.objects.count() == 170


def test_clearing_fifty_users_takes_a_fixed_number_of_queries(django_assert_max_num_queries):
    users = many_legacy_users(50)
    with django_assert_max_num_queries(CLEAR_50_QUERIES):
        out, _ = migrate("--batch-size", "25", "--clear-legacy")
    assert "Tokens: 255 legacy columns cleared, 170 migrated." in out
    assert not any(user.has_legacy_tokens() for user in User.objects.all())
    seventh = Integration.objects.get(user=users[7], provider="youtube")
    assert (seventh.access_token, seventh.refresh_token) == ("yt-7", "ytr-7")


def test_a_conflicting_row_created_behind_the_batch_fails_only_that_user(legacy_users, monkeypatch):
    """A concurrent run inserts one of ben's rows after the existing-check: the batch
    insert fails, each user is retried alone, ben's rows are created all or none."""
    from integrations.management.commands import migrate_user_tokens

    insert_batch = migrate_user_tokens.Command.insert_batch

    def racing_insert(self, plans):
        ben = User.objects.get(username="ben")
        Integration.objects.create(
            user=ben, provider="youtube", external_account_id="legacy", access_token="yt-a"
        )
        return insert_batch(self, plans)

    monkeypatch.setattr(migrate_user_tokens.Command, "insert_batch", racing_insert)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 users could not be migrated"):
        call_command("migrate_user_tokens", stdout=out, stderr=err)
    assert "Tokens: 1 migrated." in out.getvalue()
    assert "Failed ben: the database refused the new Integrations (" in err.getvalue()
    assert set(Integration.objects.values_list("user__username", "provider")) == {
        ("ana", "twitter"),
        ("ben", "youtube"),  # the concurrent run's row, and no discord row beside it
    }
    # The next run, with nothing racing it, finishes ben.
    monkeypatch.setattr(migrate_user_tokens.Command, "insert_batch", insert_batch)
    out, _ = migrate()
    assert "Tokens: 1 migrated." in out and "Skipped 2: already migrated." in out


def test_clear_legacy_keeps_a_column_changed_after_the_batch_was_read(legacy_users, monkeypatch):
    from integrations.management.commands import migrate_user_tokens

    insert_batch = migrate_user_tokens.Command.insert_batch

    def insert_then_user_edits(self, plans):
        migrated = insert_batch(self, plans)
        User.objects.filter(username="ana").update(twitter_access_token="tw-new")
        return migrated

    monkeypatch.setattr(migrate_user_tokens.Command, "insert_batch", insert_then_user_edits)
    err = StringIO()
    with pytest.raises(CommandError, match="1 users could not be migrated"):
        call_command("migrate_user_tokens", "--clear-legacy", stdout=StringIO(), stderr=err)
    assert (
        "Failed ana: twitter: the Integration does not read back the legacy value; kept."
        in err.getvalue()
    )
    ana = User.objects.get(username="ana")
    assert (ana.twitter_access_token, ana.twitter_refresh_token) == ("tw-new", "tw-r")
    assert not User.objects.get(username="ben").has_legacy_tokens()
