"""The event log refuses DELETE on SQLite too, and TRUNCATE on PostgreSQL, through the one guard every
append-only table uses (onevisit.core.appendonly); the first triggers (0002) go."""

from django.db import migrations

from onevisit.core import appendonly

OLD = {
    "sqlite": ["DROP TRIGGER IF EXISTS core_event_no_update"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS core_event_no_update_delete ON core_event",
        "DROP FUNCTION IF EXISTS core_event_append_only()",
    ],
}
OLD_REVERSE = {
    "sqlite": [
        """CREATE TRIGGER core_event_no_update BEFORE UPDATE ON core_event
           BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION core_event_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'events are append-only'; END; $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER core_event_no_update_delete BEFORE UPDATE OR DELETE ON core_event
           FOR EACH ROW EXECUTE FUNCTION core_event_append_only()""",
    ],
}


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0005_chinese_labels")]

    operations = [
        migrations.RunPython(_run(OLD), _run(OLD_REVERSE)),
        appendonly.guard("core_event"),
    ]
