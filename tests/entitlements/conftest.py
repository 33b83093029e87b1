import pytest

from entitlements.models import Plan
from entitlements.services import set_plan
from tests.factories import UserFactory


@pytest.fixture
def make_plan(db):
    """A plan with the given limits (the others unlimited)."""

    def build(name="Starter", **limits):
        return Plan.objects.create(name=name, **limits)

    return build


@pytest.fixture
def user_on(make_plan):
    """A user on a new plan with the given limits."""

    def build(name="Starter", *, username=None, timezone="UTC", **limits):
        user = UserFactory(**({"username": username} if username else {}), timezone=timezone)
        set_plan(user, make_plan(name, **limits))
        return user

    return build


@pytest.fixture
def reached():
    """The limit_reached signals sent during the test."""
    from entitlements.signals import limit_reached

    sent = []

    def receiver(sender, signal, **kwargs):
        sent.append(kwargs)

    limit_reached.connect(receiver, weak=False)
    yield sent
    limit_reached.disconnect(receiver)
