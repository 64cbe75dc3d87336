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


def check_resident_id(resident_id: str) -> Identity:
    """Identity from the resident ID alone (self-service kiosk); name and phone stay unknown."""
    try:
        value = parse_resident_id(resident_id, today=clock.local_date()).value
    except PersonalDataError as exc:
        raise Invalid(exc.reason, field="resident_id") from None
    return Identity(name="", resident_id=value, phone="")


def register(identity: Identity, *, update_existing: bool = True) -> Person:
    """Find the citizen by keyed digest, or record them; name and phone follow the latest visit.

    Anonymous channels (online booking) pass update_existing=False: knowing an ID number must not be enough
    to change what the hall holds for that citizen.
    """
    digest = crypto.digest("resident_id", identity.resident_id)
    fields = {"name": identity.name}
    if identity.phone:
        fields |= {"phone_sealed": crypto.seal(identity.phone), "phone_masked": mask_phone(identity.phone)}
    if not identity.name:
        del fields["name"]  # a kiosk visit does not forget the name a guide desk recorded
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
    if not created and fields and update_existing:
        Person.objects.filter(pk=person.pk).update(**fields)
        person.refresh_from_db()
    return person


def find_by_resident_id(resident_id: str) -> Person | None:
    return Person.objects.filter(id_digest=crypto.digest("resident_id", resident_id)).first()
