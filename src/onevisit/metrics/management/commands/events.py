"""`onevisit events export PATH [--from YYYY-MM-DD --to YYYY-MM-DD] [--hall CODE]`: the log as Parquet."""

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from onevisit.accounts.cli import date_arg
from onevisit.core.models import Event

CHUNK = 20_000
COLUMNS = (
    "id",
    "at",
    "type",
    "hall",
    "window",
    "queue",
    "matter",
    "bundle",
    "case",
    "ticket",
    "visit",
    "data",
)
SCHEMA = pa.schema(
    [("id", pa.int64()), ("at", pa.timestamp("us", tz="UTC"))] + [(name, pa.string()) for name in COLUMNS[2:]]
)


class _Months:
    """One Parquet file per local month (hive style month=YYYY-MM/part-0.parquet), written chunk by chunk."""

    def __init__(self, root: Path) -> None:
        self.root, self.month, self.writer = root, "", None
        self.months: list[str] = []

    def write(self, month: str, rows: dict[str, list]) -> None:
        if month != self.month:
            self.close()
            folder = self.root / f"month={month}"
            folder.mkdir(parents=True)
            self.writer = pq.ParquetWriter(folder / "part-0.parquet", SCHEMA, compression="zstd")
            self.month = month
            self.months.append(month)
        self.writer.write_table(pa.Table.from_pydict(rows, schema=SCHEMA))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class Command(BaseCommand):
    help = (
        "Export the event log as Parquet, partitioned by month of the local time zone "
        "(PATH/month=2026-11/part-0.parquet; columns id, at (UTC), type, hall, window, queue, matter, bundle, "
        "case, ticket, visit, data as JSON text). --from and --to are local days, both included. PATH must be "
        "a new or empty folder, so no partition of an earlier export is mixed in."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser(
            "export", help="write the events as Parquet files, one folder per month", description=self.help
        )
        exp.add_argument("path", type=Path)
        exp.add_argument("--from", dest="start", help="first local day YYYY-MM-DD (included)")
        exp.add_argument("--to", dest="end", help="last local day YYYY-MM-DD (included)")
        exp.add_argument("--hall", help="only this hall's events (hall code)")

    def handle(self, *args, action, path, start, end, hall, **options):
        tz = ZoneInfo(settings.TIME_ZONE)
        first, last = (date_arg(v) if v else None for v in (start, end))
        if first and last and last < first:
            raise CommandError(f"--to {last} is before --from {first}")
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise CommandError(f"{path} exists and is not an empty folder; export into a new or empty folder")
        # A snapshot: events appended while the export runs wait for the next export.
        top = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        events = Event.objects.filter(id__lte=top)
        if first:
            events = events.filter(at__gte=datetime.combine(first, time.min, tzinfo=tz))
        if last:
            events = events.filter(at__lt=datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz))
        if hall:
            events = events.filter(hall=hall)
        total = events.count()
        if not total:
            self.stdout.write("no events in the selection; nothing written")
            return
        months = _Months(path)
        rows: dict[str, list] = {name: [] for name in COLUMNS}
        month = ""
        columns = (TextColumn("exporting events"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        try:
            with Progress(*columns, transient=True, disable=options.get("verbosity", 1) < 1) as bar:
                task = bar.add_task("export", total=total)
                for row in events.order_by("at", "id").values_list(*COLUMNS).iterator(chunk_size=CHUNK):
                    row_month = f"{row[1].astimezone(tz):%Y-%m}"
                    if rows["id"] and (row_month != month or len(rows["id"]) >= CHUNK):
                        months.write(month, rows)
                        bar.advance(task, len(rows["id"]))
                        rows = {name: [] for name in COLUMNS}
                    month = row_month
                    for name, value in zip(COLUMNS[:-1], row[:-1], strict=True):
                        rows[name].append(value)
                    rows["data"].append(json.dumps(row[-1] or {}, ensure_ascii=False, separators=(",", ":")))
                months.write(month, rows)
                bar.advance(task, len(rows["id"]))
        finally:
            months.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"{total:,} events exported to {path} ({len(months.months)} month(s): "
                f"{months.months[0]} to {months.months[-1]})"
            )
        )
