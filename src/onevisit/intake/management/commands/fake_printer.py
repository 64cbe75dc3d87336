import time

from django.core.management.base import BaseCommand

from onevisit.simulators.fakeprinter import FakePrinter


class Command(BaseCommand):
    help = "Listen like a thermal printer (raw TCP, default 127.0.0.1:9100) and report each ticket received."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=9100)

    def handle(self, *args, host, port, **options):
        def report(job: bytes) -> None:
            text = job.decode("gb18030", errors="replace")
            lines = [line.strip() for line in text.splitlines() if line.strip() and line.isprintable()]
            self.stdout.write(f"job of {len(job)} bytes: {' | '.join(lines[:4])}")

        with FakePrinter(host, port, on_job=report) as printer:
            self.stdout.write(f"fake printer listening on {printer.address}; Ctrl-C to stop")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
