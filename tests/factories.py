import datetime as dt

import factory
from django.utils import timezone

from accounts.models import User
from content.choices import Platform, Status
from content.models import Content
from integrations.models import Integration
from publishing.models import Publication


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class IntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Integration

    user = factory.SubFactory(UserFactory)
    provider = Platform.TWITTER
    external_account_id = factory.Sequence(lambda n: f"acct-{n}")
    display_name = factory.Sequence(lambda n: f"Account {n}")
    access_token = factory.Sequence(lambda n: f"access-token-{n:04d}-0123456789abcdef")
    refresh_token = factory.Sequence(lambda n: f"refresh-token-{n:04d}-fedcba9876543210")


class ContentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Content

    owner = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Post number {n}")
    scheduled_for = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(seconds=5))


class PublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publication

    content = factory.SubFactory(ContentFactory)
    platform = Platform.TWITTER
    status = Status.SCHEDULED
    account_key = factory.LazyAttribute(lambda p: f"user:{p.content.owner_id}")
    idempotency_key = factory.LazyAttribute(
        lambda p: f"{p.content.pk}-{p.platform}-{int(p.content.scheduled_for.timestamp())}"
    )
    next_attempt_at = factory.LazyAttribute(lambda p: p.content.scheduled_for)
