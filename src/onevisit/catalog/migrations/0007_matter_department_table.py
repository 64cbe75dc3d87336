"""A matter's 实施部门 becomes a row of the department table instead of free text."""

import django.db.models.deletion
from django.db import migrations, models

from onevisit.accounts.legacy_departments import move


def forwards(apps, schema_editor):
    move(apps, "catalog", "Matter", "department_name", "department")


def backwards(apps, schema_editor):
    Matter = apps.get_model("catalog", "Matter")
    for matter in Matter.objects.select_related("department"):
        matter.department_name = matter.department.name
        matter.save(update_fields=["department_name"])


class Migration(migrations.Migration):
    # PostgreSQL refuses to alter a table that has pending trigger events: the rows the data step inserts and
    # points at, followed by the schema steps. Not atomic, each step commits on its own (Django's advice).
    atomic = False

    dependencies = [
        ("catalog", "0006_merge_correction_clock_and_chinese_labels"),
        ("accounts", "0011_department_table"),
    ]

    operations = [
        migrations.RenameField("matter", "department", "department_name"),
        # a default, so that migrating back re-adds the text column to rows that exist
        migrations.AlterField(
            "matter", "department_name", models.CharField(max_length=100, blank=True, default="")
        ),
        migrations.AddField(
            model_name="matter",
            name="department",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="matters",
                to="accounts.department",
                verbose_name="实施部门",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField("matter", "department_name"),
        migrations.AlterField(
            model_name="matter",
            name="department",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="matters",
                to="accounts.department",
                verbose_name="实施部门",
            ),
        ),
    ]
