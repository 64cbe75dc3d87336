"""`onevisit check`: the printer adapter names in settings, and (with --database) each printer's adapter."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from onevisit.core.checks import TAG, from_database, unknown_names
from onevisit.intake import printing
from onevisit.intake.models import Printer


@checks.register(TAG)
def printers(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    named = settings.ONEVISIT_PRINTER_ADAPTERS
    problems: list[checks.CheckMessage] = unknown_names(
        "ONEVISIT_PRINTER_ADAPTERS", printing.PRINTERS, named.values(), id="onevisit.E020"
    )
    problems += [
        checks.Error(
            f"ONEVISIT_PRINTER_ADAPTERS: 没有「{kind}」这种打印机类型 (no printer kind {kind!r})",
            hint=f"可选 (one of): {', '.join(Printer.Kind.values)}",
            id="onevisit.E021",
        )
        for kind in named
        if kind not in Printer.Kind.values
    ]
    return problems + from_database(databases, _rows)


def _rows() -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    for printer in Printer.objects.select_related("hall").order_by("hall__code", "code"):
        name = printing.adapter_name(printer)
        if name not in printing.PRINTERS:
            continue  # reported above
        for problem in printing.printer_for(printer).check_config():
            found.append(
                checks.Warning(
                    f"打印机「{printer.name}」({printer.hall.code}/{printer.code}, {name}): {problem}",
                    id="onevisit.W022",
                )
            )
    return found
