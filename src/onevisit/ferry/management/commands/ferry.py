"""`onevisit ferry load PATH` (field sets and back ends from YAML) / `onevisit ferry status`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from onevisit.core.errors import DomainError
from onevisit.ferry import services


class Command(BaseCommand):
    help = "Load the data ferry's field sets and back ends, or show the back ends' state."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load field-sets.yaml (a file, or the folder holding it)")
        load.add_argument("path", type=Path)
        sub.add_parser("status", help="breakers and queue depths per back end")

    def handle(self, *args, action, path=None, **options):
        if action == "load":
            try:
                report = services.load(path)
            except DomainError as exc:
                raise CommandError(f"nothing loaded: {exc.message}") from None
            added = ", ".join(report.field_sets_added) or "none new"
            self.stdout.write(
                self.style.SUCCESS(f"field sets added: {added}; back ends: {', '.join(report.backends)}")
            )
            return
        for h in services.health():
            b = h.backend
            self.stdout.write(
                f"{b.code:18} {b.style:6} breaker={b.breaker:9} failures={b.failures} pending={h.pending} "
                f"sending={h.sending} backfill={h.backfill_waiting} dead={h.dead} refused={h.refused}"
            )
