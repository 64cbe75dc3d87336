"""Pre-reviews keep what they judged (the checklist version per matter, the merged materials with the desk's state).

Existing pre-reviews get the snapshot rebuilt from the versions in force when they were made: each matter's
version published before the pre-review and not yet superseded then (else its standing version), its materials
merged as the desk merges them. For a bundle, the situation's added materials are taken from the bundle's rules
and an item of the version the desk neither ticked, missed nor marked is left out (the situation dropped it).
"""

from django.db import migrations, models

STATES = ("published", "temporary", "superseded")


def _version(ChecklistVersion, code, at):
    versions = ChecklistVersion.objects.filter(matter__code=code, status__in=STATES)
    then = (
        versions.filter(published_at__lte=at)
        .filter(models.Q(superseded_at__isnull=True) | models.Q(superseded_at__gt=at))
        .exclude(status="temporary", ends_on__lt=at.date())
        .order_by("-published_at", "-pk")
        .first()
    )
    return then or versions.filter(status="published").first()


def _row(m, code):
    return {
        "code": m.code,
        "name": m.name,
        "matters": [code],
        "original": m.original_required,
        "electronic": m.electronic_accepted,
        "stamp": m.stamp_unit,
        "copies": m.copies,
        "tolerable": m.tolerable,
        "shared": m.shared,
        "clause": f"{m.clause.code}@{m.clause.version}" if m.clause_id else "",
        "note": m.note,
        "exempt_if": m.exempt_if,
        "due_working_days": m.due_working_days,
    }


def _added(d, code):
    return {
        "code": d["code"],
        "name": d["name"],
        "matters": [code],
        "original": bool(d.get("original", False)),
        "electronic": bool(d.get("electronic", False)),
        "stamp": d.get("stamp") or "",
        "copies": int(d.get("copies", 1)),
        "tolerable": bool(d.get("tolerable", False)),
        "shared": bool(d.get("shared", False)),
        "clause": d.get("clause") or "",
        "note": d.get("note") or "",
        "exempt_if": d.get("exempt_if") or "",
        "due_working_days": d.get("due_working_days"),
    }


def _merge(seen, row):
    """As catalog.merge.merge_materials: one item for every matter that needs it, the strictest terms."""
    seen["matters"].append(row["matters"][0])
    seen["original"] |= row["original"]
    seen["electronic"] &= row["electronic"]
    seen["stamp"] = seen["stamp"] or row["stamp"]
    seen["copies"] = max(seen["copies"], row["copies"])
    seen["tolerable"] &= row["tolerable"]
    seen["shared"] &= row["shared"]
    seen["clause"] = seen["clause"] or row["clause"]
    seen["note"] = seen["note"] or row["note"]
    if seen["exempt_if"] != row["exempt_if"]:
        seen["exempt_if"] = ""
    dues = [d for d in (seen["due_working_days"], row["due_working_days"]) if d is not None]
    seen["due_working_days"] = min(dues) if dues else None


def _state(row, present, missing, na, verdict):
    if row["shared"]:
        return "shared"
    if row["code"] in na:
        return "not_applicable"
    if row["code"] in present or row["code"] not in missing:
        return "brought"
    return "tolerated" if verdict == "tolerance" else "missing"


def fill(apps, schema_editor):
    PreReview = apps.get_model("intake", "PreReview")
    ChecklistVersion = apps.get_model("catalog", "ChecklistVersion")
    Material = apps.get_model("catalog", "Material")
    for pr in PreReview.objects.select_related("matter", "bundle").iterator():
        present, missing, na = set(pr.present), set(pr.missing), set(pr.not_applicable)
        judged = present | missing | na
        added = (pr.bundle.spec.get("add_materials") or []) if pr.bundle_id else []
        versions, merged = {}, {}
        for code in pr.matters or [pr.matter.code]:
            version = _version(ChecklistVersion, code, pr.created_at)
            if version is None:
                continue
            versions[code] = version.pk
            rows = {
                m.code: _row(m, code)
                for m in Material.objects.filter(checklist=version)
                .select_related("clause")
                .order_by("position", "id")
            }
            for a in added:
                if a.get("matter") == code and a["material"]["code"] in judged:
                    rows[a["material"]["code"]] = _added(a["material"], code)
            for row in rows.values():
                if pr.bundle_id and not row["shared"] and row["code"] not in judged:
                    continue  # the situation dropped it: the desk never asked for it
                if row["code"] in merged:
                    _merge(merged[row["code"]], row)
                else:
                    merged[row["code"]] = row
        for row in merged.values():
            row["state"] = _state(row, present, missing, na, pr.verdict)
        pr.checklists, pr.judged = versions, list(merged.values())
        pr.save(update_fields=["checklists", "judged"])


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0006_chinese_labels"),
        ("catalog", "0007_matter_department_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="prereview",
            name="checklists",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="事项代码 → 预审所依据的材料清单版本(id)",
                verbose_name="材料清单版本",
            ),
        ),
        migrations.AddField(
            model_name="prereview",
            name="judged",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="预审时核对的材料（合并后的清单）及每项结果：已带、容缺、缺、不适用、免提交",
                verbose_name="预审材料",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
