import pytest
from django.db import IntegrityError, transaction

from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db


def test_a_second_publication_with_the_same_idempotency_key_is_refused():
    first = PublicationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicationFactory(content=first.content, idempotency_key=first.idempotency_key)
    assert type(first).objects.filter(idempotency_key=first.idempotency_key).count() == 1
