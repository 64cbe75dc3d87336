"""`onevisit …`: Django's management commands plus the project's own (serve, demo, …)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onevisit.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings: a bad variable stops here, named
    except ImproperlyConfigured as exc:
        sys.exit(f"onevisit: {exc}")

    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")  # `onevisit legacy-sim` runs the legacy_sim command
    execute_from_command_line(["onevisit", *args])


if __name__ == "__main__":
    main()
