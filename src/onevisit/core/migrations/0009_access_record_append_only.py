"""The data-access log is held append-only by the database too, like the event log: no UPDATE, DELETE or TRUNCATE.
Its head (one row, updated in place as the chain grows) is not."""

from django.db import migrations

from onevisit.core import appendonly


class Migration(migrations.Migration):
    dependencies = [("core", "0008_person_mask_first_and_last_four")]

    operations = [appendonly.guard("core_accessrecord")]
