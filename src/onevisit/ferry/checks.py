"""`onevisit check`: the ferry's adapter names in settings, and (with --database) each back end's adapter."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from onevisit.core.checks import TAG, from_database, unknown_names
from onevisit.ferry import adapters
from onevisit.ferry.models import Backend


@checks.register(TAG)
def backends(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    named = settings.ONEVISIT_FERRY_ADAPTERS
    problems: list[checks.CheckMessage] = unknown_names(
        "ONEVISIT_FERRY_ADAPTERS", adapters.BACKENDS, named.values(), id="onevisit.E010"
    )
    return problems + from_database(databases, lambda: _rows(named))


def _rows(named: dict[str, str]) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    rows = list(Backend.objects.all())
    for code in sorted(set(named) - {b.code for b in rows}):
        found.append(
            checks.Warning(f"ONEVISIT_FERRY_ADAPTERS: 没有代码为「{code}」的后端系统", id="onevisit.W011")
        )
    for backend in rows:
        name = adapters.adapter_name(backend.code, backend.style)
        if name not in adapters.BACKENDS:
            continue  # reported above, or a style no adapter serves
        for problem in adapters.for_backend(backend).check_config():
            found.append(
                checks.Warning(
                    f"后端系统「{backend.name}」({backend.code}, {name}): {problem}", id="onevisit.W012"
                )
            )
    return found
