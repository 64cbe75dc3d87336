"""`onevisit …`: Django's management commands plus the project's own (serve, demo, …)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onevisit.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["onevisit", *sys.argv[1:]])


if __name__ == "__main__":
    main()
