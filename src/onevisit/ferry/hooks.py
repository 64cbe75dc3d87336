"""The ferry's places in the journey: it asks the back ends at acceptance, it is a known-values source for
the merged form, and it shows its panel on the window's case page."""

from __future__ import annotations

from onevisit.cases import hooks as case_hooks
from onevisit.cases import known
from onevisit.cases.models import Case
from onevisit.core import known as sources


class FerriedValues:
    """Values from the legacy back ends (or typed by hand while one was down), ahead of earlier cases."""

    name = sources.DATA_FERRY

    def values(self, case: Case) -> dict[str, str]:
        from onevisit.ferry import services

        return services.known_for_case(case)


def _request_lookups(case, actor) -> None:
    from onevisit.ferry import services

    services.request_lookups(case, actor)


def panel_context(case, window):
    """The window's ferry panel for a case: (template, context), or None when no field set applies."""
    from onevisit.ferry import services

    person = case.person
    rows = services.case_status(case, case_values={"name": person.name} if person and person.name else {})
    if not rows:
        return None
    return "ferry/panel.html", {"rows": rows, "case": case, "window": window,
                                "waiting": any(r.state == "waiting" for r in rows),
                                "fills": form_fills(case)}  # fmt: skip


def form_fills(case) -> list[tuple[str, str]]:
    """(field, value) of the case's open form that the ferry has brought: the page writes each into its field
    while that field is still empty and untouched, so nobody types what is on its way."""
    from onevisit.cases import services as cases
    from onevisit.ferry import services

    form = cases.case_form(case)
    ferried = services.known_for_case(case)
    return [
        (code, ferried[code])
        for code in form.fields
        if code in ferried
        and code not in form.typed
        and not form.readonly(code)
        and form.known.get(code, ("", ""))[0]
        == ferried[code]  # another source that comes first keeps its value
    ]


def install() -> None:
    if not any(isinstance(p, FerriedValues) for p in known.PROVIDERS):
        known.PROVIDERS.insert(1, FerriedValues())
    if _request_lookups not in case_hooks.ON_ACCEPTED:
        case_hooks.ON_ACCEPTED.append(_request_lookups)
    if panel_context not in case_hooks.PANELS:
        case_hooks.PANELS.append(panel_context)
