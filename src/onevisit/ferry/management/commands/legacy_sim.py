"""`onevisit legacy-sim`: the three simulated legacy back ends, or `--set-fault` on ones already running."""

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from onevisit.ferry import keys
from onevisit.simulators.legacy.ledger import FAULTS
from onevisit.simulators.legacy.runner import demo_data_dir, start_all


def _fault(text: str) -> tuple[str, str]:
    backend, _, mode = text.partition("=")
    if not backend or mode not in FAULTS:
        raise CommandError(f"{text!r}: expected backend=mode, mode one of {', '.join(FAULTS)}")
    return backend, mode


def _data_dir(given: Path | None) -> Path:
    """--data, else data/ferry under the working directory, else the one beside the source tree."""
    try:
        return demo_data_dir(given)
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = (
        "Run the simulated legacy back ends (SOAP population, REST social insurance, file-exchange payment) "
        "with a control port for faults; or, with --set-fault, change a fault on running ones and exit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, help="folder with population.yaml and field-sets.yaml")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--soap-port", type=int, default=8101)
        parser.add_argument("--rest-port", type=int, default=8102)
        parser.add_argument("--control-port", type=int, default=8100)
        parser.add_argument("--exchange-dir", type=Path, help="default: settings.ONEVISIT_EXCHANGE_DIR")
        parser.add_argument(
            "--fault", action="append", default=[], metavar="BACKEND=MODE", help="start with this fault"
        )
        parser.add_argument(
            "--set-fault",
            action="append",
            default=[],
            metavar="BACKEND=MODE",
            help="set a fault on running simulators (via the control port) and exit",
        )
        parser.add_argument("--slow-seconds", type=float, help="how long 'slow' waits (default 5)")

    def handle(self, *args, **options):
        if options["set_fault"]:
            self._set_faults(options)
            return
        data = _data_dir(options["data"])
        faults = [_fault(text) for text in options["fault"]]
        sims = start_all(
            population_path=data / "population.yaml",
            field_sets_path=data / "field-sets.yaml",
            keys=keys.signing_key,
            api_key=keys.api_key("social_insurance"),
            soap_port=options["soap_port"],
            rest_port=options["rest_port"],
            exchange_dir=options["exchange_dir"] or settings.ONEVISIT_EXCHANGE_DIR,
            control_port=options["control_port"],
            host=options["host"],
        )
        with sims:
            for backend, mode in faults:
                if backend not in sims.by_backend:
                    raise CommandError(f"unknown back end {backend!r}; one of {', '.join(sims.by_backend)}")
                sims.set_fault(backend, mode, slow_seconds=options["slow_seconds"])
            for code, sim in sims.by_backend.items():
                self.stdout.write(
                    f"{code:<17} {type(sim).__name__:<8} {sim.address}  fault: {sim.ledger.fault}"
                )
            self.stdout.write(
                f"control          POST/GET {sims.control.address}faults  "
                f"(onevisit legacy-sim --set-fault payment=slow); Ctrl-C to stop"
            )
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass

    def _set_faults(self, options) -> None:
        url = f"http://{options['host']}:{options['control_port']}/faults"
        for text in options["set_fault"]:
            backend, mode = _fault(text)
            order = {"backend": backend, "fault": mode}
            if options["slow_seconds"] is not None:
                order["slow_seconds"] = options["slow_seconds"]
            post = urllib.request.Request(
                url, data=json.dumps(order).encode(), headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(post, timeout=5) as answer:
                    state = json.loads(answer.read())[backend]
            except urllib.error.HTTPError as exc:
                raise CommandError(f"{url}: HTTP {exc.code} {exc.read().decode(errors='replace')}") from None
            except OSError as exc:
                raise CommandError(f"{url}: {exc} (is `onevisit legacy-sim` running?)") from None
            self.stdout.write(
                f"{backend}: fault {state['fault']} (slow {state['slow_seconds']} s), "
                f"{state['deliveries']} deliveries, {state['duplicates']} duplicates, {state['refusals']} refusals"
            )
