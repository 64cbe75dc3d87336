"""`onevisit access verify`: walk the personal-data access log's hash chain; name the first broken record."""

from django.core.management.base import BaseCommand, CommandError

from onevisit.core import access


class Command(BaseCommand):
    help = (
        "Verify the personal-data access log (who looked at whom): name the first changed or missing record."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check every record's link and content")

    def handle(self, *args, action, **options):
        verdict = access.verify()
        if not verdict.ok:
            raise CommandError(f"access log BROKEN at record {verdict.first_broken}: {verdict.reason}")
        self.stdout.write(self.style.SUCCESS(f"access log intact: {verdict.checked} records"))
