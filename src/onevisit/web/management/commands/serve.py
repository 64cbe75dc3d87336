"""Serve onevisit with gunicorn (several worker processes) and whitenoise for static files."""

import atexit
import subprocess
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:  # options an older gunicorn does not know are skipped
                self.cfg.set(key, value)

    def load(self):
        from onevisit.wsgi import application

        return application


class Command(BaseCommand):
    help = "Run the production server (gunicorn) after collecting static files."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.ONEVISIT_HOST)
        parser.add_argument("--port", type=int, default=settings.ONEVISIT_PORT)
        parser.add_argument("--workers", type=int, default=settings.ONEVISIT_WORKERS)
        parser.add_argument("--no-collectstatic", action="store_true")
        parser.add_argument(
            "--with-ferry",
            action="store_true",
            help="also run the legacy back-end simulators and one ferry worker (the demo's data ferry)",
        )
        parser.add_argument(
            "--with-sms",
            action="store_true",
            help="also run the stand-in SMS gateway (onevisit sms-gateway) the `gateway` notifier sends to",
        )
        parser.add_argument(
            "--with-jobs",
            action="store_true",
            help="also run the background job cluster (onevisit jobs); set ONEVISIT_JOBS=cluster to hand it jobs",
        )

    def handle(
        self,
        *args,
        host,
        port,
        workers,
        no_collectstatic,
        with_ferry=False,
        with_sms=False,
        with_jobs=False,
        **options,
    ):
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        commands = [["legacy_sim"], ["worker"]] if with_ferry else []
        if with_sms:
            gateway = urlsplit(settings.ONEVISIT_SMS_GATEWAY_URL or "http://127.0.0.1:8025")
            where = ["--host", gateway.hostname or "127.0.0.1", "--port", str(gateway.port or 80)]
            commands.append(["sms_gateway", *where])
        if with_jobs:
            commands.append(["jobs"])
        children = [subprocess.Popen([sys.executable, "-m", "onevisit", *command]) for command in commands]
        atexit.register(lambda: [child.terminate() for child in children])
        self.stdout.write(
            f"onevisit on http://{host}:{port}/ with {workers} workers ({settings.DATABASES['default']['ENGINE']})"
        )
        _Gunicorn(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "accesslog": "-",
                # Path only, never the query string: nothing a person typed reaches the access log.
                "access_log_format": '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms',
                "timeout": 60,
                "graceful_timeout": 10,
                # One socket per user would clash between two servers on one machine; nothing here uses it.
                "control_socket_disable": True,
            }
        ).run()
