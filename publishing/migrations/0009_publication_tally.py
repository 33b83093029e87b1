"""Publications per platform and state, kept by triggers (PostgreSQL only): see PublicationTally.

Statement-level triggers with transition tables: one INSERT per statement that
changed anything, whatever the number of rows, and never an UPDATE of a shared
row (no lock for concurrent workers to wait on). The table starts from a count
of the existing rows, taken under a SHARE lock so no write slips between the
count and the triggers.
"""

from django.db import migrations, models

TALLY = "publishing_publicationtally"
PUBLICATION = "publishing_publication"

CREATE = f"""
CREATE FUNCTION publishing_tally_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TALLY} (platform, status, n)
    SELECT platform, status, count(*) FROM new_rows GROUP BY platform, status;
    RETURN NULL;
END $$;

CREATE FUNCTION publishing_tally_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TALLY} (platform, status, n)
    SELECT platform, status, -count(*) FROM old_rows GROUP BY platform, status;
    RETURN NULL;
END $$;

CREATE FUNCTION publishing_tally_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TALLY} (platform, status, n)
    SELECT platform, status, sum(n) FROM (
        SELECT o.platform, o.status, -1 AS n
        FROM old_rows o JOIN new_rows w ON w.id = o.id
        WHERE (o.platform, o.status) IS DISTINCT FROM (w.platform, w.status)
        UNION ALL
        SELECT w.platform, w.status, 1 AS n
        FROM old_rows o JOIN new_rows w ON w.id = o.id
        WHERE (o.platform, o.status) IS DISTINCT FROM (w.platform, w.status)
    ) AS changed
    GROUP BY platform, status
    HAVING sum(n) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION publishing_tally_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {TALLY};
    RETURN NULL;
END $$;

CREATE TRIGGER publishing_tally_insert AFTER INSERT ON {PUBLICATION}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION publishing_tally_inserted();
CREATE TRIGGER publishing_tally_update AFTER UPDATE ON {PUBLICATION}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION publishing_tally_updated();
CREATE TRIGGER publishing_tally_delete AFTER DELETE ON {PUBLICATION}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION publishing_tally_deleted();
CREATE TRIGGER publishing_tally_truncate AFTER TRUNCATE ON {PUBLICATION}
    FOR EACH STATEMENT EXECUTE FUNCTION publishing_tally_truncated();

LOCK TABLE {PUBLICATION} IN SHARE MODE;
INSERT INTO {TALLY} (platform, status, n)
SELECT platform, status, count(*) FROM {PUBLICATION} GROUP BY platform, status;
"""

DROP = f"""
DROP TRIGGER IF EXISTS publishing_tally_insert ON {PUBLICATION};
DROP TRIGGER IF EXISTS publishing_tally_update ON {PUBLICATION};
DROP TRIGGER IF EXISTS publishing_tally_delete ON {PUBLICATION};
DROP TRIGGER IF EXISTS publishing_tally_truncate ON {PUBLICATION};
DROP FUNCTION IF EXISTS publishing_tally_inserted();
DROP FUNCTION IF EXISTS publishing_tally_deleted();
DROP FUNCTION IF EXISTS publishing_tally_updated();
DROP FUNCTION IF EXISTS publishing_tally_truncated();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(CREATE)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("publishing", "0008_big_table_indexes")]

    operations = [
        migrations.CreateModel(
            name="PublicationTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("platform", models.CharField(max_length=16)),
                ("status", models.CharField(max_length=16)),
                ("n", models.BigIntegerField()),
            ],
            options={"verbose_name_plural": "publication tallies"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
