from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="office")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_staff_department")]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
