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
    return "ferry/panel.html", {
        "rows": rows,
        "shown": {r.field_set.code: {k: shown_at_window(k, v) for k, v in r.values.items()} for r in rows},
        "case": case,
        "window": window,
        "waiting": any(r.state == "waiting" for r in rows),
        "fills": form_fills(case),
    }


STATES = {
    "ok": "已核验",
    "not_found": "后台无记录",
    "waiting": "调取中",
    "degraded": "系统中断，待手工录入",
    "manual": "已手工录入",
}


def shown_at_window(field: str, value: str) -> str:
    """What the window reads of a value the ferry brought: identity numbers masked, the birth date to its year
    (the masked ID beside it must not be rebuilt from it)."""
    from onevisit.core.ids import mask_birth_date, mask_resident_id

    if field == "resident_id":
        return mask_resident_id(value)
    if field == "birth_date":
        return mask_birth_date(value)
    return value


def _shown(field: str, value: str) -> str:
    """What the back office reads of a value the ferry brought: names masked too."""
    from onevisit.core.ids import mask_name

    if field == "name":
        return mask_name(value)
    return shown_at_window(field, value)


def office_facts(case) -> list[case_hooks.FactSection]:
    """The ferry's results for the back office: each field set's values and its exchange rules' findings, the
    failed ones (level error) first, so nothing the window saw is lost on the way to approval."""
    from onevisit.ferry import rules, services

    person = case.person
    rows = services.case_status(case, case_values={"name": person.name} if person and person.name else {})
    order = {"error": 0, "warn": 1, "info": 2}
    return [
        case_hooks.FactSection(
            title=row.field_set.label,
            source=row.backend.name if row.backend else "未配置后端",
            state=STATES.get(row.state, row.state),
            values=[(rules.LABELS.get(k, k), _shown(k, v)) for k, v in row.values.items() if v],
            findings=[
                case_hooks.Finding(f.level, f.message)
                for f in sorted(row.findings, key=lambda f: order.get(f.level, 3))
                if f.level != "ok"
            ],
        )
        for row in rows
    ]


def form_fills(case) -> list[tuple[str, str]]:
    """(field, value) of the case's open form that the ferry has brought: the page writes each into its field
    while that field is still empty and untouched, so nobody types what is on its way."""
    from onevisit.cases import services as cases
    from onevisit.ferry import services

    form = cases.case_form(case)
    ferried = services.known_for_case(case)
    # A value goes as the case would store it (a multiple choice: 养老、医疗); a source that comes before the ferry
    # keeps its own value.
    return [
        (code, form.known[code][0])
        for code in form.fields
        if code in ferried
        and code not in form.typed
        and not form.readonly(code)
        and form.known.get(code, ("", ""))[1] == FerriedValues.name
    ]


def install() -> None:
    if not any(isinstance(p, FerriedValues) for p in known.PROVIDERS):
        known.PROVIDERS.insert(1, FerriedValues())
    if _request_lookups not in case_hooks.ON_ACCEPTED:
        case_hooks.ON_ACCEPTED.append(_request_lookups)
    if panel_context not in case_hooks.PANELS:
        case_hooks.PANELS.append(panel_context)
    if office_facts not in case_hooks.FACTS:
        case_hooks.FACTS.append(office_facts)
