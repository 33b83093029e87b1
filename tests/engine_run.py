"""Run the real engine in-process, as a cluster would, until nothing is due."""

import datetime as dt

from django.utils import timezone

from publishing import engine
from publishing.services import Target, schedule_content
from tests.factories import IntegrationFactory, UserFactory


def drain(rounds: int = 10) -> None:
    for _ in range(rounds):
        handed: list[int] = []
        engine.tick(budget_seconds=0, enqueue=handed.append)
        if not handed:
            return
        for pk in handed:
            engine.publish_one(pk)


def schedule_due_posts(provider: str, count: int, *, seconds_ago: int):
    """``count`` posts "post 0", "post 1", ... of one new account, a second apart, the
    first due ``seconds_ago``. Returns the account."""
    owner = UserFactory()
    account = IntegrationFactory(user=owner, provider=provider)
    for n in range(count):
        schedule_content(
            owner=owner,
            body=f"post {n}",
            targets=[Target(provider, account)],
            scheduled_for=timezone.now() - dt.timedelta(seconds=seconds_ago - n),
        )
    return account
