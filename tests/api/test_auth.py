"""Tokens, authentication, sign-in lockout and throttling."""

import datetime as dt
import importlib
import logging

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from knox.crypto import hash_token
from rest_framework.test import APIClient

from api.models import APIToken
from api.throttling import UserThrottle
from api.tokens import issue_token
from entitlements.models import Plan
from entitlements.services import set_plan
from tests.api.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
TOKEN_URL = "/api/v1/auth/token/"


def sign_in(username="alice", password=PASSWORD, **extra):
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password}, format="json", **extra
    )


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- Tokens --------------------------------------------------------------------------


def test_username_and_password_get_a_token_that_opens_the_api(alice, settings):
    answer = sign_in()
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"token", "expiry"}
    token = body["token"]
    expiry = dt.datetime.fromisoformat(body["expiry"])
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert ttl == dt.timedelta(days=30)
    assert abs(expiry - (timezone.now() + ttl)) < dt.timedelta(minutes=1)
    assert with_token(token).get("/api/v1/content/").status_code == 200


def test_a_token_is_stored_only_as_a_digest(alice):
    token = sign_in().json()["token"]
    stored = APIToken.objects.get(user=alice)
    assert stored.digest == hash_token(token) != token
    assert token not in {stored.digest, stored.token_key, str(stored)}
    assert len(stored.token_key) == 15 and token.startswith(stored.token_key)


def test_each_sign_in_issues_a_new_token_and_the_oldest_beyond_the_limit_is_revoked(
    alice, settings
):
    settings.API_TOKEN_LIMIT_PER_USER = 3
    tokens = [sign_in().json()["token"] for _ in range(4)]
    assert len(set(tokens)) == 4
    assert APIToken.objects.filter(user=alice).count() == 3
    assert with_token(tokens[0]).get("/api/v1/content/").status_code == 401
    assert [with_token(t).get("/api/v1/content/").status_code for t in tokens[1:]] == [200] * 3


def test_an_expired_token_answers_401(alice):
    token = sign_in().json()["token"]
    APIToken.objects.filter(user=alice).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    answer = with_token(token).get("/api/v1/content/")
    assert answer.status_code == 401
    assert answer.json()["code"] == "authentication_failed"
    assert not APIToken.objects.filter(user=alice).exists()


def test_wrong_password_is_a_400_in_the_error_shape(alice):
    answer = sign_in(password="nope")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert body["field_errors"] == {
        "non_field_errors": ["Unable to log in with provided credentials."]
    }
    assert "nope" not in answer.content.decode()


def test_an_overlong_username_is_a_400_not_a_500(alice):
    answer = sign_in(username="a" * 1000)
    assert answer.status_code == 400
    assert "username" in answer.json()["field_errors"]


def test_a_stale_token_in_the_header_does_not_stop_a_sign_in(alice):
    answer = with_token("0" * 64).post(
        TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/content/", "/api/v1/publications/"])
def test_no_credentials_answer_401(path):
    answer = APIClient().get(path)
    assert answer.status_code == 401
    assert answer.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "field_errors": {},
        "platforms": {},
    }


@pytest.mark.parametrize(
    "token", ["not-a-real-token", "0" * 64, "é" * 40, "\x00abc", "ab\x7fcd", "a" * 200]
)
def test_a_bad_token_answers_401(token):
    answer = with_token(token).get("/api/v1/content/")
    assert answer.status_code == 401
    assert answer.json()["code"] == "authentication_failed"


def test_session_authentication_works_too(alice):
    client = APIClient()
    client.force_login(alice)
    assert client.get("/api/v1/content/").status_code == 200


# --- Rotate and sign out -----------------------------------------------------------------


def test_rotating_gives_a_new_token_and_revokes_the_one_used(alice):
    old = issue_token(user=alice).token
    other = issue_token(user=alice).token
    answer = with_token(old).post("/api/v1/auth/token/rotate/")
    assert answer.status_code == 200
    new = answer.json()["token"]
    assert new != old and answer.json()["expiry"]
    assert with_token(old).get("/api/v1/content/").status_code == 401
    assert with_token(new).get("/api/v1/content/").status_code == 200
    assert with_token(other).get("/api/v1/content/").status_code == 200
    assert APIToken.objects.filter(user=alice).count() == 2


def test_logout_revokes_only_the_token_used(alice):
    current = issue_token(user=alice).token
    other = issue_token(user=alice).token
    answer = with_token(current).post("/api/v1/auth/logout/")
    assert answer.status_code == 204
    assert with_token(current).get("/api/v1/content/").status_code == 401
    assert with_token(other).get("/api/v1/content/").status_code == 200


def test_logout_all_revokes_every_token_of_the_user_only(alice, bob):
    tokens = [issue_token(user=alice).token for _ in range(3)]
    bobs = issue_token(user=bob).token
    assert with_token(tokens[0]).post("/api/v1/auth/logout-all/").status_code == 204
    assert [with_token(t).get("/api/v1/content/").status_code for t in tokens] == [401] * 3
    assert with_token(bobs).get("/api/v1/content/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/auth/token/rotate/", "/api/v1/auth/logout/", "/api/v1/auth/logout-all/"]
)
def test_rotate_and_logout_need_a_token_not_a_session(alice, path):
    issue_token(user=alice)
    client = APIClient()
    client.force_login(alice)
    assert client.post(path).status_code == 401
    assert APIToken.objects.filter(user=alice).count() == 1


# --- Brute force: sign-in lockout --------------------------------------------------------


@pytest.fixture
def failure_limit(settings):
    settings.AXES_FAILURE_LIMIT = 5
    return 5


def test_after_the_failure_limit_even_the_right_password_is_refused_with_429(alice, failure_limit):
    statuses = [sign_in(password=f"guess {n}").status_code for n in range(failure_limit - 1)]
    assert statuses == [400] * (failure_limit - 1)
    last_failure = sign_in(password="one more guess")
    assert last_failure.status_code == 429
    answer = sign_in()
    assert answer.status_code == 429
    assert answer.json() == {
        "code": "locked_out",
        "message": "Too many failed sign-in attempts for this account or from this address. "
        "Try again in 15 minutes.",
        "field_errors": {},
        "platforms": {},
    }
    assert answer["Retry-After"] == str(15 * 60)
    assert not APIToken.objects.exists()


def test_the_lockout_ends_after_the_cool_off(alice, failure_limit):
    for n in range(failure_limit):
        sign_in(password=f"guess {n}")
    assert sign_in().status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert sign_in().status_code == 200


def test_a_username_is_locked_out_from_every_address(alice, failure_limit):
    for n in range(failure_limit):
        sign_in(password=f"guess {n}", REMOTE_ADDR=f"10.0.0.{n + 1}")
    assert sign_in(REMOTE_ADDR="10.0.1.1").status_code == 429
    UserFactory(username="carol")
    assert sign_in(username="carol", REMOTE_ADDR="10.0.1.1").status_code == 200


def test_an_address_is_locked_out_for_every_username(alice, failure_limit):
    for n in range(failure_limit):
        sign_in(username=f"nobody{n}", password="guess", REMOTE_ADDR="10.0.0.9")
    assert sign_in(REMOTE_ADDR="10.0.0.9").status_code == 429
    assert sign_in(REMOTE_ADDR="10.0.0.10").status_code == 200


def test_a_forged_forwarded_for_header_does_not_escape_the_address_lockout(alice, failure_limit):
    for n in range(failure_limit):
        sign_in(username=f"nobody{n}", password="guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert sign_in(HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429


def test_behind_trusted_proxies_the_forwarded_address_counts(alice, failure_limit, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(failure_limit):
        sign_in(username=f"nobody{n}", password="guess", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert sign_in(HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
    assert sign_in(HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 200


def test_failures_are_logged_without_the_password(alice, failure_limit, caplog):
    secret = "hunter2-not-the-password"
    with caplog.at_level(logging.DEBUG):
        for _ in range(failure_limit + 1):
            sign_in(password=secret)
        APIClient().post(TOKEN_URL, {"username": "alice", "password": secret})  # form-encoded
    messages = [record.getMessage() for record in caplog.records]
    assert any("API sign-in failed for 'alice'" in m for m in messages)
    assert any("is locked out" in m for m in messages)
    assert not [m for m in messages if secret in m]
    assert not AccessAttempt.objects.filter(post_data__contains=secret).exists()


def test_a_locked_out_user_keeps_the_tokens_already_issued(alice, failure_limit):
    token = issue_token(user=alice).token
    for n in range(failure_limit):
        sign_in(password=f"guess {n}")
    assert sign_in().status_code == 429
    assert with_token(token).get("/api/v1/content/").status_code == 200


# --- Throttling --------------------------------------------------------------------------


def test_each_user_is_throttled_at_their_plans_rate(alice, bob):
    set_plan(alice, Plan.objects.create(name="Slow", api_rate="3/minute"))
    for user in (alice, bob):
        throttle = UserThrottle()
        cache.delete(throttle.cache_format % {"scope": throttle.scope, "ident": user.pk})
    api = client_for(alice)
    assert [api.get("/api/v1/content/").status_code for _ in range(3)] == [200] * 3
    answer = api.get("/api/v1/content/")
    assert answer.status_code == 429
    assert answer.json()["code"] == "throttled"
    assert int(answer["Retry-After"]) > 0
    # Another user has a window of their own, and a plan of their own.
    assert [client_for(bob).get("/api/v1/content/").status_code for _ in range(4)] == [200] * 4


def test_the_anonymous_throttle_applies_to_the_token_endpoint(settings, alice):
    settings.API_THROTTLE_ANON = "3/minute"
    assert [sign_in().status_code for _ in range(3)] == [200] * 3
    answer = sign_in(HTTP_X_FORWARDED_FOR="198.51.100.7")  # a forged header changes nothing
    assert answer.status_code == 429
    assert answer.json()["code"] == "throttled"
    assert int(answer["Retry-After"]) > 0


def test_anonymous_requests_elsewhere_answer_401_even_past_the_anonymous_rate(settings):
    settings.API_THROTTLE_ANON = "1/minute"
    statuses = [APIClient().get("/api/v1/content/").status_code for _ in range(3)]
    assert statuses == [401] * 3


# --- The tokens of DRF's authtoken, from before ----------------------------------------------

import_drf_tokens = importlib.import_module(
    "api.migrations.0003_import_drf_tokens"
).import_drf_tokens


def run_import() -> None:
    """The data migration, with the models as they are at that migration."""
    state = MigrationExecutor(connection).loader.project_state(("api", "0002_apitoken"))
    with connection.schema_editor() as editor:
        import_drf_tokens(state.apps, editor)


# Schema changes: SQLite allows them only outside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_drf_tokens_are_imported_as_digests_and_keep_working(alice):
    old_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    with connection.schema_editor() as editor:
        editor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp "
            "with time zone NOT NULL, user_id bigint NOT NULL)"
        )
        editor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s), (%s, %s, %s)",
            [old_key, "2025-01-02 03:04:05+00:00", alice.pk, "ab" * 20, timezone.now(), 999999],
        )
    run_import()

    assert "authtoken_token" not in connection.introspection.table_names()
    imported = APIToken.objects.get()  # the row of a user that is gone is left out
    assert imported.user == alice
    assert imported.digest == hash_token(old_key)
    assert imported.token_key == old_key[:15]
    assert imported.created == dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    expected_expiry = timezone.now() + dt.timedelta(days=30)
    assert abs(imported.expiry - expected_expiry) < dt.timedelta(minutes=1)
    assert with_token(old_key).get("/api/v1/content/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_importing_drf_tokens_on_a_fresh_database_does_nothing(alice):
    assert "authtoken_token" not in connection.introspection.table_names()
    run_import()
    assert not APIToken.objects.exists()
