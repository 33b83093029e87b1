import pytest
from django.contrib.auth.models import Permission

from tests.factories import IntegrationFactory, UserFactory

COMPOSE_PERMISSIONS = ("add_content", "change_content", "view_content")


@pytest.fixture(autouse=True)
def media_folder(settings, tmp_path):
    """Uploads go to a folder of the test's own, so a test sees every file written."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_MEDIA_BASE_URL = "https://media.herald.example"
    return settings.MEDIA_ROOT


def files_in(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def composer_user(db):
    """A staff operator who may add and change content (not a superuser)."""
    user = UserFactory(username="writer", is_staff=True, timezone="UTC")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="content", codename__in=COMPOSE_PERMISSIONS
        )
    )
    return user


@pytest.fixture
def writer(client, composer_user):
    client.force_login(composer_user)
    return client


@pytest.fixture
def accounts(composer_user):
    return {
        "twitter": IntegrationFactory(
            user=composer_user, provider="twitter", display_name="@herald"
        ),
        "discord": IntegrationFactory(
            user=composer_user,
            provider="discord",
            display_name="#news",
            account_options={"channel_id": "1100000000000000077", "guild_id": "77"},
        ),
        "instagram": IntegrationFactory(
            user=composer_user, provider="instagram", display_name="herald.photos"
        ),
        "youtube": IntegrationFactory(
            user=composer_user, provider="youtube", display_name="Herald TV"
        ),
    }


def account_value(integration) -> str:
    return f"i{integration.pk}"
