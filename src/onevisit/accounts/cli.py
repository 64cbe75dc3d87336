"""What the domains' management commands share: dates given on the command line and the hall to work on."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError

from onevisit.accounts.models import Hall


def date_arg(value: str) -> date:
    """An argparse `type` for YYYY-MM-DD."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def one_hall(code: str | None, option: str = "--hall") -> Hall:
    """The hall named, or the only one when none is named; otherwise an error listing the known codes."""
    halls = Hall.objects.filter(code=code) if code else Hall.objects.all()
    if halls.count() != 1:
        known = ", ".join(Hall.objects.values_list("code", flat=True)) or "none"
        what = f"no hall {code!r}" if code else f"name one hall with {option}"
        raise CommandError(f"{what} (known: {known})")
    return halls.get()
