"""How several names of one thing share a line (a ticket's hall, queue and matter): each said once."""

from __future__ import annotations

SEPARATOR = " · "


def names_line(*names: str | None, separator: str = SEPARATOR) -> str:
    """The names joined, blanks and repeats left out: a queue named for its one matter reads "参保登记", not
    "参保登记 · 参保登记"."""
    return separator.join(dict.fromkeys(name.strip() for name in names if name and name.strip()))
