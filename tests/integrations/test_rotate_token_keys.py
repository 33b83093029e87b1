"""Rotation: encrypt under A, rotate to B with A as an old key, remove A; everything still reads."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from integrations.models import Integration
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

KEY_A = "rotation-key-a-" + "a" * 32
KEY_B = "rotation-key-b-" + "b" * 32


def raw_tokens():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, access_token, refresh_token FROM integrations_integration ORDER BY id"
        )
        return [
            (pk, bytes(a) if a else None, bytes(r) if r else None) for pk, a, r in cursor.fetchall()
        ]


def rotate() -> str:
    out = StringIO()
    call_command("rotate_token_keys", "--batch-size", "2", stdout=out)
    return out.getvalue()


def test_rotation_re_encrypts_everything_and_old_key_can_go(use_keys):
    use_keys(KEY_A)
    rows = [IntegrationFactory(access_token=f"access-{n}", refresh_token=None) for n in range(3)]
    before = raw_tokens()
    use_keys(KEY_B, KEY_A)
    assert "Tokens: 3 re-encrypted, 0 already current, 0 unreadable." in rotate()
    after = raw_tokens()
    assert all(b[1] != a[1] for b, a in zip(before, after, strict=True))
    use_keys(KEY_B)  # A removed
    assert [Integration.objects.get(pk=r.pk).access_token for r in rows] == [
        "access-0",
        "access-1",
        "access-2",
    ]
    assert "Tokens: 0 re-encrypted, 3 already current, 0 unreadable." in rotate()
    assert raw_tokens() == after  # a second run changes nothing


def test_a_token_under_an_unknown_key_is_reported(use_keys):
    use_keys(KEY_A)
    IntegrationFactory(access_token="lost", refresh_token=None)
    use_keys(KEY_B)
    with pytest.raises(CommandError, match="1 tokens could not be decrypted"):
        rotate()
