"""Known values (已知数据): what the system already knows for this citizen, so the clerk never types it again.

One small interface, several providers; the data ferry (issue 6) adds its own provider to PROVIDERS.
"""

from __future__ import annotations

from typing import Protocol

from onevisit.cases.models import Case, FieldEntry
from onevisit.catalog import services as catalog
from onevisit.core import clock, crypto
from onevisit.core import known as sources
from onevisit.core.ids import parse_resident_id
from onevisit.intake import services as intake


class KnownValuesProvider(Protocol):
    name: str

    def values(self, case: Case) -> dict[str, str]: ...


class PersonRecord:
    """Identity captured once at the guide desk, and what the resident ID itself says (birth date, gender)."""

    name = sources.GUIDE_DESK

    def values(self, case: Case) -> dict[str, str]:
        person = case.person
        if person is None:
            return {}
        found = {"resident_id": person.resident_id}
        if person.name:
            found["name"] = person.name
        if person.phone_sealed:
            found["phone"] = person.phone
        rid = parse_resident_id(person.resident_id, today=clock.local_date())
        found["birth_date"] = rid.birth_date.isoformat()
        found["gender"] = "男" if rid.male else "女"
        return found


class DeskAnswers:
    """Situation answers given at the guide desk whose question names a form field (e.g. 累计缴费年限)."""

    name = "导引台"

    def values(self, case: Case) -> dict[str, str]:
        found: dict[str, str] = {}
        tickets = [v.ticket for v in case.visits.select_related("ticket").order_by("-seq") if v.ticket_id]
        for prereview in filter(None, map(intake.prereview_of, tickets)):  # the latest visit's answers first
            if not prereview.bundle_id or not prereview.answers:
                continue
            for q in catalog.bundle_spec(prereview.bundle).questions:
                answer = prereview.answers.get(q.code)
                if q.field and answer not in (None, "") and not isinstance(answer, list):
                    found.setdefault(q.field, _said(q, answer))
        return found


def _said(question, answer) -> str:
    """An answer as the form holds it: 是/否, the option's label, a number without a trailing .0."""
    if isinstance(answer, bool):
        return "是" if answer else "否"
    if question.options:
        return {o.code: o.label for o in question.options}.get(answer, str(answer))
    if isinstance(answer, float) and answer.is_integer():
        return str(int(answer))
    return str(answer)


class EarlierCases:
    """Values the same citizen gave in earlier cases, newest first."""

    name = sources.EARLIER_CASES

    def values(self, case: Case) -> dict[str, str]:
        if case.person_id is None:
            return {}
        found: dict[str, str] = {}
        entries = (
            FieldEntry.objects.filter(case__person_id=case.person_id)
            .exclude(case=case)
            .order_by("-entered_at")
        )
        for e in entries:
            found.setdefault(e.field, crypto.unseal(e.value) if e.sealed else e.value)
        return found


PROVIDERS: list[KnownValuesProvider] = [PersonRecord(), DeskAnswers(), EarlierCases()]


def known_values(case: Case) -> dict[str, tuple[str, str]]:
    """field → (value, provider name); the first provider that knows a field wins."""
    found: dict[str, tuple[str, str]] = {}
    for provider in PROVIDERS:
        for field, value in provider.values(case).items():
            found.setdefault(field, (value, provider.name))
    return found
