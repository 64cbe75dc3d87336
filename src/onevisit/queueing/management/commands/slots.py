"""`onevisit slots generate --from D --to D [--hall H] [--queue CODE …]`: appointment slots from the weekly templates."""

from django.core.management.base import BaseCommand, CommandError

from onevisit.accounts.cli import date_arg, one_hall
from onevisit.core.errors import DomainError
from onevisit.queueing import services
from onevisit.queueing.models import Queue


class Command(BaseCommand):
    help = (
        "Generate appointment slots for a date range from the queues' weekly templates (预约时段模板), leaving out "
        "weekends, public holidays (ONEVISIT_HOLIDAYS) and the lunch break; existing slots and bookings are kept."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate", help="slots from the weekly templates for a date range")
        gen.add_argument("--hall", help="hall code (default: the only hall)")
        gen.add_argument("--from", dest="first", required=True, type=date_arg, help="first local day")
        gen.add_argument("--to", dest="last", required=True, type=date_arg, help="last local day")
        gen.add_argument("--queue", action="append", help="queue code (repeatable; default: every queue)")

    def handle(self, *args, action, hall, first, last, queue, **options):
        the_hall = one_hall(hall)
        queues = None
        if queue:
            queues = list(Queue.objects.filter(hall=the_hall, code__in=queue))
            unknown = sorted(set(queue) - {q.code for q in queues})
            if unknown:
                raise CommandError(f"no queue {', '.join(unknown)} in hall {the_hall.code}")
        try:
            created = services.generate_slots(hall=the_hall, first=first, last=last, queues=queues)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"{created} new slot(s) for {the_hall.code}, {first} to {last}"))
