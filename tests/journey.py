"""Steps of the journey as one-liners for tests."""

from __future__ import annotations

from datetime import timedelta

from onevisit.catalog import services as catalog
from onevisit.core import clock
from onevisit.intake import services as intake
from tests.factories import resident_id


def prereview(
    actor, matter: str = "cbdj", present: list[str] | None = None, rid: str | None = None, **options
):
    """A pre-review with everything ticked unless `present` says otherwise; tolerance is signed when needed."""
    if present is None:
        present = [m.code for m in catalog.checklist_for_matter(matter).materials]
    options.setdefault("commitment_signed", True)
    options.setdefault(
        "tolerance_due", clock.local_date() + timedelta(days=3)
    )  # within any 5-working-day rule
    return intake.submit_prereview(
        actor=actor,
        matter_code=matter,
        present=present,
        name=options.pop("name", "张三"),
        resident_id=rid or resident_id(),
        phone=options.pop("phone", "13812345678"),
        **options,
    )


def ticket(actor, matter: str = "cbdj", **kwargs):
    return prereview(actor, matter, **kwargs).ticket


def called(guide, clerk, window, matter: str = "cbdj"):
    """A ticket issued at the guide desk and called to `window`."""
    from onevisit.queueing import services as queueing

    t = ticket(guide, matter)
    assert queueing.call_next(window=window, actor=clerk) == t
    return t


SAMPLE_VALUES = {"employer_credit_code": "91330108MA2H0XXX0X", "address": "滨江区江南大道1号"}

# What the clerk types for 参保登记 beyond what the guide desk took: with it the form is complete.
CBDJ_FORM = {
    "address": "滨江区江南大道1号",
    "employer_name": "示范科技有限公司",
    "employer_credit_code": "91330108MA2H0XXX0X",
    "employment_start": "2026-11-01",
    "insurance_types": "养老",
}


def fill_form(clerk, case) -> None:
    """Type a valid value into every required field the case's form still lacks (the window's F8 before F10)."""
    from onevisit.cases import services as cases

    form = cases.case_form(case)
    values = {}
    for code in cases.form_problems(case):
        d = form.definitions[code]
        if code in SAMPLE_VALUES:
            values[code] = SAMPLE_VALUES[code]
        elif d.type == "choice":
            values[code] = d.validation["choices"][0]
        elif d.type == "date":
            values[code] = "2020-01-01"
        elif d.type in ("number", "money"):
            values[code] = str(d.validation.get("min", 1))
        elif d.type == "phone":
            values[code] = "13800000000"
        elif d.type == "resident_id":
            values[code] = resident_id()
        else:
            values[code] = "示例"
    if values:
        cases.save_form(actor=clerk, case_id=case.pk, submitted=values)


def everything_for(bundle: str, answers: dict | None = None) -> list[str]:
    """Every material of a bundle's checklist in this situation: the citizen brought it all."""
    return [m.code for m in intake.checklist(bundle_code=bundle, answers=answers or {}).materials]


def handed_over(clerk, case):
    """The window fills the form and hands the case to the back office (移交后台); its first tasks start."""
    from onevisit.cases import services as cases

    fill_form(clerk, case)
    return cases.hand_over(actor=clerk, case_id=case.pk)
