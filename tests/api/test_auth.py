"""Tokens, authentication and throttling."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.throttling import UserThrottle
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_username_and_password_get_a_token_that_opens_the_api(alice):
    anonymous = APIClient()
    answer = anonymous.post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": "correct horse battery staple"},
        format="json",
    )
    assert answer.status_code == 200
    token = answer.json()["token"]
    assert token == Token.objects.get(user=alice).key
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/v1/content/").status_code == 200


def test_wrong_password_is_a_400_in_the_error_shape(alice):
    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json"
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert body["field_errors"] == {
        "non_field_errors": ["Unable to log in with provided credentials."]
    }
    assert "nope" not in answer.content.decode()


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


def test_a_bad_token_answers_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    answer = client.get("/api/v1/content/")
    assert answer.status_code == 401
    assert answer.json()["code"] == "authentication_failed"


def test_session_authentication_works_too(alice):
    client = APIClient()
    client.force_login(alice)
    assert client.get("/api/v1/content/").status_code == 200


def test_each_user_is_throttled_with_the_configured_rate(settings, alice, bob):
    settings.API_THROTTLE_USER = "3/minute"
    for user in (alice, bob):
        throttle = UserThrottle()
        cache.delete(throttle.cache_format % {"scope": throttle.scope, "ident": user.pk})
    api = client_for(alice)
    assert [api.get("/api/v1/content/").status_code for _ in range(3)] == [200] * 3
    answer = api.get("/api/v1/content/")
    assert answer.status_code == 429
    assert answer.json()["code"] == "throttled"
    assert int(answer["Retry-After"]) > 0
    # Another user has a window of their own.
    assert client_for(bob).get("/api/v1/content/").status_code == 200
