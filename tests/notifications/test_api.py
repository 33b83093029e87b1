"""GET/PATCH /api/v1/me/notifications/: a user's own switches, strictly typed."""

import json

import pytest
from rest_framework.test import APIClient

from api.tokens import issue_token
from notifications.models import NotificationPreferences

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/notifications/"
DEFAULTS = {
    "publication_failed": True,
    "publication_in_doubt": True,
    "integration_needs_reauth": True,
    "integration_expiring": True,
    "endpoint_disabled": True,
    "scheduler_dead": True,
    "daily_digest": False,
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=user).token}")
    return client


def test_a_new_user_reads_the_defaults_without_a_row_being_written(alice):
    response = client_for(alice).get(URL)
    assert response.status_code == 200
    assert response.json() == DEFAULTS
    assert not NotificationPreferences.objects.exists()


def test_patch_changes_only_what_is_sent_and_answers_every_switch(alice):
    api = client_for(alice)
    response = api.patch(URL, {"publication_failed": False, "daily_digest": True}, format="json")
    assert response.status_code == 200
    assert response.json() == {**DEFAULTS, "publication_failed": False, "daily_digest": True}
    response = api.patch(URL, {"integration_expiring": False}, format="json")
    assert response.json() == {
        **DEFAULTS,
        "publication_failed": False,
        "daily_digest": True,
        "integration_expiring": False,
    }
    assert api.get(URL).json() == response.json()


def test_each_user_sees_and_changes_only_their_own(alice, bob):
    client_for(alice).patch(URL, {"publication_failed": False}, format="json")
    assert client_for(bob).get(URL).json() == DEFAULTS
    client_for(bob).patch(URL, {"daily_digest": True}, format="json")
    assert client_for(alice).get(URL).json() == {**DEFAULTS, "publication_failed": False}
    assert NotificationPreferences.objects.get(user=bob).publication_failed is True


def test_anonymous_gets_401(db):
    assert APIClient().get(URL).status_code == 401
    assert APIClient().patch(URL, {"daily_digest": True}, format="json").status_code == 401
    assert not NotificationPreferences.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"publication_failed": "no"},
        {"publication_failed": 0},
        {"publication_failed": "false"},
        {"daily_digest": None},
        {"daily_digest": [True]},
        {"user": 2},
        {"id": 1, "publication_failed": False},
        {"\x00": True},
        {"a" * 300: True},
        [],
        ["publication_failed"],
        "true",
        123,
    ],
)
def test_hostile_patches_get_400_and_change_nothing(alice, body):
    response = client_for(alice).patch(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert not NotificationPreferences.objects.exists()


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        ('{"daily_digest": ' + "[" * 5000 + "]" * 5000 + "}", "application/json"),
        (b'{"daily_digest": "\xff\xfe"}', "application/json"),
        ("{not json", "application/json"),
        ("daily_digest=true", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_bodies_are_refused_without_a_server_error(alice, raw, content_type):
    response = client_for(alice).patch(URL, raw, content_type=content_type)
    assert response.status_code in (400, 415)
    assert not NotificationPreferences.objects.exists()


def test_other_methods_are_not_allowed(alice):
    api = client_for(alice)
    assert api.post(URL, {}, format="json").status_code == 405
    assert api.delete(URL).status_code == 405
    assert api.put(URL, DEFAULTS, format="json").status_code == 405
