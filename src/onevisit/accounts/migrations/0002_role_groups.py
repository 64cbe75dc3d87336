"""Create the role groups on every install, so the IT centre can assign roles in the admin at once."""

from django.db import migrations

ROLES = ["guide", "clerk", "analyst", "hall_admin", "legal"]


def create_groups(apps, schema_editor):
    group = apps.get_model("auth", "Group")
    for name in ROLES:
        group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
