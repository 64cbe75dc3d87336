"""Known values (已知数据): what the system already knows for this citizen, so the clerk never types it again.

One small interface, several providers; the data ferry (issue 6) adds its own provider to PROVIDERS.
"""

from __future__ import annotations

from typing import Protocol

from onevisit.cases.models import Case, FieldEntry
from onevisit.core import clock, crypto
from onevisit.core import known as sources
from onevisit.core.ids import parse_resident_id


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


PROVIDERS: list[KnownValuesProvider] = [PersonRecord(), EarlierCases()]


def known_values(case: Case) -> dict[str, tuple[str, str]]:
    """field → (value, provider name); the first provider that knows a field wins."""
    found: dict[str, tuple[str, str]] = {}
    for provider in PROVIDERS:
        for field, value in provider.values(case).items():
            found.setdefault(field, (value, provider.name))
    return found
