"""The only code that stores resident IDs and phone numbers: validate, seal, digest, mask."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from onevisit.core import clock, crypto
from onevisit.core.errors import Invalid
from onevisit.core.ids import (
    PersonalDataError,
    mask_phone,
    mask_resident_id,
    normalize_name,
    normalize_phone,
    parse_resident_id,
)
from onevisit.core.models import Person


@dataclass(frozen=True)
class Identity:
    """Identity fields checked at the edge, ready to store."""

    name: str
    resident_id: str
    phone: str


def check_identity(*, name: str, resident_id: str, phone: str) -> Identity:
    """Validate all three fields at once so the user sees every problem in one pass."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    checks = {
        "name": lambda: normalize_name(name),
        "resident_id": lambda: parse_resident_id(resident_id, today=clock.local_date()).value,
        "phone": lambda: normalize_phone(phone),
    }
    for field, check in checks.items():
        try:
            values[field] = check()
        except PersonalDataError as exc:
            errors[field] = exc.reason
    if errors:
        raise Invalid("；".join(errors.values()), errors=errors)
    return Identity(**values)


def register(identity: Identity) -> Person:
    """Find the citizen by keyed digest, or record them; name and phone follow the latest visit."""
    digest = crypto.digest("resident_id", identity.resident_id)
    fields = {
        "name": identity.name,
        "phone_sealed": crypto.seal(identity.phone),
        "phone_masked": mask_phone(identity.phone),
    }
    try:
        with (
            transaction.atomic()
        ):  # savepoint: a concurrent first visit of the same person may win the insert
            person, created = Person.objects.get_or_create(
                id_digest=digest,
                defaults={
                    **fields,
                    "id_sealed": crypto.seal(identity.resident_id),
                    "id_masked": mask_resident_id(identity.resident_id),
                },
            )
    except IntegrityError:
        person, created = Person.objects.get(id_digest=digest), False
    if not created:
        Person.objects.filter(pk=person.pk).update(**fields)
        person.refresh_from_db()
    return person


def find_by_resident_id(resident_id: str) -> Person | None:
    return Person.objects.filter(id_digest=crypto.digest("resident_id", resident_id)).first()
