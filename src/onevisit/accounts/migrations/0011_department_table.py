"""Departments become a table: Staff.department was free text matched by string."""

import django.db.models.deletion
from django.db import migrations, models

from onevisit.accounts.legacy_departments import move


def forwards(apps, schema_editor):
    move(apps, "accounts", "Staff", "department_name", "department")


def backwards(apps, schema_editor):
    Staff = apps.get_model("accounts", "Staff")
    for staff in Staff.objects.select_related("department"):
        staff.department_name = staff.department.name if staff.department else ""
        staff.save(update_fields=["department_name"])


class Migration(migrations.Migration):
    # PostgreSQL refuses to alter a table that has pending trigger events: the rows the data step inserts and
    # points at, followed by the schema steps. Not atomic, each step commits on its own (Django's advice).
    atomic = False

    dependencies = [("accounts", "0010_chinese_labels")]

    operations = [
        migrations.CreateModel(
            name="Department",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=32, unique=True, verbose_name="代码")),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="名称")),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="accounts.department",
                        verbose_name="上级部门",
                    ),
                ),
            ],
            options={"verbose_name": "部门", "verbose_name_plural": "部门", "ordering": ["code"]},
        ),
        migrations.RenameField("staff", "department", "department_name"),
        # a default, so that migrating back re-adds the text column to rows that exist
        migrations.AlterField(
            "staff", "department_name", models.CharField(max_length=100, blank=True, default="")
        ),
        migrations.AddField(
            model_name="staff",
            name="department",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="staff",
                to="accounts.department",
                verbose_name="所属部门",
                help_text="后台人员所属部门，决定其工作清单",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField("staff", "department_name"),
    ]
