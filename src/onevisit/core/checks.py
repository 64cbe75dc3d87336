"""`onevisit check`: configuration problems of the adapters settings choose, listed before anything is sent.

Each port adds its own check (core: the notifier; ferry: back ends; intake: printers). A name no adapter is
registered under is an error, so every command refuses to start and names the variable. Adapters configured in
the database (each back end, each printer) are checked when a database is given, as Django does for its own
database checks: `onevisit check --database default`; their problems are warnings, so a printer with a wrong
address never stops the hall.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from onevisit.core.notify import NOTIFIERS
from onevisit.core.registry import Registry

TAG = "adapters"


def unknown_names(
    variable: str, registry: Registry[Any], names: Iterable[str], *, id: str
) -> list[checks.Error]:
    """An error per name in a setting that no adapter of the port is registered under."""
    return [
        checks.Error(
            f"{variable}: 没有名为「{name}」的{registry.port}适配器 (no adapter named {name!r})",
            hint=f"可选 (one of): {', '.join(registry.names())}",
            id=id,
        )
        for name in names
        if name not in registry
    ]


def from_database(
    databases: Iterable[str] | None, rows: Callable[[], list[checks.CheckMessage]]
) -> list[checks.CheckMessage]:
    """Run a check over configured rows when the check was given a database and its tables exist."""
    if not databases or "default" not in databases:
        return []
    try:
        return rows()
    except DatabaseError:  # not migrated yet: nothing configured to check
        return []


@checks.register(TAG)  # type: ignore[untyped-decorator]
def notifier(
    app_configs: object = None, databases: object = None, **kwargs: object
) -> list[checks.CheckMessage]:
    name = settings.ONEVISIT_NOTIFIER
    problems = unknown_names("ONEVISIT_NOTIFIER", NOTIFIERS, [name], id="onevisit.E001")
    if problems:
        return problems
    return [
        checks.Error(f"ONEVISIT_NOTIFIER={name}: {problem}", id="onevisit.E002")
        for problem in NOTIFIERS[name]().check_config()
    ]
