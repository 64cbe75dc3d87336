from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django_q.conf import Conf

from onevisit.core import jobs


class Command(BaseCommand):
    help = (
        "Run the background job cluster (后台任务: Django-Q2, its queue in this database): several worker "
        "processes that send the messages, and the periodic jobs, written as schedules at start. Set "
        "ONEVISIT_JOBS=cluster in the web processes so they hand jobs to it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers", type=int, default=None, help="worker processes (default ONEVISIT_JOB_WORKERS)"
        )

    def handle(self, *args: object, workers: int | None, **options: object) -> None:
        if workers is not None:
            if workers < 1:
                self.stderr.write("--workers 须为正整数")
                raise SystemExit(2)
            Conf.WORKERS = workers  # Django-Q2 reads its settings once, at import
        names = jobs.ensure_schedules()
        count = Conf.WORKERS
        self.stdout.write(f"job cluster starting: {count} workers; periodic: {', '.join(names) or '-'}")
        self.stdout.flush()
        call_command("qcluster")
