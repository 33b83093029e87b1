"""The admin login is locked out after repeated failures (django-axes), as the API's sign-in is.

Axes sees every ``authenticate(request=...)``. Tests that only need a signed-in
user use ``client.force_login``, which bypasses authentication; ``client.login``
passes no request, and axes refuses that, so a test that wants the password
checked posts to the login page (as here) or calls
``client.login(request=HttpRequest(), ...)``. Attempts are rows in the test's
database, so each test starts with none.
"""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.http import HttpRequest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN_URL = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def failure_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def admin_login(client, password, username="op", **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def test_the_right_password_signs_in(client, operator):
    answer = admin_login(client, PASSWORD)
    assert answer.status_code == 302 and answer["Location"] == "/admin/"


def test_after_the_failure_limit_the_login_shows_a_lockout_page_even_for_the_right_password(
    client, operator, failure_limit
):
    statuses = [admin_login(client, f"guess {n}").status_code for n in range(failure_limit - 1)]
    assert statuses == [200] * (failure_limit - 1)  # the form again, with its error
    assert admin_login(client, "one more guess").status_code == 429

    answer = admin_login(client, PASSWORD)
    assert answer.status_code == 429
    assert answer["Retry-After"] == str(15 * 60)
    page = answer.content.decode()
    assert "Too many failed sign-in attempts for this account or from this address." in page
    assert "Try again in 15 minutes." in page
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out


def test_failures_on_the_api_and_the_admin_count_together(client, operator, failure_limit):
    for n in range(failure_limit):
        APIClient().post(
            "/api/v1/auth/token/", {"username": "op", "password": f"guess {n}"}, format="json"
        )
    assert admin_login(client, PASSWORD).status_code == 429


def test_another_address_and_username_are_not_locked_out(client, operator, failure_limit):
    for n in range(failure_limit):
        admin_login(client, f"guess {n}", username="nobody", REMOTE_ADDR="10.0.0.5")
    assert admin_login(client, PASSWORD, REMOTE_ADDR="10.0.0.6").status_code == 302


def test_client_login_with_a_request_goes_through_the_lockout(client, operator, failure_limit):
    for n in range(failure_limit):
        admin_login(client, f"guess {n}")
    assert not client.login(request=HttpRequest(), username="op", password=PASSWORD)


def test_the_attempt_list_shows_no_password_to_a_view_only_operator(client, operator):
    secret = "hunter2-not-the-password"
    client.post(
        LOGIN_URL, {"username": "op", "password": secret, "csrfmiddlewaretoken": "csrf-value"}
    )
    assert AccessAttempt.objects.count() == 1
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_accessattempt"))
    client.force_login(viewer)
    attempt = AccessAttempt.objects.get()
    for url in (
        "/admin/axes/accessattempt/",
        f"/admin/axes/accessattempt/{attempt.pk}/change/",
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert secret not in page.content.decode()
        assert "csrf-value" not in page.content.decode()
    assert secret not in attempt.post_data and secret not in attempt.get_data
