"""`onevisit history generate --days N --halls N [--district] [--seed S] [--start YYYY-MM-DD]`: a synthetic event
history."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from onevisit.accounts.cli import date_arg
from onevisit.accounts.models import Hall, Window
from onevisit.core import clock
from onevisit.core.models import Event
from onevisit.simulators import history

BATCH = 5000


class Command(BaseCommand):
    help = (
        "Write a synthetic, reproducible event history for halls hist01, hist02, … into the event log "
        "(weekdays, peaks, incomplete materials, second visits, back office…). The log is append-only, so "
        "nothing written here can be removed again: generate into a fresh database, e.g. "
        "DATABASE_URL=sqlite:///history.sqlite3 onevisit migrate first. If the halls already have events the "
        "command stops, and --clear is refused for the same reason."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser(
            "generate", help="write the events of N days for N synthetic halls", description=self.help
        )
        gen.add_argument(
            "--days", type=int, default=30, help="calendar days (weekends stay closed); default 30"
        )
        gen.add_argument(
            "--halls",
            type=int,
            default=1,
            help=f"sample halls hist01… (1-{history.MAX_HALLS}, or 0 with --district); default 1",
        )
        gen.add_argument(
            "--district",
            action="store_true",
            help=f"also the district hall {history.DISTRICT_CODE}: {len(history.DISTRICT.windows)} windows by department, "
            "about 20 times a sample hall's events (not part of `make demo`)",
        )
        gen.add_argument("--seed", type=int, default=1, help="same seed, same history; default 1")
        gen.add_argument("--start", help="first day YYYY-MM-DD; default: the history ends yesterday")
        gen.add_argument(
            "--skip-existing",
            action="store_true",
            help="if the halls already have events, say so and stop without error (for `make demo`)",
        )
        gen.add_argument(
            "--clear",
            action="store_true",
            help="refused: the event log is append-only (ORM and database triggers); use a fresh database",
        )

    def handle(
        self, *args, action, days, halls, seed, start, clear, skip_existing=False, district=False, **options
    ):
        if clear:
            raise CommandError(
                "--clear is refused: the event log is append-only, so earlier synthetic events cannot be "
                "deleted. Generate into a fresh database instead (DATABASE_URL=sqlite:///history.sqlite3 "
                "onevisit migrate)."
            )
        if days < 1:
            raise CommandError("--days must be at least 1")
        if not (0 if district else 1) <= halls <= history.MAX_HALLS:
            raise CommandError(f"--halls must be between 1 and {history.MAX_HALLS} (0 only with --district)")
        first = date_arg(start) if start else clock.local_date(history.TZ_NAME) - timedelta(days=days)
        codes = history.hall_codes(halls, district)
        taken = sorted(set(Event.objects.filter(hall__in=codes).values_list("hall", flat=True).distinct()))
        if taken and skip_existing:
            self.stdout.write(f"{', '.join(taken)} already have events: nothing written")
            return
        if taken:
            raise CommandError(
                f"the event log already has events for {', '.join(taken)}; the log is append-only, so generate "
                "into a fresh database (DATABASE_URL=sqlite:///history.sqlite3 onevisit migrate)"
            )
        written = 0
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("days · {task.fields[events]:,} events"),
            TimeElapsedColumn(),
        )
        with (
            Progress(*columns, transient=True, disable=options.get("verbosity", 1) < 1) as bar,
            transaction.atomic(),
        ):
            task = bar.add_task(f"history {codes[0]}…{codes[-1]}", total=days, events=0)
            batch: list[Event] = []

            def flush() -> None:
                nonlocal written
                Event.objects.bulk_create(batch)
                written += len(batch)
                batch.clear()

            for e in history.generate(
                start=first,
                days=days,
                halls=halls,
                seed=seed,
                district=district,
                on_day=lambda _: bar.advance(task),
            ):
                batch.append(Event(**e._asdict()))
                if len(batch) >= BATCH:
                    flush()
                    bar.update(task, events=written)
            flush()
            for n, code in enumerate(codes, 1):  # halls the dashboard and `onevisit report --hall` can name
                name = (
                    f"{history.DISTRICT.name}（合成历史）"
                    if code == history.DISTRICT_CODE
                    else f"样例大厅{n:02d}（合成历史）"
                )
                hall, _ = Hall.objects.get_or_create(
                    code=code, defaults={"name": name, "timezone": history.TZ_NAME}
                )
                kind = history.DISTRICT if code == history.DISTRICT_CODE else history.SAMPLE
                for window in kind.windows:  # named, so that pages and files say 3号窗口 rather than w3
                    Window.objects.get_or_create(
                        hall=hall, code=window, defaults={"name": f"{int(window.lstrip('w'))}号窗口"}
                    )
        last = first + timedelta(days=days - 1)
        self.stdout.write(
            self.style.SUCCESS(
                f"{written:,} events written for {', '.join(codes)}, {first:%Y-%m-%d} to {last:%Y-%m-%d} "
                f"(seed {seed})"
            )
        )
