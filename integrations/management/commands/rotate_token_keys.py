"""Re-encrypt every token under the current TOKEN_ENCRYPTION_KEY.

Rows already under the current key are left alone, so a second run changes
nothing. Old keys (TOKEN_ENCRYPTION_OLD_KEYS) are needed to read the rest;
once this reports "0 to re-encrypt", they can be removed.
"""

from cryptography.fernet import Fernet, InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from integrations.encryption import encrypted_fields, reload_encryption_keys


class Command(BaseCommand):
    help = "Re-encrypt every encrypted token under the current TOKEN_ENCRYPTION_KEY."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        reload_encryption_keys()
        models: dict = {}
        for field in encrypted_fields():
            models.setdefault(field.model, []).append(field)
        totals = {"re-encrypted": 0, "already current": 0, "unreadable": 0}
        for model, fields in models.items():
            counts = self.rotate_model(model, fields, batch_size)
            for key, value in counts.items():
                totals[key] += value
        summary = ", ".join(f"{value} {key}" for key, value in totals.items())
        self.stdout.write(self.style.SUCCESS(f"Tokens: {summary}."))
        if totals["unreadable"]:
            raise CommandError(
                f"{totals['unreadable']} tokens could not be decrypted with any configured key; "
                "add the key they were written with to TOKEN_ENCRYPTION_OLD_KEYS and run again."
            )

    def rotate_model(self, model, fields, batch_size: int) -> dict[str, int]:
        current = Fernet(fields[0].fernet_keys[0])
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        total = model._default_manager.count()
        counts = {"re-encrypted": 0, "already current": 0, "unreadable": 0}
        last_pk, seen = 0, 0
        while True:
            # Raw SQL: the ciphertext itself is needed to tell which key wrote it.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {pk}, {columns} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s",  # noqa: S608 - names quoted, values bound
                    [last_pk, batch_size],
                )
                rows = cursor.fetchall()
            if not rows:
                break
            with transaction.atomic():
                for row_pk, *ciphertexts in rows:
                    changes = {}
                    for field, raw in zip(fields, ciphertexts, strict=True):
                        if raw is None:
                            continue
                        raw = bytes(raw)
                        try:
                            current.decrypt(raw)
                            counts["already current"] += 1
                            continue
                        except InvalidToken:
                            pass
                        try:
                            changes[field.name] = field.fernet.decrypt(raw).decode()
                        except InvalidToken:
                            counts["unreadable"] += 1
                    if changes:
                        # The field encrypts with the first (current) key on save.
                        model._default_manager.filter(pk=row_pk).update(**changes)
                        counts["re-encrypted"] += len(changes)
            last_pk = rows[-1][0]
            seen += len(rows)
            self.stdout.write(f"  {model._meta.label}: {seen}/{total} rows", ending="\r")
        self.stdout.write("")
        return counts
