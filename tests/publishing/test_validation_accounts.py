"""Validation sees each target account's options: a platform whose limits are per account."""

import pytest
import responses
from django.core.cache import cache

from content.models import Content
from publishing.models import Publication
from publishing.posts import accounts_by_platform, build_post, check_post, validation_problems
from publishing.services import Target
from tests.factories import ContentFactory, IntegrationFactory

pytestmark = pytest.mark.django_db

SMALL, LARGE = "https://small.example", "https://large.example"


def instance(api, server, max_characters):
    api.get(
        f"{server}/api/v2/instance",
        json={"configuration": {"statuses": {"max_characters": max_characters}}},
    )


@pytest.fixture
def api(settings):
    settings.PLATFORM_MODULES = {}
    cache.clear()
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
    cache.clear()


def account(server):
    return IntegrationFactory(provider="mastodon", account_options={"server": server})


def test_every_target_account_is_checked_and_a_shared_problem_named_once(api):
    instance(api, SMALL, 100)
    instance(api, LARGE, 1000)
    small, large, also_small = account(SMALL), account(LARGE), account(SMALL)
    targets = [Target("mastodon", small), Target("mastodon", large), Target("mastodon", also_small)]
    accounts = accounts_by_platform(targets)
    assert accounts == {"mastodon": [{"server": SMALL}, {"server": LARGE}]}
    problems = validation_problems(Content(body="a" * 200), ["mastodon"], accounts=accounts)
    assert problems == {
        "mastodon": [
            "Mastodon: the status and its content warning are 200 characters; the server's "
            "limit is 100."
        ]
    }
    assert (
        check_post(Content(body="a" * 200), ["mastodon"], accounts=accounts)["mastodon"]
        .measures[0]
        .limit
        == 100
    )


def test_without_accounts_a_platform_sees_none():
    assert build_post(Content(body="x"), "twitter").account == {}
    assert validation_problems(Content(body="x"), ["twitter"]) == {}


def test_a_publications_account_options_are_read_in_one_query(django_assert_num_queries):
    content = ContentFactory()
    first, second = account(SMALL), account(LARGE)
    publications = [
        Publication(content=content, platform="mastodon", integration=first),
        Publication(content=content, platform="mastodon", integration=second),
        Publication(content=content, platform="twitter", integration=None),
    ]
    plain = [
        Publication(platform=p.platform, integration_id=p.integration_id) for p in publications
    ]
    with django_assert_num_queries(1):
        accounts = accounts_by_platform(plain)
    assert accounts == {"mastodon": [{"server": SMALL}, {"server": LARGE}], "twitter": [{}]}


def test_a_publication_carries_its_accounts_options_into_the_post():
    content = ContentFactory()
    integration = account(SMALL)
    publication = Publication(content=content, platform="mastodon", integration=integration)
    assert build_post(content, "mastodon", publication=publication).account == {"server": SMALL}
