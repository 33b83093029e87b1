"""No admin filter, lookup or search reaches a secret column.

A changelist answering "1 user" or "0 users" to ``?instagram_access_token__startswith=L``
gives a token away one character at a time. Every registered admin is tried, so a new
one is covered without being named here.
"""

import pytest
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.urls import reverse

from operator_admin.secrets import is_secret_column, reaches_secret, secret_columns
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db

LEGACY_TOKEN = "Legacy-instagram-token-0123456789"
SUFFIXES = ("", "__exact", "__startswith", "__contains", "__regex")
REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def secret_paths(model, depth=3, prefix="", visited=()) -> list[str]:
    """Every lookup path from ``model`` to a secret column, through up to ``depth`` fields."""
    paths = []
    for field in model._meta.get_fields():
        path = f"{prefix}{field.name}"
        if is_secret_column(field):
            paths.append(path)
        elif field.is_relation and depth > 1 and field.related_model not in (None, *visited):
            paths += secret_paths(field.related_model, depth - 1, f"{path}__", (*visited, model))
    return paths


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def secrets_stored(db):
    owner = UserFactory(username="victim", instagram_access_token=LEGACY_TOKEN)
    IntegrationFactory(user=owner)
    return owner


def test_the_legacy_token_filter_of_the_finding_is_refused(staff_client, secrets_stored):
    right = staff_client.get("/admin/accounts/user/", {"instagram_access_token__startswith": "L"})
    wrong = staff_client.get("/admin/accounts/user/", {"instagram_access_token__startswith": "x"})
    assert (right.status_code, wrong.status_code) == (400, 400)
    assert right.content == wrong.content  # nothing tells a right guess from a wrong one
    assert b"1 user" not in right.content and b"0 users" not in right.content
    regex = staff_client.get("/admin/accounts/user/", {"instagram_access_token__regex": "^L"})
    assert regex.status_code == 400
    assert staff_client.get("/admin/accounts/user/", {"password__startswith": "p"}).status_code == (
        400
    )


def test_the_secret_list_covers_every_token_password_and_verifier():
    labels = {f"{field.model._meta.label}.{field.name}" for field in secret_columns()}
    assert labels >= {
        "accounts.User.password",
        "accounts.User.twitter_access_token",
        "accounts.User.twitter_refresh_token",
        "accounts.User.discord_webhook_url",
        "accounts.User.instagram_access_token",
        "accounts.User.youtube_access_token",
        "accounts.User.youtube_refresh_token",
        "integrations.Integration.access_token",
        "integrations.Integration.refresh_token",
        "integrations.Integration.webhook_url",
        "integrations.OAuthState.code_verifier",
        "integrations.OAuthState.state",
    }


@pytest.mark.parametrize(
    ("model_label", "path"),
    [
        ("integrations.Integration", "user__twitter_access_token__startswith"),
        ("content.Content", "owner__instagram_access_token"),
        ("publishing.Publication", "content__owner__instagram_access_token__regex"),
        ("publishing.Publication", "integration__access_token__isnull"),
        ("accounts.User", "integrations__refresh_token"),
        ("accounts.User", "oauth_states__code_verifier__startswith"),
        ("accounts.User", "password"),
    ],
)
def test_reaches_secret_follows_relations_both_ways(model_label, path):
    from django.apps import apps

    assert reaches_secret(apps.get_model(model_label), path)


@pytest.mark.parametrize(
    "path", ["owner__username__startswith", "owner", "status", "publications__platform", "nope"]
)
def test_reaches_secret_lets_ordinary_lookups_through(path):
    from content.models import Content

    assert not reaches_secret(Content, path)


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTRY, ids=lambda v: getattr(v, "__name__", "")
)
def test_no_changelist_answers_a_lookup_on_a_secret(
    staff_client, secrets_stored, model, model_admin
):
    """Each secret path, local or through relations, with each kind of lookup: 400, no count."""
    url = changelist(model)
    refused = []
    for path in secret_paths(model):
        for suffix in SUFFIXES if path.count("__") < 2 else ("__startswith",):
            response = staff_client.get(url, {f"{path}{suffix}": "L"})
            if response.status_code != 400 or b"result" in response.content:
                refused.append(f"{path}{suffix}: {response.status_code}")
    assert refused == [], f"{model._meta.label} answered lookups on secrets"


def lookup_paths(model_admin) -> list[str]:
    """What the admin filters, searches, sorts and shows by, as lookup paths."""
    paths = [name.lstrip("^=@") for name in model_admin.search_fields]
    for item in model_admin.list_filter:
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            continue  # its own queryset code, no field path
        paths.append(item[0] if isinstance(item, list | tuple) else item)
    paths += [model_admin.date_hierarchy or ""]
    paths += [name.lstrip("-") for name in model_admin.ordering or () if isinstance(name, str)]
    paths += [name for name in model_admin.list_display if isinstance(name, str)]
    paths += list(model_admin.sortable_by or ())
    return [path for path in paths if path]


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTRY, ids=lambda v: getattr(v, "__name__", "")
)
def test_no_search_filter_or_column_reaches_a_secret(model, model_admin):
    reaching = [path for path in lookup_paths(model_admin) if reaches_secret(model, path)]
    assert reaching == [], f"{model._meta.label}'s admin reaches a secret column"


def test_search_never_matches_on_a_token(staff_client, secrets_stored):
    html = staff_client.get("/admin/accounts/user/", {"q": LEGACY_TOKEN[:12]}).content.decode()
    assert "0 users" in html and "victim" not in html
