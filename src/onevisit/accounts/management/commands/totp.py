from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from onevisit.accounts import twofactor


class Command(BaseCommand):
    help = "Print the current one-time code of a user's enrolled authenticator (for the demo accounts)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        device = twofactor.confirmed_device(user) if user is not None else None
        if device is None:
            raise CommandError(f"{username!r} has no enrolled authenticator")
        self.stdout.write(twofactor.current_code(device))
