from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="it")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_office_role")]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
