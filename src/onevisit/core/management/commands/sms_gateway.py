import time

from django.core.management.base import BaseCommand, CommandParser

from onevisit.simulators.sms import FakeSmsGateway


class Command(BaseCommand):
    help = (
        "Run a stand-in SMS gateway (短信模拟网关) for the demo and tests: the `gateway` notifier sends to it, and "
        "its page shows each phone's messages. Point ONEVISIT_SMS_GATEWAY_URL at it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)

    def handle(self, *args: object, host: str, port: int, **options: object) -> None:
        with FakeSmsGateway(host, port) as gateway:
            self.stdout.write(
                f"SMS gateway at {gateway.url}/ (its page shows a phone's messages); Ctrl-C to stop"
            )
            self.stdout.flush()
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
