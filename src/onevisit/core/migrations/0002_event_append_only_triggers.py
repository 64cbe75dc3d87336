"""Database-level guard for the event log: UPDATE is refused on every backend, DELETE on PostgreSQL.

SQLite keeps DELETE open because Django's test flush empties tables with DELETE (PostgreSQL uses TRUNCATE,
which row triggers do not see); the ORM refuses deletes everywhere.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER core_event_no_update BEFORE UPDATE ON core_event
       BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS core_event_no_update"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_event_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'events are append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_event_no_update_delete BEFORE UPDATE OR DELETE ON core_event
       FOR EACH ROW EXECUTE FUNCTION core_event_append_only()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_event_no_update_delete ON core_event",
    "DROP FUNCTION IF EXISTS core_event_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
