"""`onevisit report --from … --to … --format xlsx|pdf|csv`: the review's figures for the Friday meeting."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from onevisit.accounts.cli import date_arg, one_hall
from onevisit.core.errors import DomainError
from onevisit.metrics import queries, report


class Command(BaseCommand):
    help = (
        "Write the indicators of a period against its baseline, with the pilot targets, as xlsx, pdf or csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, type=date_arg)
        parser.add_argument("--to", dest="end", required=True, type=date_arg)
        parser.add_argument("--base-from", dest="base_start", type=date_arg)
        parser.add_argument("--base-to", dest="base_end", type=date_arg)
        parser.add_argument("--format", choices=sorted(report.FORMATS), default="xlsx")
        parser.add_argument("--hall", help="hall code (default: the only hall)")
        parser.add_argument(
            "--base-hall", help="compare with this hall (over the same period unless --base-from/--base-to)"
        )
        parser.add_argument(
            "--outlier",
            help="what-if percentile beside the official verdict (which keeps the hall's rule), e.g. 0.95 (0: flagged only)",
        )
        parser.add_argument(
            "--output", "-o", type=Path, help="file to write (default: report-<from>-<to>.<format>)"
        )

    def handle(
        self, *args, start, end, base_start, base_end, format, hall, base_hall, outlier, output, **options
    ):
        the_hall = one_hall(hall)
        other = one_hall(base_hall, "--base-hall") if base_hall else the_hall
        try:
            built = report.build(
                hall=the_hall.code,
                tz_name=the_hall.timezone,
                start=start,
                end=end,
                base_start=base_start,
                base_end=base_end,
                base_hall=other.code,
                base_tz_name=other.timezone,
                outliers=queries.rule(outlier),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        output = output or Path(f"report-{start:%Y%m%d}-{end:%Y%m%d}.{format}")
        output.write_bytes(report.FORMATS[format](built))
        note = " (no events in the period: the report says so)" if built.empty else ""
        self.stdout.write(self.style.SUCCESS(f"report written to {output}{note}"))
