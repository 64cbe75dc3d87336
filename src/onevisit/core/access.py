"""Who looked at whom (等保三级 安全审计, GB/T 35273 §9): every read of a citizen's personal data by staff.

Each page and API call that shows a citizen's personal data calls `record` with who read it, whom (the internal id
of the Person row, never a resident ID), where (the page or API path) and why (when a reason was asked for). The
records are chained like the ferry's audit chain: each holds SHA-256(previous hash + canonical content), so
`verify` names the first record that was changed, removed or inserted. Appends take the chain head's row lock, so
records are made one at a time in every process.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone as dj_timezone

from onevisit.core import clock, people
from onevisit.core.errors import Invalid
from onevisit.core.ids import contains_personal_number
from onevisit.core.models import AccessHead, AccessRecord

GENESIS = "0" * 64
CONTENT_KEYS = ("seq", "at", "kind", "hall", "staff", "person", "case", "where", "reason")
REASON_MIN, REASON_MAX = 2, 200
READ, FULL_ID = "read", "full_id"  # AccessRecord.Kind


def checked_reason(
    reason: str | None, *, field: str = "reason", label: str = "查阅原因", example: str = "群众来电查询进度"
) -> str:
    """A stated reason for reading beyond one's own work: a few words, no personal number in it. A refusal names
    the field by the label its page gives it."""
    text = " ".join((reason or "").split())
    if len(text) < REASON_MIN:
        raise Invalid(f"请写明{label}（至少 {REASON_MIN} 个字），例如“{example}”", field=field)
    if len(text) > REASON_MAX:
        raise Invalid(f"{label}不能超过 {REASON_MAX} 个字", field=field)
    if contains_personal_number(text):
        raise Invalid(f"{label}中不能写身份证号或手机号", field=field)
    return text


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def content_of(record: AccessRecord) -> dict[str, Any]:
    values = {k: getattr(record, k) for k in CONTENT_KEYS}
    values["at"] = _stamp(record.at)
    return values


def record_hash(prev_hash: str, content: dict[str, Any]) -> str:
    body = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev_hash.encode() + body.encode()).hexdigest()


def _who(actor: Any) -> tuple[str, str]:
    """(username, hall code) of an Actor, a user, or a plain name."""
    username = getattr(actor, "username", None) or getattr(actor, "get_username", lambda: str(actor))()
    hall = getattr(actor, "hall", None) or getattr(getattr(actor, "staff", None), "hall", None)
    hall = getattr(hall, "code", "")
    return str(username), hall or ""


# How a record's case reference (the case's internal id) reads as the business number staff know it by: the cases
# domain adds its lookup at start-up (cases.apps), core knowing nothing of cases. One lookup per page of records.
CASE_NUMBERS: list[Callable[[set[str]], dict[str, str]]] = []


def case_numbers(refs: Iterable[str]) -> dict[str, str]:
    """{case reference: business number} for the references given (blank ones left out), in one query each."""
    wanted = {ref for ref in refs if ref}
    found: dict[str, str] = {}
    for lookup in CASE_NUMBERS if wanted else ():
        found.update(lookup(wanted))
    return found


def record(
    *,
    actor: Any,
    persons: Iterable[int | None],
    where: str,
    reason: str = "",
    case: object = "",
    kind: str = READ,
) -> list[AccessRecord]:
    """Append one record per person read (each once); nothing when the page showed no one."""
    ids = list(dict.fromkeys(int(p) for p in persons if p is not None))
    if not ids:
        return []
    staff, hall = _who(actor)
    case_ref = str(getattr(case, "event_ref", case) or "")
    with transaction.atomic():
        head = AccessHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            AccessHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
            head = AccessHead.objects.select_for_update().get(pk=1)
        seq, prev_hash, at = head.seq, head.hash, clock.now()
        made = []
        for person in ids:
            seq += 1
            row = AccessRecord(
                seq=seq,
                at=at,
                kind=kind,
                hall=hall,
                staff=staff[:150],
                person=person,
                case=case_ref[:32],
                where=where[:200],
                reason=reason[:REASON_MAX],
                prev_hash=prev_hash,
            )
            row.hash = record_hash(prev_hash, content_of(row))
            row.save()
            made.append(row)
            prev_hash = row.hash
        AccessHead.objects.filter(pk=1).update(seq=seq, hash=prev_hash)
    return made


def record_one(*, actor: Any, person: Any, where: str, reason: str = "", case: object = "") -> None:
    """The read of one page about one citizen (a Person row or None)."""
    record(actor=actor, persons=[getattr(person, "pk", person)], where=where, reason=reason, case=case)


def reveal_resident_id(*, actor: Any, person: Any, where: str, reason: str, case: object = "") -> str:
    """The full resident ID of a Person, for a stated reason, the view recorded as such (kind full_id). Who may
    ask is the caller's rule (cases.common.full_resident_id); this is the one place that hands the number out to
    a page."""
    stated = checked_reason(reason, label="查看原因", example="核对证件原件")
    record(actor=actor, persons=[person.pk], where=where, reason=stated, case=case, kind=FULL_ID)
    value: str = person.resident_id
    return value


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    first_broken: int | None = None  # the sequence number of the first record that fails
    reason: str = ""


def verify(*, batch: int = 1000) -> Verdict:
    """Walk the whole log in order; name the first record whose link or content does not hold."""
    prev_hash, expected, last = GENESIS, 1, 0
    while True:
        page = list(AccessRecord.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not page:
            break
        for row in page:
            if row.seq != expected:
                return Verdict(False, expected - 1, expected, f"第 {expected} 条记录缺失（被删除）")
            if row.prev_hash != prev_hash:
                return Verdict(False, row.seq - 1, row.seq, f"第 {row.seq} 条记录的前一条摘要不符")
            if record_hash(prev_hash, content_of(row)) != row.hash:
                return Verdict(False, row.seq - 1, row.seq, f"第 {row.seq} 条记录的内容被改动")
            prev_hash, expected = row.hash, expected + 1
        last = page[-1].seq
    head = AccessHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != last or head.hash != prev_hash):
        return Verdict(False, last, last + 1, f"链头记到第 {head.seq} 条，记录只到第 {last} 条（尾部被删除）")
    return Verdict(True, last)


def search(
    *,
    hall: str,
    staff: str = "",
    resident_id: str = "",
    person: int | None = None,
    start: date | None = None,
    end: date | None = None,
    timezone: str | None = None,
) -> QuerySet[AccessRecord]:
    """The hall's records, newest first: by staff member (login), by citizen (a typed resident ID, looked up by
    its keyed digest and never kept or shown, or the Person row's id it led to), between two local dates (both
    included; an end before the start is refused, not answered with nothing)."""
    if start is not None and end is not None and end < start:
        raise Invalid("结束日期不能早于开始日期", field="end")
    found = AccessRecord.objects.filter(hall=hall)
    if person is not None:
        found = found.filter(person=person)
    if staff.strip():
        found = found.filter(staff=staff.strip())
    if resident_id.strip():
        found = found.filter(person=person_of(resident_id))
    if start is not None:
        found = found.filter(at__gte=_local_midnight(start, timezone))
    if end is not None:
        found = found.filter(at__lt=_local_midnight(end + timedelta(days=1), timezone))
    return found.order_by("-seq")


def person_of(resident_id: str) -> int:
    """The Person row id a typed resident ID leads to (0, which no row has, when the hall does not know it);
    an ID that fails its rule is refused naming the field."""
    identity = people.check_resident_id(resident_id)
    known = people.find_by_resident_id(identity.resident_id)
    return known.pk if known is not None else 0


def _local_midnight(day: date, timezone: str | None) -> datetime:
    zone = ZoneInfo(timezone) if timezone else dj_timezone.get_default_timezone()
    return datetime.combine(day, time.min, tzinfo=zone)
