"""Tokens are ciphertext at rest, fail loudly under the wrong key, and survive key rotation."""

import pytest
from cryptography.fernet import InvalidToken
from django.db import connection

from integrations.models import Integration
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

TOKEN = "plain-access-token-1234567890-ABCDEF"
KEY_A = "key-a-" + "a" * 40
KEY_B = "key-b-" + "b" * 40


def raw_access_token(pk: int) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM integrations_integration WHERE id = %s", [pk])
        return bytes(cursor.fetchone()[0])


def test_raw_column_holds_ciphertext_not_the_token():
    integration = IntegrationFactory(access_token=TOKEN)
    raw = raw_access_token(integration.pk)
    assert TOKEN.encode() not in raw
    assert b"1234567890" not in raw
    assert raw.startswith(b"gAAAAA")  # a Fernet token
    assert Integration.objects.get(pk=integration.pk).access_token == TOKEN


def test_reading_under_a_different_key_fails_loudly(use_keys):
    use_keys(KEY_A)
    integration = IntegrationFactory(access_token=TOKEN)
    use_keys(KEY_B)
    with pytest.raises(InvalidToken):
        Integration.objects.get(pk=integration.pk)


def test_rows_under_an_old_key_still_read_when_it_is_listed(use_keys):
    use_keys(KEY_A)
    integration = IntegrationFactory(access_token=TOKEN)
    use_keys(KEY_B, KEY_A)
    assert Integration.objects.get(pk=integration.pk).access_token == TOKEN
