"""Publications per platform and state, read in time that does not grow with the history.

On PostgreSQL, triggers keep ``PublicationTally`` (migration ``0009_publication_tally``):
each statement that inserts, deletes or changes the state of publications appends
its deltas, and the counts are their sums. Reading sums a few dozen rows once
``compact_tally`` has folded the deltas (the "publishing tally" Schedule, every
minute, and any reader that finds more than ``COMPACT_AFTER`` rows). Elsewhere the
publications are counted directly: an embedded SQLite install is small.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count

from publishing.models import Publication, PublicationTally

# A reader that sums more delta rows than this folds them first.
COMPACT_AFTER = 500

TALLY = PublicationTally._meta.db_table
PUBLICATION = Publication._meta.db_table


def kept_by_triggers() -> bool:
    return connection.vendor == "postgresql"


def publication_counts() -> dict[tuple[str, str], int]:
    """{(platform, status): count} for every pair with publications. One query, as a rule."""
    if not kept_by_triggers():
        rows = Publication.objects.values_list("platform", "status").annotate(n=Count("pk"))
        return {(platform, status): n for platform, status, n in rows.order_by()}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT platform, status, sum(n), count(*) FROM {TALLY} GROUP BY platform, status"  # noqa: S608 - table names
        )
        rows = cursor.fetchall()
    if sum(row[3] for row in rows) > COMPACT_AFTER:
        compact_tally()
    return {(platform, status): int(n) for platform, status, n, _ in rows if n}


def compact_tally() -> int:
    """Fold the deltas into one row per (platform, state); returns the rows left.

    Safe beside writers and other compactions: the DELETE takes only the rows it
    sees, and re-inserts exactly their sum, in one statement.
    """
    if not kept_by_triggers():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH folded AS (DELETE FROM {TALLY} RETURNING platform, status, n)
            INSERT INTO {TALLY} (platform, status, n)
            SELECT platform, status, sum(n) FROM folded GROUP BY platform, status
            HAVING sum(n) <> 0
            """  # noqa: S608 - table names
        )
        return cursor.rowcount


@transaction.atomic
def rebuild_tally() -> None:
    """Count the publications again (after a bulk load with triggers off, or a restore).

    Writers wait for the count (SHARE lock), so none slips between it and the triggers.
    """
    if not kept_by_triggers():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {PUBLICATION} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TALLY}")  # noqa: S608 - a table name
        cursor.execute(
            f"INSERT INTO {TALLY} (platform, status, n) "  # noqa: S608 - table names
            f"SELECT platform, status, count(*) FROM {PUBLICATION} GROUP BY platform, status"
        )
