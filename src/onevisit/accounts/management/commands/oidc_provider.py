import sys

from django.core.management.base import BaseCommand, CommandError

from onevisit.simulators import oidc


class Command(BaseCommand):
    help = (
        "Run a stand-in OpenID Connect provider (统一身份认证) for tests and the demo (oidc-provider-mock, a "
        'development dependency). Users: --user \'{"sub": "u1", "onevisit_roles": ["clerk"], '
        '"onevisit_hall": "demo", "name": "窗口 王五"}\' or PUT /users/<sub>.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=9400)
        parser.add_argument("--user", action="append", default=[], help="a user's claims as JSON, with sub")

    def handle(self, *args, host, port, user, **options):
        try:
            users = oidc.users_from_json(user)
        except ImportError:
            raise CommandError("oidc-provider-mock is not installed (a development dependency)") from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None

        def ready(issuer: str) -> None:
            self.stdout.write(f"OIDC provider at {issuer}; Ctrl-C to stop")
            sys.stdout.flush()

        oidc.serve(host, port, users, ready)
