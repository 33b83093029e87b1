"""Import the tokens of DRF's ``rest_framework.authtoken`` as API tokens, then drop its table.

Clients keep their token: each key becomes an ``APIToken`` with knox's digest of
it and its first ``CONSTANTS.TOKEN_KEY_LENGTH`` characters as ``token_key``, so
``Authorization: Token <old key>`` keeps working.

An imported token expires after the normal lifetime (``API_TOKEN_TTL_HOURS``,
counted from this migration), not never: these keys were stored in plain text
and readable in the admin, so they are treated as possibly seen by someone
else. Clients have that long to call ``POST /api/v1/auth/token/rotate/``
(no password needed) or sign in again.

The plain-text table is then dropped, and its migration records removed, as if
the app had never been installed. On a database where the table never existed
(a fresh install) nothing happens. Reversing keeps the digests: the plain keys
cannot be brought back.
"""

import datetime as dt

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.dateparse import parse_datetime

DRF_TOKEN_TABLE = "authtoken_token"


def aware(value):
    """A column read with raw SQL: SQLite may give text or a naive UTC time."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def import_drf_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS, knox_settings

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if DRF_TOKEN_TABLE not in connection.introspection.table_names(cursor):
            return
        quote = schema_editor.quote_name
        cursor.execute(
            f"SELECT {quote('key')}, {quote('user_id')}, {quote('created')} "  # noqa: S608
            f"FROM {quote(DRF_TOKEN_TABLE)}"
        )
        rows = cursor.fetchall()

    APIToken = apps.get_model("api", "APIToken")
    User = apps.get_model("accounts", "User")
    user_ids = {user_id for _, user_id, _ in rows}
    existing_users = set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    expiry = timezone.now() + knox_settings.TOKEN_TTL
    for key, user_id, created in rows:
        if user_id not in existing_users:
            continue  # its user is gone
        token = APIToken.objects.create(
            user_id=user_id,
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            expiry=expiry,
        )
        if created is not None:
            # ``created`` is auto_now_add: keep the date the client first got its token.
            APIToken.objects.filter(pk=token.pk).update(created=aware(created))

    schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(DRF_TOKEN_TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_apitoken"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(import_drf_tokens, migrations.RunPython.noop, elidable=True),
    ]
