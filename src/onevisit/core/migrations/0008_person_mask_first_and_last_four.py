"""Re-mask the stored resident IDs to the first four and last four (issue 16): the old mask showed the region
(six digits), which an insured region or an address beside it repeats, and with a birth date shown elsewhere gave
the number back. The old mask holds both the new one's parts, so no key is needed."""

from django.db import migrations


def remask(apps, schema_editor):
    Person = apps.get_model("core", "Person")
    for person in Person.objects.only("pk", "id_masked").iterator():
        old = person.id_masked
        if len(old) == 18 and old[4:6] != "**":
            Person.objects.filter(pk=person.pk).update(id_masked=f"{old[:4]}{'*' * 10}{old[-4:]}")


class Migration(migrations.Migration):
    dependencies = [("core", "0007_access_record")]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop)]
