"""Guide desk: pre-review against the resolved checklist, triage, and a ticket for those who go to a window."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from onevisit.accounts.models import Hall
from onevisit.accounts.services import Actor
from onevisit.catalog import services as catalog
from onevisit.core import clock, people
from onevisit.core.errors import Invalid
from onevisit.core.events import emit
from onevisit.core.ids import parse_resident_id
from onevisit.intake import rules
from onevisit.intake.models import Consultation, PreReview
from onevisit.queueing import services as queueing
from onevisit.queueing.models import Ticket

CHANNELS = {
    PreReview.Channel.WINDOW: "window",
    PreReview.Channel.SELF_SERVICE: "self_service",
    PreReview.Channel.ONLINE_ASSISTED: "online",
}
MAX_TOLERANCE_DAYS = 30
ELDERLY_AGE = 70


def checklist(*, matter_code: str | None = None, bundle_code: str | None = None, answers: dict | None = None):
    """The resolved checklist the guide desk reviews against (bundle with situations, or one matter)."""
    if bool(matter_code) == bool(bundle_code):
        raise Invalid("请选择一个事项或一件事", field="matter")
    if bundle_code:
        result = catalog.checklist_for_bundle(bundle_code, answers or {})
        if not result.matters:
            raise Invalid("按所选情形没有需要办理的事项，请补充回答情形问题", field="answers")
        return result
    return catalog.checklist_for_matter(matter_code, answers or {})


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _primary_matter(hall: Hall, result, key_code: str):
    """The matter whose queue the ticket joins: the bundle's key matter if it applies, else the first served."""
    ordered = sorted(result.matters, key=lambda m: m.code != key_code)
    for matter in ordered:
        try:
            return matter, queueing.queue_for(hall, matter)
        except Invalid:
            continue
    names = "、".join(m.name for m in result.matters)
    raise Invalid(f"本大厅不办理「{names}」", field="matter")


def submit_prereview(
    *,
    actor: Actor,
    present: list[str],
    name: str,
    resident_id: str,
    phone: str,
    matter_code: str | None = None,
    bundle_code: str | None = None,
    answers: dict[str, Any] | None = None,
    channel: str = PreReview.Channel.WINDOW,
    disability: bool = False,
    commitment_signed: bool = False,
    tolerance_due: date | None = None,
    idempotency_key: str = "",
) -> PreReview:
    """Record what the citizen brought, route them, and issue a ticket when they go to a window.

    Every check runs before anything is written; a retried request with the same key returns the first result.
    """
    key = queueing.request_key("prereview", idempotency_key)
    request = _prereview_request(
        matter_code=matter_code, bundle_code=bundle_code, answers=answers, present=present, name=name,
        resident_id=resident_id, phone=phone, channel=channel, disability=disability,
        commitment_signed=commitment_signed, tolerance_due=tolerance_due,
    )  # fmt: skip
    if done := _replayed_prereview(actor.hall, key, request):
        return done
    result = checklist(matter_code=matter_code, bundle_code=bundle_code, answers=answers)
    bundle = catalog.get_bundle(bundle_code) if bundle_code else None
    needed = [m for m in result.materials if not m.shared]  # 免提交: the hall obtains these itself
    known = {m.code for m in result.materials}
    unknown = sorted(set(present) - known)
    if unknown:
        raise Invalid(f"「{result.name}」的清单中没有材料 {', '.join(unknown)}", field="materials")
    identity = people.check_identity(name=name, resident_id=resident_id, phone=phone)
    matter, queue = _primary_matter(actor.hall, result, bundle.key_matter.code if bundle else matter_code)
    review = rules.review([rules.Requirement(m.code, m.name, m.tolerable) for m in needed], present)
    today = clock.local_date(actor.hall.timezone)

    if channel not in PreReview.Channel.values or channel == PreReview.Channel.NONE:
        raise Invalid(f"分流去向 {channel} 不存在", field="channel")
    if review.verdict is rules.Verdict.INCOMPLETE:
        channel = PreReview.Channel.NONE
    elif matter.channels and CHANNELS[channel] not in matter.channels:
        raise Invalid(f"「{matter.name}」不能{PreReview.Channel(channel).label}", field="channel")
    if review.verdict is rules.Verdict.TOLERANCE:
        errors = {}
        if not commitment_signed:
            errors["commitment"] = "缺少可容缺材料，须由办事人签署容缺承诺"
        if tolerance_due is None:
            errors["tolerance_due"] = "请填写承诺补交日期"
        elif not today <= tolerance_due <= today + timedelta(days=MAX_TOLERANCE_DAYS):
            errors["tolerance_due"] = f"承诺补交日期须在今天到 {MAX_TOLERANCE_DAYS} 天内"
        if errors:
            raise Invalid("；".join(errors.values()), errors=errors)

    born = parse_resident_id(identity.resident_id, today=today).birth_date
    priority_class = Ticket.PriorityClass.NORMAL
    if disability:
        priority_class = Ticket.PriorityClass.DISABILITY
    elif _age(born, today) >= ELDERLY_AGE:
        priority_class = Ticket.PriorityClass.ELDERLY

    try:
        with transaction.atomic():
            person = people.register(identity)
            first_visit = not PreReview.objects.filter(person=person, matter=matter).exists()
            prereview = PreReview.objects.create(
                hall=actor.hall,
                matter=matter,
                bundle=bundle,
                matters=[m.code for m in result.matters],
                answers=result.answers,
                person=person,
                present=sorted(set(present)),
                missing=[r.code for r in review.missing],
                verdict=review.verdict.value,
                channel=channel,
                tolerance_due=tolerance_due if review.verdict is rules.Verdict.TOLERANCE else None,
                commitment_signed=commitment_signed and review.verdict is rules.Verdict.TOLERANCE,
                idempotency_key=key,
                idempotency_fingerprint=request if key else {},
                reviewed_by=actor.user,
                created_at=clock.now(),
            )
            emit(
                "prereview.completed",
                hall=actor.hall,
                matter=matter,
                bundle=bundle_code or "",
                actor=actor,
                data={
                    "prereview": prereview.pk,
                    "verdict": review.verdict.value,
                    "required": len(needed),
                    "present": len(needed) - len(review.missing),
                    "missing": [r.code for r in review.missing],
                    "matters": prereview.matters,
                    "first_visit": first_visit,
                    "person": person.event_ref,
                },
                at=prereview.created_at,
            )
            emit("triage.routed", hall=actor.hall, matter=matter, bundle=bundle_code or "", actor=actor,
                 data={"prereview": prereview.pk, "channel": channel})  # fmt: skip
            if channel == PreReview.Channel.WINDOW:
                prereview.ticket = queueing.issue_ticket(
                    hall=actor.hall, matter=matter, person=person, actor=actor, queue=queue,
                    priority_class=priority_class, idempotency_key=f"prereview-{key}" if key else "",
                )  # fmt: skip
                prereview.save(update_fields=["ticket"])
    except IntegrityError:
        if done := _replayed_prereview(actor.hall, key, request):
            return done  # a concurrent retry with the same key won the insert
        raise
    return prereview


def _prereview_request(**fields) -> dict:
    """The content a pre-review key stands for; personal numbers only as keyed digests (queueing's fingerprint)."""
    return queueing.request_fingerprint(
        matter=fields["matter_code"] or "",
        bundle=fields["bundle_code"] or "",
        answers=fields["answers"] or {},
        materials=sorted(set(fields["present"])),
        name=(fields["name"] or "").strip(),
        resident_id=(fields["resident_id"] or "").strip().upper(),
        phone=(fields["phone"] or "").strip(),
        channel=fields["channel"],
        disability=bool(fields["disability"]),
        commitment=bool(fields["commitment_signed"]),
        tolerance_due=fields["tolerance_due"],
    )


def _replayed_prereview(hall: Hall, key: str, request: dict) -> PreReview | None:
    """The pre-review a stored key already gave, if the content matches; a 409 naming the field if not."""
    if not key:
        return None
    done = PreReview.objects.filter(hall=hall, idempotency_key=key).first()
    if done is not None:
        queueing.check_same_request(done.idempotency_fingerprint, request)
    return done


def record_consultation(
    *, actor: Actor, matter_code: str | None = None, bundle_code: str | None = None, note: str = ""
) -> Consultation:
    """A visitor who only asked about a matter: counted, since consultations feed relative volume."""
    if bool(matter_code) == bool(bundle_code):
        raise Invalid("请选择咨询的事项或一件事", field="matter")
    matter = catalog.get_matter(matter_code) if matter_code else None
    bundle = catalog.get_bundle(bundle_code) if bundle_code else None
    if len(note) > 200:
        raise Invalid("备注不超过200字", field="note")
    with transaction.atomic():
        consultation = Consultation.objects.create(
            hall=actor.hall, matter=matter, bundle=bundle, note=note.strip(), recorded_by=actor.user,
            created_at=clock.now(),
        )  # fmt: skip
        emit("consultation.recorded", hall=actor.hall, matter=matter, bundle=bundle, actor=actor,
             at=consultation.created_at)  # fmt: skip
    return consultation


def issue_at_kiosk(*, actor: Actor, matter_code: str, resident_id: str, idempotency_key: str = "") -> Ticket:
    """Self-service ticket: the citizen reads the checklist on screen and identifies with the resident ID."""
    matter = catalog.get_matter(matter_code)
    queue = queueing.queue_for(actor.hall, matter)
    identity = people.check_resident_id(resident_id)
    today = clock.local_date(actor.hall.timezone)
    born = parse_resident_id(identity.resident_id, today=today).birth_date
    elderly = _age(born, today) >= ELDERLY_AGE
    priority_class = Ticket.PriorityClass.ELDERLY if elderly else Ticket.PriorityClass.NORMAL
    key = f"kiosk-{idempotency_key.strip()}" if (idempotency_key or "").strip() else ""
    # A retry is answered (or refused for other content) before anything is written, the person included.
    known = people.find_by_resident_id(identity.resident_id)
    request = queueing.ticket_request(matter=matter, person=known, queue=queue, priority_class=priority_class)
    if done := queueing.replayed_ticket(
        hall=actor.hall, key=queueing.request_key("ticket", key), request=request
    ):
        return done
    with transaction.atomic():
        person = people.register(identity)
        return queueing.issue_ticket(
            hall=actor.hall, matter=matter, person=person, actor=actor, queue=queue,
            priority_class=priority_class, idempotency_key=key,
        )  # fmt: skip


def prereview_of(ticket: Ticket) -> PreReview | None:
    return PreReview.objects.select_related("person", "matter", "bundle").filter(ticket=ticket).first()


def missing_materials(prereview: PreReview) -> list:
    """The missing items with their names, from the checklist the pre-review used."""
    result = checklist(
        matter_code=None if prereview.bundle_id else prereview.matter.code,
        bundle_code=prereview.bundle.code if prereview.bundle_id else None,
        answers=prereview.answers,
    )
    codes = set(prereview.missing)
    return [m for m in result.materials if m.code in codes]
