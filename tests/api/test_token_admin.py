"""API tokens in the admin: who holds one and until when, never a token or its digest."""

import pytest
from django.contrib.auth.models import Permission

from api.models import APIToken
from api.tokens import issue_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/api/apitoken/"


@pytest.fixture
def tokens(user):
    issued = [issue_token(user=user).token for _ in range(2)]
    return [(token, APIToken.objects.get(token_key=token[:15])) for token in issued]


def secrets_of(tokens) -> list[str]:
    return [value for token, stored in tokens for value in (token, stored.digest)]


def test_drf_token_admin_is_gone(staff_client):
    assert staff_client.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert staff_client.get("/admin/authtoken/token/").status_code == 404


def test_the_list_and_the_page_show_only_the_prefix(staff_client, tokens):
    _, stored = tokens[0]
    pages = [
        staff_client.get(LIST_URL),
        staff_client.get(f"{LIST_URL}{stored.pk}/change/"),
        staff_client.get(f"/admin/accounts/user/{stored.user_id}/delete/"),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert f"{stored.token_key}…" in text
        for secret in secrets_of(tokens):
            assert secret not in text
            assert secret[15:30] not in text


def test_tokens_cannot_be_added_or_edited(staff_client, tokens):
    _, stored = tokens[0]
    assert staff_client.get(f"{LIST_URL}add/").status_code == 403
    page = staff_client.post(f"{LIST_URL}{stored.pk}/change/", {"expiry_0": "2099-01-01"})
    assert page.status_code == 403
    assert APIToken.objects.get(pk=stored.pk).expiry == stored.expiry


@pytest.mark.parametrize(
    "query",
    [
        "digest__startswith=0",
        "digest=0",
        "token_key__startswith=0",
        "token_key__gt=0",
        "user__auth_token_set__digest__startswith=0",
    ],
)
def test_lookups_on_the_token_columns_are_refused(staff_client, tokens, query):
    assert staff_client.get(f"{LIST_URL}?{query}").status_code == 400


def test_search_finds_by_username_never_by_token(staff_client, tokens):
    token, stored = tokens[0]
    by_token = staff_client.get(LIST_URL, {"q": token[:15]})
    assert "0 results" in by_token.content.decode()
    by_digest = staff_client.get(LIST_URL, {"q": stored.digest[:8]})
    assert "0 results" in by_digest.content.decode()
    by_user = staff_client.get(LIST_URL, {"q": stored.user.username})
    assert f"{stored.token_key}…" in by_user.content.decode()


def test_deleting_a_token_revokes_it(staff_client, tokens):
    _, stored = tokens[0]
    answer = staff_client.post(
        LIST_URL, {"action": "delete_selected", "_selected_action": [stored.pk], "post": "yes"}
    )
    assert answer.status_code == 302
    assert not APIToken.objects.filter(pk=stored.pk).exists()
    assert APIToken.objects.count() == 1


def test_a_view_only_operator_sees_the_list_and_nothing_secret(client, tokens):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
    client.force_login(viewer)
    page = client.get(LIST_URL)
    assert page.status_code == 200
    for secret in secrets_of(tokens):
        assert secret not in page.content.decode()
    assert "delete_selected" not in page.content.decode()
