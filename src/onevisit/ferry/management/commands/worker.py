"""`onevisit worker`: deliver the data ferry's outbox. Run as many as you like, in as many processes."""

import signal
import threading

from django.core.management.base import BaseCommand

from onevisit.ferry.worker import Worker


class Command(BaseCommand):
    help = "Deliver ferry envelopes to the legacy back ends, with retries, breakers and the audit chain."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=50, help="envelopes claimed per round")
        parser.add_argument(
            "--lease", type=float, default=30.0, help="seconds before an unfinished claim expires"
        )
        parser.add_argument(
            "--poll", type=float, default=0.2, help="seconds to wait when the outbox is empty"
        )
        parser.add_argument("--until-idle", action="store_true", help="stop when nothing deliverable is left")
        parser.add_argument("--name", default="", help="worker name in claims (default host:pid:random)")

    def handle(self, *args, batch, lease, poll, until_idle, name, **options):
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        worker = Worker(name=name, batch=batch, lease=lease, poll=poll)
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(f"ferry worker {worker.name} started (batch {batch}, lease {lease:g}s)")
            self.stdout.flush()
        total = worker.run(stop=stop, until_idle=until_idle)
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(f"ferry worker {worker.name} stopped after {total} envelope(s)")
