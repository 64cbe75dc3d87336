"""The only code that stores resident IDs and phone numbers: validate, seal, digest, mask."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from onevisit.core import clock, crypto
from onevisit.core.errors import Conflict, Invalid
from onevisit.core.events import emit
from onevisit.core.ids import (
    PersonalDataError,
    mask_name,
    mask_phone,
    mask_resident_id,
    normalize_name,
    normalize_phone,
    parse_resident_id,
)
from onevisit.core.models import Person, PersonName


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
    checks: dict[str, Callable[[], str]] = {
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


class NameDiffers(Conflict):
    """The resident ID is known under another name: staff must confirm the change before it is made."""

    def __init__(self, known: Person) -> None:
        self.known_masked = mask_name(known.name)
        super().__init__(
            f"该身份证号已登记的姓名为「{self.known_masked}」，与填写的姓名不一致。"
            "请核对证件；确认要更改姓名的，勾选“已核对证件，确认把姓名……更改为填写的姓名”后再提交",
            field="name",
        )


def check_name(identity: Identity, *, confirmed: bool = False) -> None:
    """Refuse, before anything is written, a name that differs from the one the hall holds, unless confirmed."""
    known = find_by_resident_id(identity.resident_id)
    if known and known.name and identity.name and identity.name != known.name and not confirmed:
        raise NameDiffers(known)


def register(identity: Identity, *, update_existing: bool = True, actor: Any = None) -> Person:
    """Find the citizen by keyed digest, or record them; the phone follows the latest visit.

    A changed name is a recorded change (`person.renamed`, with who and when), and earlier cases keep the name
    they were accepted under (name_at). Call check_name first where staff type the name. Anonymous channels
    (online booking, kiosk) pass update_existing=False: knowing an ID number must not be enough to change what
    the hall holds for that citizen.
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
    if created and person.name:
        PersonName.objects.create(person=person, name=person.name, since=clock.now(), changed_by=_user(actor))
    if not created and fields and update_existing:
        renamed = bool(identity.name) and identity.name != person.name
        Person.objects.filter(pk=person.pk).update(**fields)
        if renamed:
            _record_rename(person, identity.name, actor)
        person.refresh_from_db()
    return person


def _user(actor: Any) -> Any:
    return getattr(actor, "user", actor)


def _record_rename(person: Person, new_name: str, actor: Any) -> None:
    now = clock.now()
    if person.name and not person.names.exists():  # known before names were kept: its name held since then
        PersonName.objects.create(person=person, name=person.name, since=person.created_at)
    PersonName.objects.create(person=person, name=new_name, since=now, changed_by=_user(actor))
    emit(
        "person.renamed",
        hall=getattr(actor, "hall", None),
        actor=actor,
        data={"person": person.event_ref, "had_name": bool(person.name)},
        at=now,
    )


def name_at(person: Person | None, when: datetime | None) -> str:
    """The name the hall held for the citizen at `when` (a case's acceptance): later renames do not reach it."""
    if person is None:
        return ""
    if when is None:
        return person.name
    held = person.names.filter(since__lte=when).order_by("-since", "-id").first()
    return held.name if held else person.name


def find_by_resident_id(resident_id: str) -> Person | None:
    return Person.objects.filter(id_digest=crypto.digest("resident_id", resident_id)).first()
