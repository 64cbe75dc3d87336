"""`onevisit catalog import PATH` / `onevisit catalog export PATH`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from onevisit.catalog.importer import CatalogImportError, export_catalog, import_catalog, read, yaml_files


class Command(BaseCommand):
    help = "Import the catalog from YAML (all or nothing, idempotent) or export it to YAML."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a YAML file or a folder of them")
        imp.add_argument("path", type=Path)
        imp.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
        imp.add_argument("--draft", action="store_true", help="changed checklists wait for legal review")
        exp = sub.add_parser("export", help="write the published catalog to a YAML file (or folder)")
        exp.add_argument("path", type=Path)

    def handle(self, *args, action, path, **options):
        if action == "export":
            written = export_catalog(path)
            self.stdout.write(self.style.SUCCESS(f"catalog exported to {written}"))
            return
        if not path.exists():
            raise CommandError(f"{path}: no such file or folder")
        loaded = read(yaml_files(path))
        total = len(loaded.clauses) + len(loaded.fields) + len(loaded.matters) + len(loaded.bundles)
        try:
            with Progress(transient=True, disable=options.get("verbosity", 1) < 1) as bar:
                task = bar.add_task("importing catalog", total=total)
                stats = import_catalog(
                    path,
                    dry_run=options["dry_run"],
                    as_draft=options["draft"],
                    progress=lambda _: bar.advance(task),
                )
        except CatalogImportError as exc:
            raise CommandError(
                f"catalog not imported ({len(exc.problems)} problem(s)); nothing was written:\n"
                + "\n".join(exc.problems)
            ) from None
        if options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS(f"{path}: {total} items checked, no problems (nothing written)")
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"catalog imported: {stats.created} created, {stats.updated} updated, {stats.unchanged} unchanged; "
                f"{len(stats.published)} checklist version(s) published"
            )
        )
