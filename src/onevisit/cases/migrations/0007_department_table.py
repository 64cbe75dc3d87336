"""Tasks, verifications and returns name their department by a row of the department table, not free text."""

import django.db.models.deletion
from django.db import migrations, models

from onevisit.accounts.legacy_departments import move

MOVED = [
    ("task", "department", "tasks"),
    ("verification", "to_department", "verifications"),
    ("casereturn", "department", "+"),
]
LABELS = {"department": "部门", "to_department": "核验部门"}


def forwards(apps, schema_editor):
    for model, field, _ in MOVED:
        move(apps, "cases", model, f"{field}_name", field)


def backwards(apps, schema_editor):
    for model, field, _ in MOVED:
        Model = apps.get_model("cases", model)
        for row in Model.objects.select_related(field):
            setattr(row, f"{field}_name", getattr(row, field).name)
            row.save(update_fields=[f"{field}_name"])


def _fk(field: str, related: str, null: bool):
    labelled = {"verbose_name": LABELS[field]} if related != "+" else {}
    return models.ForeignKey(
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name=related,
        to="accounts.department",
        **labelled,
    )


class Migration(migrations.Migration):
    # PostgreSQL refuses to alter a table that has pending trigger events: the rows the data step inserts and
    # points at, followed by the schema steps. Not atomic, each step commits on its own (Django's advice).
    atomic = False

    dependencies = [
        ("cases", "0006_purpose_correct_and_status_labels"),
        ("accounts", "0011_department_table"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="task", name="cases_task_departm_903095_idx"),
        migrations.RemoveIndex(model_name="verification", name="cases_verif_to_depa_0a3ffb_idx"),
        *[migrations.RenameField(model, field, f"{field}_name") for model, field, _ in MOVED],
        # a default, so that migrating back re-adds the text columns to rows that exist
        *[
            migrations.AlterField(
                model, f"{field}_name", models.CharField(max_length=100, blank=True, default="")
            )
            for model, field, _ in MOVED
        ],
        *[
            migrations.AddField(model_name=model, name=field, field=_fk(field, related, True))
            for model, field, related in MOVED
        ],
        migrations.RunPython(forwards, backwards),
        *[migrations.RemoveField(model, f"{field}_name") for model, field, _ in MOVED],
        *[
            migrations.AlterField(model_name=model, name=field, field=_fk(field, related, False))
            for model, field, related in MOVED
        ],
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["department", "status", "due_at"], name="cases_task_departm_a66359_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="verification",
            index=models.Index(
                fields=["to_department", "answered_at"], name="cases_verif_to_depa_85f668_idx"
            ),
        ),
    ]
