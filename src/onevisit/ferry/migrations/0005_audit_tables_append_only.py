"""The audit chain's records and the record of each verification run are append-only in the database, as the
event log is (onevisit.core.appendonly): UPDATE and DELETE refused on both databases, TRUNCATE on PostgreSQL."""

from django.db import migrations

from onevisit.core import appendonly


class Migration(migrations.Migration):
    dependencies = [("ferry", "0004_chinese_labels")]

    operations = [
        appendonly.guard("ferry_auditrecord"),
        appendonly.guard("ferry_auditverification"),
    ]
